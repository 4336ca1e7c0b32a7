"""Where learners stand in programmes: the one evaluator of programme requirements.

Batched like courses.progress: `load_programmes` reads what some programmes require once (their
courses' structure through `courses.progress.load_structure`); `load_records` reads what any
number of learners have done toward them in a constant number of queries; `evaluate` combines
the two for one learner and one programme without a query. Issuing certificates, the clinic
dashboard and its CSV, the learner's pages and reminders all read a learner's standing here.

The rules, each in one place:

- **requirements** (decide issuing): a course is met once its completion is recorded, a quiz
  once an attempt at it passed, a checklist once an assessment of it was signed as passed
  within the programme's validity and after any revocation of the learner's certificate of it;
- **percent**: learning steps done of all steps, as courses.progress counts them (the live
  lessons and quizzes of the required courses) plus one step per required quiz outside them,
  through `courses.progress.percent_done`; checklists are counted apart (`skills`);
- **standing**: `standing` below, from the certificate status rule
  (`certification.models.certificate_status`) and the assignment's due date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.db.models import Max, QuerySet, prefetch_related_objects
from django.utils import timezone

from certification.models import (
    EXPIRING_WITHIN_DAYS,
    AssessmentStatus,
    Certificate,
    CertificateStatus,
    Programme,
    SkillAssessment,
)
from courses.progress import (
    CourseProgress,
    CourseStructure,
    build_progress,
    learner_states,
    load_structure,
    percent_done,
)
from quizzes.models import Attempt, AttemptState

REQUIRED = ("required_courses", "required_quizzes", "required_checklists")


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
    """One thing a programme requires, and whether the learner meets it."""

    kind: str  # course | quiz | checklist
    title: str
    met: bool
    page: object | None = None  # the course or quiz page; its URL is read only when shown

    @property
    def url(self) -> str:
        return (getattr(self.page, "url", None) or "") if self.page is not None else ""


@dataclass
class ProgrammeState:
    """A learner's way through a programme: requirements met, steps and skills done, certificates.

    `done` of `total` learning steps make the percent; `skills` of `skills_total` checklists
    observed and passed are counted apart. `certificates` are newest cycle first.
    """

    programme: Programme
    now: datetime
    requirements: list[Requirement] = field(default_factory=list)
    done: int = 0
    total: int = 0
    skills: int = 0
    skills_total: int = 0
    certificates: list[Certificate] = field(default_factory=list)

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
        """Whether a certificate should be issued now: everything met and none valid."""
        return bool(self.requirements) and self.met and self.certificate is None

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


def programmes_queryset() -> QuerySet:
    """Every programme, with what it requires."""
    return Programme.objects.prefetch_related(*REQUIRED)


def load_programmes(programmes: Iterable[Programme]) -> ProgrammeStructure:
    """The requirements and course structure of `programmes` (a few queries, however many)."""
    programmes = list(programmes)
    prefetch_related_objects(programmes, *REQUIRED)
    courses = list({c.pk: c for p in programmes for c in p.required_courses.all()}.values())
    structure = load_structure(courses) if courses else None
    steps = set(structure.quiz_ids) if structure else set()
    extra = {q.pk for p in programmes for q in p.required_quizzes.all()} - steps
    return ProgrammeStructure(programmes, structure, extra)


@dataclass
class ProgrammeRecords:
    """What some learners have done toward the programmes of a structure."""

    courses: dict[int, dict[int, CourseProgress]]  # user id -> course id -> progress
    passed_quizzes: set[tuple[int, int]]  # (user id, quiz id), of the quizzes outside courses
    latest_pass: dict[tuple[int, int], datetime]  # (user id, checklist id) -> signed at
    revoked: dict[tuple[int, int], datetime]  # (user id, programme id) -> last revocation
    certificates: dict[tuple[int, int], list[Certificate]]  # newest cycle first


def certificates_of(user_ids: Iterable[int] | QuerySet, programmes) -> dict:
    """(user id, programme id) -> the learner's certificates of it, newest cycle first."""
    found: dict[tuple[int, int], list[Certificate]] = defaultdict(list)
    for certificate in Certificate.objects.filter(
        user_id__in=user_ids, programme__in=programmes
    ).order_by("-cycle"):
        found[(certificate.user_id, certificate.programme_id)].append(certificate)
    return found


