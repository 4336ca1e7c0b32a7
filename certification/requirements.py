"""Where learners stand in programmes: the one evaluator of programme requirements.

Batched like courses.progress: `load_programmes` reads what some programmes require once (their
courses' structure through `courses.progress.load_structure`, their renewal paths and evidence
rules); `load_records` reads what any number of learners have done toward them in a constant
number of queries; `evaluate` combines the two for one learner and one programme without a
query. Issuing certificates, the clinic dashboard and its CSV, the learner's pages and reminders
all read a learner's standing here.

The rules, each in one place (docs/assessment-evidence.md tells them for people):

- **path**: a learner follows the programme's first path (required courses, quizzes and
  checklists) unless they are renewing: their latest certificate of it is not revoked and
  either a recertification of it is open (`Recertification`, not completed) or it has expired
  with no newer one. Renewing, they follow the renewal path (`renewal_courses`,
  `renewal_quizzes`, `renewal_checklists`; an empty list means the first path's list).
- **window**: evidence counts after `since`: the latest of the programme's validity before
  now, the learner's last revocation of a certificate of it, and — renewing — the
  recertification's `opened_at` (or, when none was opened, the latest certificate's expiry
  minus the recertification window).
- **requirements** (decide issuing): on the first path a course is met once its completion
  is recorded and a quiz once an attempt at it passed, whenever that was; renewing, a quiz
  needs a pass within the window, and a course its recorded completion with every live step of
  it done now (a completion is recorded once per learner and course, so lessons a material
  change added must be read, and the renewal quizzes show the knowledge again). A checklist is
  met by observations within the window as `certification.observations` counts them: signed,
  passed, countersigned when the checklist asks for it, not overturned by an upheld dispute,
  as many and by as many different assessors as the programme's evidence rule asks.
- **due**: a certificate is due when every requirement is met and none is valid — or while a
  recertification is open and the renewal path is met, though the current one is still valid.
- **percent**: learning steps done of all steps, as courses.progress counts them (the live
  lessons and quizzes of the path's courses) plus one step per path quiz outside them, through
  `courses.progress.percent_done`; checklists are counted apart (`skills`);
- **standing**: `standing` below, from the certificate status rule
  (`certification.models.certificate_status`) and the assignment's due date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from certification.models import (
    EXPIRING_WITHIN_DAYS,
    Certificate,
    CertificateStatus,
    Programme,
    Recertification,
)
from certification.observations import (
    DEFAULT_RULE,
    Observation,
    describe,
    load_observations,
    tally,
)
from certification.paths import REQUIRED, Paths, load_paths, renewal_start
from courses.progress import (
    CourseProgress,
    CourseStructure,
    build_progress,
    learner_states,
    load_structure,
    percent_done,
)
from quizzes.models import Attempt, AttemptState


class Standing(models.TextChoices):
    """Where a learner stands in a programme, as a clinic manager sees it."""

    CERTIFIED = "certified", "Certified"
    EXPIRING = "expiring", f"Expiring within {EXPIRING_WITHIN_DAYS} days"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    OVERDUE = "overdue", "Overdue"
    IN_PROGRESS = "in_progress", "In progress"
    NOT_STARTED = "not_started", "Not started"


HELD = (Standing.CERTIFIED, Standing.EXPIRING)


def standing(
    certificates: list[Certificate], due: date | None, started: bool, now: datetime
) -> tuple[Standing, Certificate | None]:
    """Pure: a learner's standing in a programme, and the certificate it refers to.

    `certificates` are the learner's certificates of the programme, newest cycle first; `due`
    the due date of an assignment of it, if any. A valid certificate (active or expiring) is
    held; without one, an assignment past its due date is overdue; then the latest certificate
    says revoked or expired; with none, any step or skill done is in progress.
    """
    statuses = [(c, c.status_at(now)) for c in certificates]
    for certificate, status in statuses:
        if status in (CertificateStatus.ACTIVE, CertificateStatus.EXPIRING):
            held = Standing.EXPIRING if status == CertificateStatus.EXPIRING else Standing.CERTIFIED
            return held, certificate
    latest = certificates[0] if certificates else None
    if due is not None and due < now.date():
        return Standing.OVERDUE, latest
    if latest is not None:
        revoked = statuses[0][1] == CertificateStatus.REVOKED
        return (Standing.REVOKED if revoked else Standing.EXPIRED), latest
    return (Standing.IN_PROGRESS if started else Standing.NOT_STARTED), None


@dataclass
class Requirement:
    """One thing a programme requires, and whether the learner meets it.

    `object_id` is the course page's, quiz page's or checklist's id; `detail` the progress
    toward it in words ("2 of 3 observations, 1 of 2 assessors"), `done_at` when the evidence
    that meets it was recorded, where the evaluator knows it.
    """

    kind: str  # course | quiz | checklist
    title: str
    met: bool
    page: object | None = None  # the course or quiz page; its URL is read only when shown
    object_id: int = 0
    detail: str = ""
    done_at: datetime | None = None

    @property
    def url(self) -> str:
        return (getattr(self.page, "url", None) or "") if self.page is not None else ""


@dataclass
class ProgrammeState:
    """A learner's way through a programme: requirements met, steps and skills done, certificates.

    `done` of `total` learning steps make the percent; `skills` of `skills_total` checklists
    observed and passed are counted apart. `certificates` are newest cycle first. `renewing`
    says the requirements are the renewal path's, with evidence counted after `since`;
    `recertification` is the open recertification of the latest certificate, if any.
    """

    programme: Programme
    now: datetime
    requirements: list[Requirement] = field(default_factory=list)
    done: int = 0
    total: int = 0
    skills: int = 0
    skills_total: int = 0
    certificates: list[Certificate] = field(default_factory=list)
    renewing: bool = False
    since: datetime | None = None
    recertification: Recertification | None = None

    @property
    def met(self) -> bool:
        """Every requirement met (a programme requiring nothing never issues: see `due`)."""
        return all(r.met for r in self.requirements)

    @property
    def percent(self) -> int:
        """The programme percent, shown alike on every page and export."""
        return percent_done(self.done, self.total)

    @property
    def started(self) -> bool:
        return bool(self.done or self.skills)

    @property
    def latest(self) -> Certificate | None:
        return self.certificates[0] if self.certificates else None

    @property
    def certificate(self) -> Certificate | None:
        """The certificate valid at `now`, if any."""
        return next((c for c in self.certificates if c.is_valid_at(self.now)), None)

    @property
    def due(self) -> bool:
        """Whether a certificate should be issued now: everything met, and none valid or an
        open recertification completed by it."""
        if not self.requirements or not self.met:
            return False
        return self.certificate is None or self.recertification is not None

    def standing(self, due_date: date | None = None) -> tuple[Standing, Certificate | None]:
        """This learner's standing, given the due date of an assignment of the programme."""
        return standing(self.certificates, due_date, self.started, self.now)


