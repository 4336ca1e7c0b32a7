"""A clinic's staff x programme matrix: who is certified in what, until when, who is overdue.

A constant number of queries for any number of staff: the programmes and their requirements,
the memberships and assignments, then what certification.requirements reads to evaluate every
staff member in every programme at once (the same evaluation that issues certificates and that
the learner's own pages show). Also here: who counts as a learner (`learners`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from certification.models import (
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    Programme,
    ProgrammeAssignment,
)
from certification.requirements import (
    HELD,
    REQUIRED,
    ProgrammeState,
    Standing,
    programme_states,
)

STATUS_LABELS = {standing.value: standing.label for standing in Standing}


@dataclass
class Cell:
    """One staff member in one programme: their standing and their ProgrammeState."""

    status: Standing
    progress: ProgrammeState
    certificate: Certificate | None
    assignment: ProgrammeAssignment | None

    @property
    def percent(self) -> int:
        return self.progress.percent

    @property
    def label(self) -> str:
        if self.status in HELD and self.certificate:
            return f"{self.status.label}: until {date_format(self.certificate.expires_at, 'j M Y')}"
        if self.status in (Standing.IN_PROGRESS, Standing.OVERDUE) and self.progress.started:
            skills = (
                f", {self.progress.skills} of {self.progress.skills_total} skills observed"
                if self.progress.skills_total
                else ""
            )
            return f"{self.status.label} ({self.percent}%{skills})"
        return self.status.label

    @property
    def due_date(self) -> date | None:
        """The assignment's due date while it is still to be met: a valid certificate meets it."""
        if self.assignment is None or self.status in HELD:
            return None
        return self.assignment.due_date

    @property
    def held(self) -> bool:
        """Whether the staff member holds a valid certificate of the programme."""
        return self.status in HELD


@dataclass
class StaffRow:
    membership: ClinicMembership
    cells: list[Cell]

    @property
    def user(self):
        return self.membership.user


def clinic_programmes(clinic: Clinic) -> list[Programme]:
    """Programmes assigned to anyone in the clinic (every programme if none is assigned yet)."""
    assigned = Programme.objects.filter(assignments__clinic=clinic).distinct()
    queryset = assigned if assigned.exists() else Programme.objects.all()
    return list(queryset.order_by("title").prefetch_related(*REQUIRED))


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
    states = programme_states(
        [m.user for m in memberships], programmes, now=now, user_ids=staff_ids
    )
    all_rows = []
    for membership in memberships:
        cells = []
        for programme in programmes:
            key = (membership.user_id, programme.pk)
            state = states[key]
            assignment = assignments.get(key)
            standing, shown = state.standing(assignment.due_date if assignment else None)
            cells.append(Cell(standing, state, shown, assignment))
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