def load_records(
    structure: ProgrammeStructure,
    users: list,
    *,
    now: datetime,
    user_ids: QuerySet | None = None,
) -> ProgrammeRecords:
    """What `users` have done, in a constant number of queries however many there are.

    `user_ids`, a subquery selecting the same users (a clinic's staff), keeps long lists of ids
    out of the queries; without it their ids are listed.
    """
    ids = user_ids if user_ids is not None else [u.pk for u in users]
    programmes = structure.programmes
    courses: dict[int, dict[int, CourseProgress]] = defaultdict(dict)
    if structure.courses is not None:
        for user_id, state in learner_states(users, structure.courses).items():
            courses[user_id] = build_progress(structure.courses, state)
    # Quizzes that are steps of a course count as courses.progress counts them; the others
    # are read here, by the same rule (an attempt graded and passed).
    quiz_ids = structure.extra_quizzes
    passed = (
        Attempt.objects.filter(
            user_id__in=ids, quiz_id__in=quiz_ids, state=AttemptState.GRADED, passed=True
        )
        .order_by()
        .values_list("user_id", "quiz_id")
        .distinct()
    )
    checklist_ids = {c.pk for p in programmes for c in p.required_checklists.all()}
    latest_pass = (
        SkillAssessment.objects.filter(
            trainee_id__in=ids,
            checklist_id__in=checklist_ids,
            status=AssessmentStatus.SIGNED,
            passed=True,
            signed_at__lte=now,
        )
        .order_by()
        .values("trainee_id", "checklist_id")
        .annotate(latest=Max("signed_at"))
    )
    revoked = (
        Certificate.objects.filter(
            user_id__in=ids, programme__in=programmes, revoked_at__isnull=False
        )
        .order_by()
        .values("user_id", "programme_id")
        .annotate(latest=Max("revoked_at"))
    )
    return ProgrammeRecords(
        courses=courses,
        passed_quizzes=set(passed) if quiz_ids else set(),
        latest_pass={
            (row["trainee_id"], row["checklist_id"]): row["latest"]
            for row in (latest_pass if checklist_ids else [])
        },
        revoked={(row["user_id"], row["programme_id"]): row["latest"] for row in revoked},
        certificates=certificates_of(ids, programmes),
    )


def evaluate(
    structure: ProgrammeStructure,
    records: ProgrammeRecords,
    user_id: int,
    programme: Programme,
    now: datetime,
) -> ProgrammeState:
    """Combine a structure and the records for one learner and one programme; no queries."""
    state = ProgrammeState(programme=programme, now=now)
    progress = records.courses.get(user_id, {})
    done_steps = {
        s.page_id for p in progress.values() for m in p.modules for s in m.steps if s.done
    }
    own_steps: set[int] = set()
    for course in programme.required_courses.all():
        course_progress = progress.get(course.pk)
        if course_progress is not None:
            state.done += course_progress.done
            state.total += course_progress.total
            own_steps |= {s.page_id for m in course_progress.modules for s in m.steps}
        enrollment = course_progress.enrollment if course_progress else None
        completed = enrollment is not None and enrollment.completed_at is not None
        state.requirements.append(Requirement("course", course.title, completed, course))
    for quiz in programme.required_quizzes.all():
        passed = quiz.pk in done_steps or (user_id, quiz.pk) in records.passed_quizzes
        if quiz.pk not in own_steps:  # not a step of this programme's courses: a step of its own
            state.done += passed
            state.total += 1
        state.requirements.append(Requirement("quiz", quiz.title, passed, quiz))
    window = now - programme.validity
    since = max(window, records.revoked.get((user_id, programme.pk), window))
    for checklist in programme.required_checklists.all():
        latest = records.latest_pass.get((user_id, checklist.pk))
        observed = latest is not None and since < latest <= now
        state.skills += observed
        state.skills_total += 1
        state.requirements.append(Requirement("checklist", checklist.title, observed))
    state.certificates = records.certificates.get((user_id, programme.pk), [])
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