@dataclass
class ProgrammeStructure:
    """What some programmes require, read once and shared by every learner."""

    programmes: list[Programme]
    courses: CourseStructure | None
    # Required quizzes that are not live steps of a required course: one step each.
    extra_quizzes: set[int]
    # Programme id -> its first and renewal paths and evidence rules (absent: DEFAULT_RULE).
    paths: dict[int, Paths] = field(default_factory=dict)


def programmes_queryset() -> QuerySet:
    """Every programme, with what it requires."""
    return Programme.objects.prefetch_related(*REQUIRED)


def load_programmes(programmes: Iterable[Programme]) -> ProgrammeStructure:
    """The requirements and course structure of `programmes` (a few queries, however many)."""
    programmes = list(programmes)
    paths = load_paths(programmes)
    courses = list(
        {c.pk: c for p in paths.values() for path in (p.first, p.renewal) for c in path[0]}.values()
    )
    structure = load_structure(courses) if courses else None
    steps = set(structure.quiz_ids) if structure else set()
    extra = {q.pk for p in paths.values() for q in p.first[1]} - steps
    return ProgrammeStructure(programmes, structure, extra, paths)


@dataclass
class ProgrammeRecords:
    """What some learners have done toward the programmes of a structure."""

    courses: dict[int, dict[int, CourseProgress]]  # user id -> course id -> progress
    # (user id, quiz id) -> the latest passing attempt's submission by `now` (None: only later
    # ones), for the quizzes outside courses and every renewal path's quizzes.
    quiz_passes: dict[tuple[int, int], datetime | None]
    observations: dict[tuple[int, int], list[Observation]]  # (user id, checklist id)
    revoked: dict[tuple[int, int], datetime]  # (user id, programme id) -> last revocation
    certificates: dict[tuple[int, int], list[Certificate]]  # newest cycle first


