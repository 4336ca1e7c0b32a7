"""The clinic dashboard a page at a time, and its CSV a batch at a time.

A page evaluates only its own rows (certification.clinics.build_rows, the one evaluator), so
its time does not grow with the staff. What needs every row -- the status summary, the status
filter, the sorts by a programme's status or due date, the CPD total -- comes from a summary
(`Summary`): per staff member, in name order, their (status, percent, due date) per programme
and what the name filter searches. It is computed by the same evaluator a batch of staff at a
time, holding only those small tuples, and kept in the cache until the generation of
certification.clinic_generation changes (a write to a programme, a page, a membership, a
name) or a standing can change by the clock alone (a certificate starts expiring or expires,
a due date passes; at the latest after SUMMARY_MAX_AGE, since evidence also ages out of its
window). One person's writes (an attempt graded, a lesson completed) are logged instead: the
summary keeps the number of the last change it includes, and the next page re-evaluates only
the clinic's staff changed since (at most MAX_CHANGES of them, else everyone), replacing their
entries in place. A page whose summary is cached costs the same for 30 staff as for 3,000;
the first one after a global change evaluates everyone once, after a trainee's only them.
The change counter is read before anything is evaluated and the summary stored with it, so a
change logged while a summary is being built is re-applied by the next reader.

The CSV streams: its header at once, then its rows a batch of REPORT_BATCH staff at a time,
read with a database iterator (a server-side cursor on PostgreSQL) in name order, so its
memory does not grow with the staff. Sorted by status or due date it follows the summary's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.utils import timezone

from certification.clinic_generation import changed_since, generation, sequence
from certification.clinics import (
    HELD,
    STATUS_LABELS,
    Sort,
    StaffRow,
    build_rows,
    clinic_programmes,
    haystack,
    matches,
    parse_sort,
    sort_by,
    staff_memberships,
)
from certification.cpd import ClinicCpd, clinic_cpd, format_hours
from certification.models import EXPIRING_WITHIN_DAYS, Clinic, Programme
from certification.requirements import ProgrammeStructure, load_programmes

# Staff evaluated at once for the summary, and for the CSV: evaluating one staff member holds
# about 16 KB (their progress, states and evidence) until the batch is written out: the CSV
# keeps its batches small (its memory must stay flat), the summary built after a change larger
# (fewer rounds of queries).
STAFF_PER_BATCH = 1000
REPORT_BATCH = 50
SUMMARY_MAX_AGE = timedelta(minutes=5)
# Changes since a summary was built above which it is built again rather than patched.
MAX_CHANGES = 500
SUMMARY_KEY = "clinic-table:summary:v2:{clinic}:{generation}:{programmes}:{year}"

Value = tuple[str, int, date | None]  # status, percent, due date


@dataclass
class Summary:
    """Every staff member of a clinic, in name order, as the filters and sorts need them."""

    ids: list[int]  # user ids
    haystacks: list[str]  # what the name filter searches (clinics.haystack)
    values: list[tuple[Value, ...]]  # a Value per programme, in clinic_programmes order
    counts: dict[str, int]  # cells per status, every programme
    cpd_total: Decimal
    valid_until: datetime
    sequence: int = 0  # the last logged change it includes (clinic_generation.sequence)
    # CPD hours per user id (none: 0), so that a patch can correct the total.
    cpd: dict[int, Decimal] = field(default_factory=dict)


def _batches(items, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _changes_by_clock(row: StaffRow, now: datetime) -> list[datetime]:
    """When the row's standings would change with nothing written: a certificate starts
    expiring or expires, an assignment's due date passes."""
    moments = []
    for cell in row.cells:
        for certificate in cell.progress.certificates:
            if certificate.revoked_at is None:
                expires = certificate.expires_at
                moments += [expires - timedelta(days=EXPIRING_WITHIN_DAYS), expires]
        if cell.assignment is not None and cell.status not in HELD:
            overdue = cell.assignment.due_date + timedelta(days=1)
            moments.append(datetime.combine(overdue, time.min, tzinfo=now.tzinfo))
    return [m for m in moments if m > now]


@dataclass
class Evaluated:
    """The rows and CPD hours a summary was just built from, when the staff fit in one batch:
    the page then reads them instead of evaluating its rows again."""

    rows: dict[int, StaffRow]
    cpd: ClinicCpd


