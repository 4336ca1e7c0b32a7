"""A clinic's staff x programme matrix: who is certified in what, until when, who is overdue.

A constant number of queries for any number of staff: the programmes and their requirements,
the memberships and assignments, then what certification.requirements reads to evaluate every
staff member in every programme at once (the same evaluation that issues certificates and that
the learner's own pages show). Rows sort by name or by any programme's status or due date,
stably (`parse_sort`, `sort_rows`). Also here: the manager's selection of staff for bulk actions,
kept in the session (`update_selection`), one staff member's record in detail (`staff_record`),
the clinics a person manages (`clinics_managed_by`) and who counts as a learner (`learners`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from certification.models import (
    AssessmentStatus,
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    Programme,
    ProgrammeAssignment,
    Recertification,
    SkillAssessment,
)
from certification.requirements import (
    HELD,
    REQUIRED,
    ProgrammeState,
    Standing,
    programme_states,
)
from courses.models import Enrollment
from quizzes.models import Attempt, AttemptState

STATUS_LABELS = {standing.value: standing.label for standing in Standing}


@dataclass
class Cell:
    """One staff member in one programme: their standing and their ProgrammeState."""

    status: Standing
    progress: ProgrammeState
    certificate: Certificate | None
    assignment: ProgrammeAssignment | None

    @property
    def recertifying(self) -> Recertification | None:
        """The open recertification of the certificate held (the evaluator's): "Recertifying"."""
        return self.progress.recertification if self.status in HELD else None

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


# Sorting ---------------------------------------------------------------------------------------

# A programme column sorted by status, ascending: what needs the manager's attention first.
STATUS_ORDER = {
    status: rank
    for rank, status in enumerate(
        [
            Standing.OVERDUE,
            Standing.EXPIRED,
            Standing.REVOKED,
            Standing.NOT_STARTED,
            Standing.IN_PROGRESS,
            Standing.EXPIRING,
            Standing.CERTIFIED,
        ]
    )
}
SORT_BY_NAME = "name"
DIRECTIONS = ("asc", "desc")


@dataclass(frozen=True)
class Sort:
    """How the rows are ordered: `key` is "name", "status-<programme id>" or "due-<programme id>".

    Whatever the key, equal rows keep the name order, so pages never overlap or skip a row.
    """

    key: str = SORT_BY_NAME
    descending: bool = False

    @property
    def direction(self) -> str:
        return "desc" if self.descending else "asc"

    def aria(self, key: str) -> str:
        """The `aria-sort` value of the column header sorting by `key`."""
        if key != self.key:
            return "none"
        return "descending" if self.descending else "ascending"

    def next_direction(self, key: str) -> str:
        """The direction a click on the header sorting by `key` asks for."""
        return "desc" if key == self.key and not self.descending else "asc"


def parse_sort(key: str, direction: str, programmes: Iterable[Programme]) -> Sort:
    """The sort asked for by the query parameters; anything unknown falls back to by name."""
    valid = {SORT_BY_NAME} | {f"{kind}-{p.pk}" for p in programmes for kind in ("status", "due")}
    if key not in valid:
        return Sort()
    return Sort(key, direction == "desc")


def _name_key(row: StaffRow) -> tuple[str, str, str]:
    user = row.user
    return (user.last_name.casefold(), user.first_name.casefold(), user.username.casefold())


def sort_rows(rows: list[StaffRow], programmes: list[Programme], sort: Sort) -> list[StaffRow]:
    """`rows` in `sort` order: stable, ties by name; rows without a due date last either way."""
    ordered = sorted(rows, key=_name_key)
    if sort.key == SORT_BY_NAME:
        return ordered[::-1] if sort.descending else ordered
    kind, _, pk = sort.key.partition("-")
    column = next(i for i, p in enumerate(programmes) if str(p.pk) == pk)
    value: Callable[[Cell], Any]
    if kind == "status":

        def value(cell: Cell) -> Any:
            return (STATUS_ORDER[cell.status], cell.percent)

    else:

        def value(cell: Cell) -> Any:
            return cell.due_date

    keyed = [row for row in ordered if value(row.cells[column]) is not None]
    rest = [row for row in ordered if value(row.cells[column]) is None]
    # sorted() is stable, also with reverse=True: equal rows stay in name order.
    keyed.sort(key=lambda row: value(row.cells[column]), reverse=sort.descending)
    return keyed + rest


@dataclass
class Matrix:
    """Every staff row of a clinic, and the rows a filter keeps (computed once per request)."""

    programmes: list[Programme]
    all_rows: list[StaffRow]
    rows: list[StaffRow]
    sort: Sort = field(default_factory=Sort)

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
    sort: str = "",
    direction: str = "",
    now: datetime | None = None,
) -> Matrix:
    """Every staff member with a cell per programme; `rows` keeps those the filters match, in
    the order `sort` and `direction` ask for (see `parse_sort`; by name when they are invalid)."""
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
    listed = [programmes[i] for i in columns]
    order = parse_sort(sort, direction, listed)
    return Matrix(listed, all_rows, sort_rows(rows, listed, order), order)


# Selection: the staff ticked for a bulk action, kept across pages ------------------------------