def certificates_of(user_ids: Iterable[int] | QuerySet, programmes) -> dict:
    """(user id, programme id) -> the learner's certificates of it, newest cycle first, each
    with its recertification (`paths.recertification_of`) read in the same query."""
    found: dict[tuple[int, int], list[Certificate]] = defaultdict(list)
    for certificate in (
        Certificate.objects.filter(user_id__in=user_ids, programme__in=programmes)
        .select_related("recertification")
        .order_by("-cycle")
    ):
        found[(certificate.user_id, certificate.programme_id)].append(certificate)
    return found


def load_records(
    structure: ProgrammeStructure,
    users: list,
    *,
    now: datetime,
    user_ids: QuerySet | None = None,
    progress: dict[int, dict[int, CourseProgress]] | None = None,
    quiz_passes: dict[tuple[int, int], datetime | None] | None = None,
    certificates: list[Certificate] | None = None,
) -> ProgrammeRecords:
    """What `users` have done, in a constant number of queries however many there are.

    `user_ids`, a subquery selecting the same users (a clinic's staff), keeps long lists of ids
    out of the queries; without it their ids are listed.

    What the caller has already read by the same rules is not read again: `progress` (user id
    -> course id -> `courses.progress` progress; used when it covers every course of the
    structure), `quiz_passes` ((user id, quiz id) -> the latest graded pass by `now`, None when
    only later, for every quiz passed by then or later) and `certificates` (every certificate of
    `users`, each with its recertification read). The /learn/ page passes them.
    """
    ids = user_ids if user_ids is not None else [u.pk for u in users]
    programmes = structure.programmes
    courses: dict[int, dict[int, CourseProgress]] = defaultdict(dict)
    if structure.courses is not None:
        wanted = {c.pk for c in structure.courses.courses}
        given = progress or {}
        if progress is not None and all(wanted <= set(given.get(u.pk, {})) for u in users):
            for user in users:
                courses[user.pk] = {pk: p for pk, p in given[user.pk].items() if pk in wanted}
        else:
            for user_id, state in learner_states(users, structure.courses).items():
                courses[user_id] = build_progress(structure.courses, state)
    # Quizzes that are steps of a course count as courses.progress counts them; the others,
    # and any quiz a renewal needs passed within its window, are read here by the same rule
    # (an attempt graded and passed), with the date of the latest pass.
    paths = structure.paths.values()
    quiz_ids = structure.extra_quizzes | {q.pk for p in paths for q in p.renewal[1]}
    if quiz_passes is not None:
        passes = {key: at for key, at in quiz_passes.items() if key[1] in quiz_ids}
    elif quiz_ids:
        passes = {
            (row["user_id"], row["quiz_id"]): row["latest"]
            for row in Attempt.objects.filter(
                user_id__in=ids, quiz_id__in=quiz_ids, state=AttemptState.GRADED, passed=True
            )
            .order_by()
            .values("user_id", "quiz_id")
            .annotate(latest=Max("submitted_at", filter=Q(submitted_at__lte=now)))
        }
    else:
        passes = {}
    checklist_ids = {c.pk for p in paths for path in (p.first, p.renewal) for c in path[2]}
    longest = max((p.validity for p in programmes), default=timedelta(0))
    if certificates is not None:
        found = _by_learner(c for c in certificates if c.programme_id in {p.pk for p in programmes})
    else:
        found = certificates_of(ids, programmes)
    return ProgrammeRecords(
        courses=courses,
        quiz_passes=passes,
        observations=load_observations(ids, checklist_ids, now=now, after=now - longest),
        revoked=_last_revocations(found),
        certificates=found,
    )


def _by_learner(certificates: Iterable[Certificate]) -> dict[tuple[int, int], list[Certificate]]:
    """(user id, programme id) -> those certificates, newest cycle first."""
    found: dict[tuple[int, int], list[Certificate]] = defaultdict(list)
    for certificate in sorted(certificates, key=lambda c: -c.cycle):
        found[(certificate.user_id, certificate.programme_id)].append(certificate)
    return found


