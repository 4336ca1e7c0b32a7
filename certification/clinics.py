"""A clinic's staff x programme matrix: who is certified in what, until when, who is overdue.

The pieces every view of it shares: the programmes (`clinic_programmes`), the staff in name
order (`staff_memberships`, sorted in the database), a row of cells per staff member built by
the one evaluator of certification.requirements for any batch of staff in a constant number of
queries (`build_rows`), and the sorts by name or by any programme's status or due date, stable
(`parse_sort`, `sort_by`). `clinic_matrix` builds every row at once, for small clinics and
checks; the dashboard and its CSV read a page or a batch at a time (certification.clinic_table).
Also here: the clinics a person manages (`clinics_managed_by`, `managed_clinic`) and who
counts as a learner (`learners`). The selection of staff lives in certification.clinic_selection,
one person's record in certification.staff_records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format

from certification.models import (
    Certificate,
    Clinic,
    ClinicMembership,
    ClinicRole,
    Programme,
    ProgrammeAssignment,
    Recertification,
)
from certification.requirements import (
    HELD,
    REQUIRED,
    ProgrammeState,
    ProgrammeStructure,
    Standing,
    evaluate,
    load_programmes,
    load_records,
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


def sort_key(kind: str, status: str, percent: int, due: date | None) -> Any:
    """A cell's value for a "status" or "due" sort (None: sorts last either way)."""
    return (STATUS_ORDER[Standing(status)], percent) if kind == "status" else due


T = TypeVar("T")


def sort_by(
    items: list[T], sort: Sort, column: Callable[[T, int], tuple[str, int, date | None]], programmes
) -> list[T]:
    """`items`, given in name order, in `sort` order: stable, ties by name; without a due
    date last either way. `column(item, i)` is the item's (status, percent, due date) in the
    i-th of `programmes`."""
    if sort.key == SORT_BY_NAME:
        return items[::-1] if sort.descending else list(items)
    kind, _, pk = sort.key.partition("-")
    i = next(n for n, p in enumerate(programmes) if str(p.pk) == pk)
    keys = {id(item): sort_key(kind, *column(item, i)) for item in items}
    keyed = [item for item in items if keys[id(item)] is not None]
    rest = [item for item in items if keys[id(item)] is None]
    # sort() is stable, also with reverse=True: equal rows stay in name order.
    keyed.sort(key=lambda item: keys[id(item)], reverse=sort.descending)
    return keyed + rest


def sort_rows(rows: list[StaffRow], programmes: list[Programme], sort: Sort) -> list[StaffRow]:
    """`rows`, given in name order (`staff_memberships`), in `sort` order."""

    def column(row: StaffRow, i: int) -> tuple[str, int, date | None]:
        cell = row.cells[i]
        return cell.status, cell.percent, cell.due_date

    return sort_by(rows, sort, column, programmes)


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


def haystack(user) -> str:
    """What the dashboard's name filter searches in, case-insensitively."""
    return " ".join([user.first_name, user.last_name, user.username, user.email]).casefold()


def matches(user, q: str) -> bool:
    return q.casefold() in haystack(user)


def staff_memberships(clinic: Clinic) -> QuerySet:
    """The clinic's staff memberships with their users, in the name order every list uses:
    last name, first name, username, case-insensitively (in the database, so it pages there)."""
    return (
        ClinicMembership.objects.filter(clinic=clinic, role=ClinicRole.STAFF)
        .select_related("user")
        .order_by(
            Lower("user__last_name"), Lower("user__first_name"), Lower("user__username"), "pk"
        )
    )


def build_rows(
    clinic: Clinic,
    structure: ProgrammeStructure,
    memberships: list[ClinicMembership],
    now: datetime,
    *,
    user_ids: QuerySet | None = None,
) -> list[StaffRow]:
    """A row per membership, a cell per programme of `structure`, by the one evaluator.

    Called for all staff, for a page or for a batch of them: `user_ids` (a subquery selecting
    the same users) keeps a long list of ids out of the queries."""
    if not memberships:
        return []
    ids = user_ids if user_ids is not None else [m.user_id for m in memberships]
    assignments = {
        (a.user_id, a.programme_id): a
        for a in ProgrammeAssignment.objects.filter(
            clinic=clinic, user_id__in=ids, programme__in=structure.programmes
        )
    }
    # The batched evaluator: the records of these staff read at once, each pair evaluated.
    records = load_records(structure, [m.user for m in memberships], now=now, user_ids=user_ids)
    states = {
        (m.user_id, p.pk): evaluate(structure, records, m.user_id, p, now)
        for m in memberships
        for p in structure.programmes
    }
    rows = []
    for membership in memberships:
        cells = []
        for programme in structure.programmes:
            key = (membership.user_id, programme.pk)
            state = states[key]
            assignment = assignments.get(key)
            standing, shown = state.standing(assignment.due_date if assignment else None)
            cells.append(Cell(standing, state, shown, assignment))
        rows.append(StaffRow(membership, cells))
    return rows


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
    """Every staff member with a cell per programme, all in memory (a small clinic, a test);
    `rows` keeps those the filters match, in the order `sort` and `direction` ask for (see
    `parse_sort`; by name when they are invalid). The dashboard and the CSV read the same
    rows a page or a batch at a time (certification.clinic_table)."""
    now = now or timezone.now()
    programmes = clinic_programmes(clinic)
    staff = staff_memberships(clinic)
    all_rows = build_rows(
        clinic, load_programmes(programmes), list(staff), now, user_ids=staff.values("user_id")
    )
    columns = [i for i, p in enumerate(programmes) if not programme_id or p.pk == programme_id]
    rows = [
        StaffRow(row.membership, [row.cells[i] for i in columns])
        for row in all_rows
        if (not q or matches(row.user, q))
        and (not status or any(row.cells[i].status == status for i in columns))
    ]
    listed = [programmes[i] for i in columns]
    order = parse_sort(sort, direction, listed)
    return Matrix(listed, all_rows, sort_rows(rows, listed, order), order)


def staff_ids_among(clinic: Clinic, ids: Iterable[int]) -> set[int]:
    """Those of `ids` who are staff of `clinic` (one query)."""
    return set(
        ClinicMembership.objects.filter(
            clinic=clinic, role=ClinicRole.STAFF, user_id__in=list(ids)
        ).values_list("user_id", flat=True)
    )


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
