"""A clinic's staff x programme matrix: who is certified in what, until when, who is overdue.

A constant number of queries for any number of staff: the programmes and their requirements,
then one query each for memberships, assignments and certificates, the course structure and
learner records that courses.progress reads, quizzes outside the courses, passed assessments
and revocations, all grouped in Python. Also here: who counts as a learner (`learners`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from certification.models import (
    EXPIRING_WITHIN_DAYS,
    AssessmentStatus,
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    Programme,
    ProgrammeAssignment,
    SkillAssessment,
)
from courses.progress import (
    CourseProgress,
    build_progress,
    learner_states,
    load_structure,
    percent_done,
)

STATUS_LABELS = {
    "certified": "Certified",
    "expiring": "Expiring within 60 days",
    "expired": "Expired",
    "revoked": "Revoked",
    "overdue": "Overdue",
    "in_progress": "In progress",
    "not_started": "Not started",
}


HELD = ("certified", "expiring")


@dataclass
class Progress:
    """A staff member's way through a programme.

    `done` of `total` learning steps (lessons and quizzes, as courses.progress counts them) and
    `skills` of `skills_total` checklists observed and passed, as the certificate counts them.
    """

    done: int = 0
    total: int = 0
    skills: int = 0
    skills_total: int = 0

    @property
    def percent(self) -> int:
        """The learning steps done, rounded as the learner's own course page rounds them."""
        return percent_done(self.done, self.total)

    @property
    def started(self) -> bool:
        return bool(self.done or self.skills)


@dataclass
class Cell:
    status: str
    progress: Progress
    certificate: Certificate | None
    assignment: ProgrammeAssignment | None

    @property
    def percent(self) -> int:
        return self.progress.percent

    @property
    def label(self) -> str:
        if self.status in HELD and self.certificate:
            return f"{STATUS_LABELS[self.status]}: until {date_format(self.certificate.expires_at, 'j M Y')}"
        if self.status in ("in_progress", "overdue") and self.progress.started:
            skills = (
                f", {self.progress.skills} of {self.progress.skills_total} skills observed"
                if self.progress.skills_total
                else ""
            )
            return f"{STATUS_LABELS[self.status]} ({self.percent}%{skills})"
        return STATUS_LABELS[self.status]

    @property
    def due_date(self) -> date | None:
        """The assignment's due date while it is still to be met: a valid certificate meets it."""
        if self.assignment is None or self.status in HELD:
            return None
        return self.assignment.due_date


@dataclass
class StaffRow:
    membership: ClinicMembership
    cells: list[Cell]

    @property
    def user(self):
        return self.membership.user


def cell_status(
    certificate_rows: list[Certificate],
    assignment: ProgrammeAssignment | None,
    started: bool,
    now: datetime,
) -> tuple[str, Certificate | None]:
    """Pure: the one status a manager sees for a staff member and a programme."""
    valid = next((c for c in certificate_rows if c.revoked_at is None and c.expires_at > now), None)
    if valid is not None:
        expiring = valid.expires_at <= now + timedelta(days=EXPIRING_WITHIN_DAYS)
        return ("expiring" if expiring else "certified"), valid
    latest = certificate_rows[0] if certificate_rows else None
    if assignment is not None and assignment.due_date < now.date():
        return "overdue", latest
    if latest is not None:
        return ("revoked" if latest.revoked_at else "expired"), latest
    return ("in_progress" if started else "not_started"), None


def clinic_programmes(clinic: Clinic) -> list[Programme]:
    """Programmes assigned to anyone in the clinic (every programme if none is assigned yet)."""
    assigned = Programme.objects.filter(assignments__clinic=clinic).distinct()
    queryset = assigned if assigned.exists() else Programme.objects.all()
    return list(
        queryset.order_by("title").prefetch_related(
            "required_courses", "required_quizzes", "required_checklists"
        )
    )