def build_summary(
    clinic: Clinic, structure: ProgrammeStructure, now: datetime, year: int
) -> tuple[Summary, Evaluated | None]:
    """Evaluate every staff member a batch at a time, keeping only what the summary holds
    (and the rows themselves while there is only one batch)."""
    summary = Summary(
        [], [], [], dict.fromkeys(STATUS_LABELS, 0), Decimal(0), now + SUMMARY_MAX_AGE
    )
    evaluated = None
    memberships = staff_memberships(clinic).iterator(chunk_size=STAFF_PER_BATCH)
    for number, batch in enumerate(_batches(memberships, STAFF_PER_BATCH)):
        rows = build_rows(clinic, structure, batch, now)
        for row in rows:
            summary.ids.append(row.user.pk)
            summary.haystacks.append(haystack(row.user))
            summary.values.append(tuple((c.status, c.percent, c.due_date) for c in row.cells))
            for cell in row.cells:
                summary.counts[cell.status] += 1
            summary.valid_until = min([summary.valid_until, *_changes_by_clock(row, now)])
        cpd = clinic_cpd([m.user for m in batch], year=year)
        summary.cpd_total += cpd.total
        summary.cpd.update(cpd.hours)
        evaluated = Evaluated({r.user.pk: r for r in rows}, cpd) if number == 0 else None
    return summary, evaluated


def clinic_summary(
    clinic: Clinic, programmes: list[Programme], structure: ProgrammeStructure, now: datetime
) -> tuple[Summary, Evaluated | None]:
    """The clinic's summary at `now`: from the cache while still valid (patched with the people
    changed since it was built), else built and kept."""
    year = timezone.localtime(now).year
    current = sequence()  # before evaluating anything: later changes are the next reader's
    key = SUMMARY_KEY.format(
        clinic=clinic.pk,
        generation=generation(),
        programmes="-".join(str(p.pk) for p in programmes),
        year=year,
    )
    summary = cache.get(key)
    if summary is not None and summary.valid_until > now:
        if summary.sequence == current:
            return summary, None
        patched = patch_summary(summary, current, clinic, structure, now, year)
        if patched is not None:
            _keep(key, patched, now)
            return patched, None
    summary, evaluated = build_summary(clinic, structure, now, year)
    summary.sequence = current
    _keep(key, summary, now)
    return summary, evaluated


def _keep(key: str, summary: Summary, now: datetime) -> None:
    cache.set(key, summary, max(1, int((summary.valid_until - now).total_seconds())))


