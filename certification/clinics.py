"""A clinic's staff x programme matrix: who is certified in what, until when, who is overdue.

A constant number of queries for any number of staff: the programmes and their requirements,
then one query each for memberships, assignments, certificates, lesson completions per course,
passed quizzes and passed assessments, all grouped in Python.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max
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

STATUS_LABELS = {
    "certified": "Certified",
    "expiring": "Expiring within 60 days",
    "expired": "Expired",
    "revoked": "Revoked",
    "overdue": "Overdue",
    "in_progress": "In progress",
    "not_started": "Not started",
}


@dataclass
class Cell:
    status: str
    percent: int
    certificate: Certificate | None
    assignment: ProgrammeAssignment | None

    @property
    def label(self) -> str:
        if self.status in ("certified", "expiring") and self.certificate:
            return f"{STATUS_LABELS[self.status]}: until {date_format(self.certificate.expires_at, 'j M Y')}"
        if self.status in ("in_progress", "overdue") and self.percent:
            return f"{STATUS_LABELS[self.status]} ({self.percent}%)"
        return STATUS_LABELS[self.status]

    @property
    def due_date(self) -> date | None:
        return self.assignment.due_date if self.assignment else None


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
    percent: int,
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
    return ("in_progress" if percent else "not_started"), None


def clinic_programmes(clinic: Clinic) -> list[Programme]:
    """Programmes assigned to anyone in the clinic (every programme if none is assigned yet)."""
    assigned = Programme.objects.filter(assignments__clinic=clinic).distinct()
    queryset = assigned if assigned.exists() else Programme.objects.all()
    return list(
        queryset.order_by("title").prefetch_related(
            "required_courses", "required_quizzes", "required_checklists"
        )
    )


def _percents(
    staff_ids, user_ids: list[int], programmes: list[Programme], now: datetime
) -> dict[tuple[int, int], int]:
    """Share of each programme's steps done: lessons of its courses, its quizzes, its checklists.

    `staff_ids` is a subquery of the clinic's staff (no long literal id lists in the SQL).
    Assessments count as programme_state counts them: signed and passed within the programme's
    validity, and after any revocation of the learner's certificate of it.
    """
    from courses.models import LessonCompletion, LessonPage
    from quizzes.models import Attempt, AttemptState

    courses = {c.pk: c for p in programmes for c in p.required_courses.all()}
    lessons_in: dict[int, int] = {}
    lessons_done: dict[tuple[int, int], int] = defaultdict(int)
    for course in courses.values():
        lessons_in[course.pk] = LessonPage.objects.live().descendant_of(course).count()
        for row in (
            LessonCompletion.objects.filter(
                user_id__in=staff_ids, lesson__path__startswith=course.path, lesson__live=True
            )
            .values("user_id")
            .annotate(n=Count("id"))
        ):
            lessons_done[(row["user_id"], course.pk)] = row["n"]
    quiz_ids = {q.pk for p in programmes for q in p.required_quizzes.all()}
    passed = set(
        Attempt.objects.filter(
            user_id__in=staff_ids, quiz_id__in=quiz_ids, state=AttemptState.GRADED, passed=True
        )
        .order_by()
        .values_list("user_id", "quiz_id")
        .distinct()
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
    percents = {}
    for programme in programmes:
        course_ids = [c.pk for c in programme.required_courses.all()]
        quizzes = [q.pk for q in programme.required_quizzes.all()]
        checklists = [c.pk for c in programme.required_checklists.all()]
        total = sum(lessons_in[c] for c in course_ids) + len(quizzes) + len(checklists)
        window = now - programme.validity
        for user_id in user_ids:
            since = max(window, revoked_since.get((user_id, programme.pk), window))
            done = (
                sum(lessons_done[(user_id, c)] for c in course_ids)
                + sum((user_id, q) in passed for q in quizzes)
                + sum(
                    1
                    for c in checklists
                    if (latest := latest_pass.get((user_id, c))) and since < latest <= now
                )
            )
            percents[(user_id, programme.pk)] = round(100 * done / total) if total else 0
    return percents


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
    user_ids = [m.user_id for m in memberships]
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
    percents = _percents(staff_ids, user_ids, programmes, now) if programmes else {}
    all_rows = []
    for membership in memberships:
        cells = []
        for programme in programmes:
            key = (membership.user_id, programme.pk)
            state, shown = cell_status(
                certificates[key], assignments.get(key), percents.get(key, 0), now
            )
            cells.append(Cell(state, percents.get(key, 0), shown, assignments.get(key)))
        all_rows.append(StaffRow(membership, cells))
    columns = [i for i, p in enumerate(programmes) if not programme_id or p.pk == programme_id]
    rows = [
        StaffRow(row.membership, [row.cells[i] for i in columns])
        for row in all_rows
        if (not q or _matches(row, q))
        and (not status or any(row.cells[i].status == status for i in columns))
    ]
    return Matrix([programmes[i] for i in columns], all_rows, rows)


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