def _last_revocations(
    certificates: dict[tuple[int, int], list[Certificate]],
) -> dict[tuple[int, int], datetime]:
    """(user id, programme id) -> the learner's last revocation of a certificate of it: read
    from their certificates, which hold every revocation."""
    revoked: dict[tuple[int, int], datetime] = {}
    for key, found in certificates.items():
        times = [c.revoked_at for c in found if c.revoked_at is not None]
        if times:
            revoked[key] = max(times)
    return revoked


def evaluate(
    structure: ProgrammeStructure,
    records: ProgrammeRecords,
    user_id: int,
    programme: Programme,
    now: datetime,
) -> ProgrammeState:
    """Combine a structure and the records for one learner and one programme; no queries."""
    state = ProgrammeState(programme=programme, now=now)
    state.certificates = records.certificates.get((user_id, programme.pk), [])
    start, state.recertification = renewal_start(programme, state.latest, now)
    state.renewing = start is not None
    window = now - programme.validity
    state.since = since = max(
        window, records.revoked.get((user_id, programme.pk), window), start or window
    )
    paths = structure.paths[programme.pk]
    courses, quizzes, checklists = paths.path(state.renewing)
    progress = records.courses.get(user_id, {})
    done_steps = {
        s.page_id for p in progress.values() for m in p.modules for s in m.steps if s.done
    }
    own_steps: set[int] = set()
    for course in courses:
        course_progress = progress.get(course.pk)
        if course_progress is not None:
            state.done += course_progress.done
            state.total += course_progress.total
            own_steps |= {s.page_id for m in course_progress.modules for s in m.steps}
        enrollment = course_progress.enrollment if course_progress else None
        completed_at = enrollment.completed_at if enrollment is not None else None
        completed = completed_at is not None
        if state.renewing:  # completed once, and nothing added since left undone
            completed = completed and course_progress is not None and course_progress.complete
        state.requirements.append(
            Requirement("course", course.title, completed, course, course.pk, done_at=completed_at)
        )
    for quiz in quizzes:
        passed_at = records.quiz_passes.get((user_id, quiz.pk))
        if state.renewing:
            passed = passed_at is not None and since < passed_at <= now
        else:
            passed = quiz.pk in done_steps or (user_id, quiz.pk) in records.quiz_passes
        if quiz.pk not in own_steps:  # not a step of this path's courses: a step of its own
            state.done += passed
            state.total += 1
        state.requirements.append(
            Requirement("quiz", quiz.title, passed, quiz, quiz.pk, done_at=passed_at)
        )
    for checklist in checklists:
        rule = paths.rules.get(checklist.pk, DEFAULT_RULE)
        result = tally(records.observations.get((user_id, checklist.pk), []), rule, since, now)
        state.skills += result.met
        state.skills_total += 1
        state.requirements.append(
            Requirement(
                "checklist",
                checklist.title,
                result.met,
                object_id=checklist.pk,
                detail=describe(result),
                done_at=result.latest,
            )
        )
    return state


def programme_states(
    users: list,
    programmes: Iterable[Programme],
    *,
    now: datetime | None = None,
    user_ids: QuerySet | None = None,
) -> dict[tuple[int, int], ProgrammeState]:
    """(user id, programme id) -> ProgrammeState for every pair: a clinic page, or one learner."""
    now = now or timezone.now()
    structure = load_programmes(programmes)
    if not structure.programmes or not users:
        return {}
    records = load_records(structure, users, now=now, user_ids=user_ids)
    return {
        (user.pk, programme.pk): evaluate(structure, records, user.pk, programme, now)
        for user in users
        for programme in structure.programmes
    }


def learner_programmes(
    user, programmes: Iterable[Programme] | None = None, *, now: datetime | None = None
) -> list[ProgrammeState]:
    """One learner's state in each of `programmes` (default: every programme, by title), in order."""
    chosen = list(programmes) if programmes is not None else list(programmes_queryset())
    states = programme_states([user], chosen, now=now)
    return [states[(user.pk, p.pk)] for p in chosen]


def programme_state(user, programme: Programme, *, now: datetime | None = None) -> ProgrammeState:
    """One learner's state in one programme."""
    return learner_programmes(user, [programme], now=now)[0]