# The selection lives in the session, one list per clinic, until it is cleared or the session
# ends; it holds at most this many people (a clinic larger than that selects in batches).
SELECTION_LIMIT = 1000


def _selection_key(clinic: Clinic) -> str:
    return f"clinic-selection:{clinic.pk}"


def selected_ids(session: Any, clinic: Clinic) -> set[int]:
    """The ids ticked on the clinic's dashboard in this session (not checked against the staff)."""
    stored = session.get(_selection_key(clinic), [])
    return {n for n in stored if isinstance(n, int)} if isinstance(stored, list) else set()


def staff_ids_among(clinic: Clinic, ids: Iterable[int]) -> set[int]:
    """Those of `ids` who are staff of `clinic` (one query)."""
    return set(
        ClinicMembership.objects.filter(
            clinic=clinic, role=ClinicRole.STAFF, user_id__in=list(ids)
        ).values_list("user_id", flat=True)
    )


def update_selection(
    session: Any,
    clinic: Clinic,
    *,
    shown: Iterable[int],
    ticked: Iterable[int],
    select: str = "",
) -> set[int]:
    """Record what was ticked on one page and return the whole selection.

    `shown` are the people listed on the page, `ticked` those ticked there: the others of the
    page are taken out of the selection, while people of other pages stay in it. `select` is
    "page" (everyone shown), "none" (clear everything) or "" (as ticked). Only the clinic's
    staff are kept, at most SELECTION_LIMIT of them.
    """
    shown_ids, ticked_ids = set(shown), set(ticked)
    if select == "none":
        selection: set[int] = set()
    else:
        chosen = shown_ids if select == "page" else ticked_ids & shown_ids
        selection = (selected_ids(session, clinic) - shown_ids) | chosen
        selection = staff_ids_among(clinic, selection) if selection else set()
    kept = sorted(selection)[:SELECTION_LIMIT]
    session[_selection_key(clinic)] = kept
    return set(kept)


def clear_selection(session: Any, clinic: Clinic) -> None:
    session.pop(_selection_key(clinic), None)


# One staff member: what is still missing, with dates -------------------------------------------


@dataclass
class RequirementRecord:
    """One requirement of a programme for one person: met or not, and when it was last done."""

    kind: str  # course | quiz | checklist
    title: str
    met: bool
    done_at: datetime | None  # course completed, latest passing attempt, latest passed sign-off


@dataclass
class ProgrammeRecord:
    """One programme for one staff member, as the dashboard's cell and in detail."""

    programme: Programme
    cell: Cell
    requirements: list[RequirementRecord]

    @property
    def missing(self) -> list[RequirementRecord]:
        return [r for r in self.requirements if not r.met]


def staff_record(clinic: Clinic, user, *, now: datetime | None = None) -> list[ProgrammeRecord]:
    """Each of the clinic's programmes for one of its staff: standing (the dashboard's rule),
    certificates, due date and each requirement with the date it was met. Constant queries."""
    now = now or timezone.now()
    programmes = clinic_programmes(clinic)
    states = programme_states([user], programmes, now=now)
    assignments = {
        a.programme_id: a
        for a in ProgrammeAssignment.objects.filter(
            clinic=clinic, user=user, programme__in=programmes
        )
    }
    # The requirements of the path each programme was evaluated on (first or renewal).
    listed = [r for state in states.values() for r in state.requirements]
    course_ids = {r.object_id for r in listed if r.kind == "course"}
    quiz_ids = {r.object_id for r in listed if r.kind == "quiz"}
    checklist_ids = {r.object_id for r in listed if r.kind == "checklist"}
    completed = dict(
        Enrollment.objects.filter(
            user=user, course_id__in=course_ids, completed_at__isnull=False
        ).values_list("course_id", "completed_at")
    )
    passed = dict(
        Attempt.objects.filter(
            user=user, quiz_id__in=quiz_ids, state=AttemptState.GRADED, passed=True
        )
        .order_by()
        .values("quiz_id")
        .annotate(latest=Max("submitted_at"))
        .values_list("quiz_id", "latest")
    )
    signed = dict(
        SkillAssessment.objects.filter(
            trainee=user,
            checklist_id__in=checklist_ids,
            status=AssessmentStatus.SIGNED,
            passed=True,
            signed_at__lte=now,
        )
        .order_by()
        .values("checklist_id")
        .annotate(latest=Max("signed_at"))
        .values_list("checklist_id", "latest")
    )
    records = []
    for programme in programmes:
        state = states[(user.pk, programme.pk)]
        assignment = assignments.get(programme.pk)
        status, shown = state.standing(assignment.due_date if assignment else None)
        dates = {"course": completed, "quiz": passed, "checklist": signed}
        requirements = [
            RequirementRecord(r.kind, r.title, r.met, dates[r.kind].get(r.object_id))
            for r in state.requirements
        ]
        records.append(
            ProgrammeRecord(programme, Cell(status, state, shown, assignment), requirements)
        )
    return records


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


def clinics_managed_by(user) -> list[Clinic]:
    """The clinics `user` manages as a member, by name (one query)."""
    return list(
        Clinic.objects.filter(memberships__user=user, memberships__role=ClinicRole.MANAGER)
        .order_by("name")
        .distinct()
    )


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