def _progress(
    staff_ids: QuerySet, users: list, programmes: list[Programme], now: datetime
) -> dict[tuple[int, int], Progress]:
    """Each staff member's Progress in each programme, in a constant number of queries.

    Learning steps are counted by the course progress rule itself (courses.progress: the live
    lessons and quizzes of live modules, a lesson done when completed, a quiz when passed), so
    the dashboard shows the percentage the learner sees on their course page. A required quiz
    outside the programme's courses adds one step. Checklists are counted apart, as the
    certificate counts them: signed and passed within the programme's validity, and after any
    revocation of the learner's certificate of it. `staff_ids`, a subquery of the clinic's
    staff, keeps the queries of this module free of long lists of ids.
    """
    from quizzes.models import Attempt, AttemptState

    courses = list({c.pk: c for p in programmes for c in p.required_courses.all()}.values())
    course_progress: dict[int, dict[int, CourseProgress]] = {}
    steps: set[int] = set()
    if courses:
        structure = load_structure(courses)
        steps = set(structure.quiz_ids)
        course_progress = {
            user_id: build_progress(structure, state)
            for user_id, state in learner_states(users, structure).items()
        }
    extra_quizzes = {q.pk for p in programmes for q in p.required_quizzes.all()} - steps
    passed_extra = (
        set(
            Attempt.objects.filter(
                user_id__in=staff_ids,
                quiz_id__in=extra_quizzes,
                state=AttemptState.GRADED,
                passed=True,
            )
            .order_by()
            .values_list("user_id", "quiz_id")
            .distinct()
        )
        if extra_quizzes
        else set()
    )
    latest_pass = {
        (row["trainee_id"], row["checklist_id"]): row["latest"]
        for row in SkillAssessment.objects.filter(
            trainee_id__in=staff_ids, status=AssessmentStatus.SIGNED, passed=True
        )
        .order_by()
        .values("trainee_id", "checklist_id")
        .annotate(latest=Max("signed_at"))
    }
    revoked_since = {
        (row["user_id"], row["programme_id"]): row["latest"]
        for row in Certificate.objects.filter(
            user_id__in=staff_ids, programme__in=programmes, revoked_at__isnull=False
        )
        .order_by()
        .values("user_id", "programme_id")
        .annotate(latest=Max("revoked_at"))
    }
    result = {}
    for programme in programmes:
        course_ids = [c.pk for c in programme.required_courses.all()]
        quizzes = [q.pk for q in programme.required_quizzes.all() if q.pk in extra_quizzes]
        checklists = [c.pk for c in programme.required_checklists.all()]
        window = now - programme.validity
        for user in users:
            in_courses = [course_progress[user.pk][c] for c in course_ids]
            since = max(window, revoked_since.get((user.pk, programme.pk), window))
            result[(user.pk, programme.pk)] = Progress(
                done=sum(p.done for p in in_courses)
                + sum((user.pk, q) in passed_extra for q in quizzes),
                total=sum(p.total for p in in_courses) + len(quizzes),
                skills=sum(
                    1
                    for c in checklists
                    if (latest := latest_pass.get((user.pk, c))) and since < latest <= now
                ),
                skills_total=len(checklists),
            )
    return result


@dataclass
class Matrix:
    """Every staff row of a clinic, and the rows a filter keeps (computed once per request)."""

    programmes: list[Programme]
    all_rows: list[StaffRow]
    rows: list[StaffRow]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.all_rows:
            for cell in row.cells:
                counts[cell.status] += 1
        return counts


def _matches(row: StaffRow, q: str) -> bool:
    user = row.user
    haystack = " ".join([user.first_name, user.last_name, user.username, user.email]).casefold()
    return q.casefold() in haystack


def clinic_matrix(
    clinic: Clinic,
    *,
    status: str = "",
    programme_id: int | None = None,
    q: str = "",
    now: datetime | None = None,
) -> Matrix:
    """Every staff member with a cell per programme; `rows` keeps those the filters match."""
    now = now or timezone.now()
    programmes = clinic_programmes(clinic)
    staff = ClinicMembership.objects.filter(clinic=clinic, role=ClinicRole.STAFF)
    staff_ids = staff.values("user_id")
    memberships = list(
        staff.select_related("user").order_by(
            "user__last_name", "user__first_name", "user__username"
        )
    )
    assignments = {
        (a.user_id, a.programme_id): a
        for a in ProgrammeAssignment.objects.filter(
            clinic=clinic, user_id__in=staff_ids, programme__in=programmes
        )
    }
    certificates: dict[tuple[int, int], list[Certificate]] = defaultdict(list)
    for issued in Certificate.objects.filter(
        user_id__in=staff_ids, programme__in=programmes
    ).order_by("-cycle"):
        certificates[(issued.user_id, issued.programme_id)].append(issued)
    progress = (
        _progress(staff_ids, [m.user for m in memberships], programmes, now) if programmes else {}
    )
    all_rows = []
    for membership in memberships:
        cells = []
        for programme in programmes:
            key = (membership.user_id, programme.pk)
            done = progress.get(key, Progress())
            state, shown = cell_status(certificates[key], assignments.get(key), done.started, now)
            cells.append(Cell(state, done, shown, assignments.get(key)))
        all_rows.append(StaffRow(membership, cells))
    columns = [i for i, p in enumerate(programmes) if not programme_id or p.pk == programme_id]
    rows = [
        StaffRow(row.membership, [row.cells[i] for i in columns])
        for row in all_rows
        if (not q or _matches(row, q))
        and (not status or any(row.cells[i].status == status for i in columns))
    ]
    return Matrix([programmes[i] for i in columns], all_rows, rows)


def learners() -> QuerySet:
    """Every learner: an active account holding no staff role. The one definition of a learner.

    Staff roles are administrators (superusers and staff accounts), anyone whose groups or own
    permissions open the Wagtail admin (instructors, reviewers), and the managers of any clinic.
    """
    User = get_user_model()
    admin_access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    staff = User.objects.filter(
        Q(is_superuser=True)
        | Q(is_staff=True)
        | Q(groups__permissions__in=admin_access)
        | Q(user_permissions__in=admin_access)
        | Q(clinic_memberships__role=ClinicRole.MANAGER)
    )
    return User.objects.filter(is_active=True).exclude(pk__in=staff.values("pk"))


def managed_clinic(user, slug: str) -> Clinic | None:
    """The clinic with `slug` if `user` manages it (or is a superuser); otherwise None."""
    if not user.is_authenticated:
        return None
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None:
        return None
    if (
        user.is_superuser
        or ClinicMembership.objects.filter(
            clinic=clinic, user=user, role=ClinicRole.MANAGER
        ).exists()
    ):
        return clinic
    return None