def patch_summary(
    summary: Summary,
    current: int,
    clinic: Clinic,
    structure: ProgrammeStructure,
    now: datetime,
    year: int,
) -> Summary | None:
    """`summary` with the entries of the staff changed after it was built up to change
    `current` evaluated again, or None when it must be built again: too many changes, one no
    longer logged, a counter that went back, or staff that are not the summary's."""
    if not 0 <= current - summary.sequence <= MAX_CHANGES:
        return None
    changed = changed_since(summary.sequence, current)
    if changed is None:
        return None
    position = {user_id: n for n, user_id in enumerate(summary.ids)}
    memberships = list(staff_memberships(clinic).filter(user_id__in=changed))
    if any(m.user_id not in position for m in memberships):
        return None  # staff the summary does not know: only a membership change does that
    patched = Summary(
        ids=summary.ids,  # names and order do not change: a name is a global change
        haystacks=summary.haystacks,
        values=list(summary.values),
        counts=dict(summary.counts),
        cpd_total=summary.cpd_total,
        valid_until=summary.valid_until,
        sequence=current,
        cpd=dict(summary.cpd),
    )
    if not memberships:
        return patched
    cpd = clinic_cpd([m.user for m in memberships], year=year)
    for row in build_rows(clinic, structure, memberships, now):
        n = position[row.user.pk]
        for status, _, _ in patched.values[n]:
            patched.counts[status] -= 1
        patched.values[n] = tuple((c.status, c.percent, c.due_date) for c in row.cells)
        for cell in row.cells:
            patched.counts[cell.status] += 1
        hours = cpd.hours.get(row.user.pk, Decimal(0))
        patched.cpd_total += hours - patched.cpd.get(row.user.pk, Decimal(0))
        patched.cpd[row.user.pk] = hours
        patched.valid_until = min([patched.valid_until, *_changes_by_clock(row, now)])
    return patched


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters and sort, as the query string gave them (see views._filters)."""

    status: str = ""
    programme_id: int | None = None
    q: str = ""
    sort: str = ""
    direction: str = ""


def _listed(filters: Filters, programmes: list[Programme]) -> tuple[list[int], Sort]:
    """The indexes of the programmes shown (one, or all) and the sort among them."""
    columns = [
        i
        for i, p in enumerate(programmes)
        if not filters.programme_id or p.pk == filters.programme_id
    ]
    return columns, parse_sort(filters.sort, filters.direction, [programmes[i] for i in columns])


def _ordered_ids(summary: Summary, filters: Filters, columns: list[int], sort: Sort, programmes):
    """The user ids the filters keep, in `sort` order, read from the summary."""
    q = filters.q.casefold()
    kept = [
        n
        for n in range(len(summary.ids))
        if (not q or q in summary.haystacks[n])
        and (not filters.status or any(summary.values[n][i][0] == filters.status for i in columns))
    ]

    def value(n: int, i: int) -> Value:
        return summary.values[n][columns[i]]

    return [summary.ids[n] for n in sort_by(kept, sort, value, programmes)]


def _rows_of(
    clinic: Clinic, structure: ProgrammeStructure, ids: list[int], columns: list[int], now
) -> list[StaffRow]:
    """The rows of `ids` (staff only), in that order, with the `columns` shown."""
    found = {m.user_id: m for m in staff_memberships(clinic).filter(user_id__in=ids)}
    memberships = [found[i] for i in ids if i in found]
    return [
        StaffRow(row.membership, [row.cells[i] for i in columns])
        for row in build_rows(clinic, structure, memberships, now)
    ]


@dataclass
class DashboardPage:
    """One page of the dashboard: its rows (evaluated now) and what the summary says."""

    programmes: list[Programme]  # the programmes shown
    sort: Sort
    page: Page  # of StaffRow
    total: int  # staff the filters keep
    counts: dict[str, int]
    staff_ids: set[int]
    cpd: ClinicCpd  # the page's staff
    cpd_total: str  # every staff member's, as people write hours


def dashboard_page(
    clinic: Clinic, filters: Filters, number: str | None, per_page: int, now: datetime | None = None
) -> DashboardPage:
    """The page `number` of the dashboard (Paginator.get_page: anything invalid is page 1 or
    the last), in a constant number of queries once the summary is cached."""
    now = now or timezone.now()
    programmes = clinic_programmes(clinic)
    structure = load_programmes(programmes)
    summary, evaluated = clinic_summary(clinic, programmes, structure, now)
    columns, sort = _listed(filters, programmes)
    listed = [programmes[i] for i in columns]
    page = Paginator(_ordered_ids(summary, filters, columns, sort, listed), per_page).get_page(
        number
    )
    ids = list(page.object_list)
    if evaluated is None:
        rows = _rows_of(clinic, structure, ids, columns, now)
        cpd = clinic_cpd([row.user for row in rows], year=timezone.localtime(now).year)
    else:  # just evaluated with the summary
        shown = [evaluated.rows[i] for i in ids]
        rows = [StaffRow(r.membership, [r.cells[i] for i in columns]) for r in shown]
        cpd = evaluated.cpd
    page.object_list = rows
    return DashboardPage(
        programmes=listed,
        sort=sort,
        page=page,
        total=page.paginator.count,
        counts=summary.counts,
        staff_ids=set(summary.ids),
        cpd=cpd,
        cpd_total=format_hours(summary.cpd_total),
    )


def report_rows(
    clinic: Clinic, filters: Filters, now: datetime | None = None
) -> tuple[list[Programme], Iterator[list[StaffRow]]]:
    """The programmes shown and the CSV's rows in batches, evaluated as they are read."""
    now = now or timezone.now()
    programmes = clinic_programmes(clinic)
    columns, sort = _listed(filters, programmes)
    listed = [programmes[i] for i in columns]

    def by_name() -> Iterator[list[StaffRow]]:
        structure = load_programmes(programmes)
        staff = staff_memberships(clinic)
        staff = staff.reverse() if sort.descending else staff
        for batch in _batches(staff.iterator(chunk_size=REPORT_BATCH), REPORT_BATCH):
            yield [
                StaffRow(row.membership, cells)
                for row in build_rows(clinic, structure, batch, now)
                if (not filters.q or matches(row.user, filters.q))
                for cells in [[row.cells[i] for i in columns]]
                if not filters.status or any(c.status == filters.status for c in cells)
            ]

    def by_summary() -> Iterator[list[StaffRow]]:
        structure = load_programmes(programmes)
        summary, _ = clinic_summary(clinic, programmes, structure, now)
        ids = _ordered_ids(summary, filters, columns, sort, listed)
        del summary
        for batch in _batches(ids, REPORT_BATCH):
            yield _rows_of(clinic, structure, batch, columns, now)

    return listed, (by_name() if sort.key == "name" else by_summary())
