"""Continuing professional development (CPD): the hours a module is worth, the hours a learner
has earned, a learner's transcript and a clinic's totals.

The rules, each once:

- **a module's hours**: its `ModulePage.cpd_hours` when set, otherwise its live lessons'
  estimated minutes in hours, rounded to the nearest quarter hour (`module_hours`);
- **earned**: a learner earns a module's hours once every step of it is done, as
  `courses.progress` judges it, dated by the moment courses recorded that (its
  `ModuleCompletion`, written when the last step was done). A module with no steps, or worth
  no hours, earns nothing.

Everything is batched like courses.progress: `cpd_records` reads any number of learners in a
constant number of queries (the catalogue's part cached with the course structure), so the
transcript, its exports and the clinic dashboard share it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from certification.models import Certificate
from courses.models import CoursePage, ModulePage
from courses.progress import build_progress, learner_states, load_structure
from courses.structure_cache import cached

QUARTER_HOUR_MINUTES = 15
ZERO = Decimal(0)


def hours_from_minutes(minutes: int) -> Decimal:
    """`minutes` in hours, rounded half up to the nearest quarter hour (pure).

    >>> hours_from_minutes(50), hours_from_minutes(53), hours_from_minutes(7)
    (Decimal('0.75'), Decimal('1.00'), Decimal('0.00'))
    """
    quarters = (Decimal(minutes) / QUARTER_HOUR_MINUTES).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return (quarters / 4).quantize(Decimal("0.01"))


def module_hours(override: Decimal | None, lesson_minutes: Iterable[int | None]) -> Decimal:
    """A module's CPD hours (pure): the override when set, else its lessons' minutes in hours."""
    if override is not None:
        return Decimal(override).quantize(Decimal("0.01"))
    return hours_from_minutes(sum(m or 0 for m in lesson_minutes))


def format_hours(hours: Decimal) -> str:
    """Hours as people write them: "1.5", "2", "0.25"."""
    text = format(hours.quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class CpdEntry:
    """One module a learner completed, and the CPD hours it earned them."""

    module_id: int
    module_title: str
    course_id: int
    course_title: str
    hours: Decimal
    completed_at: datetime

    @property
    def hours_label(self) -> str:
        return format_hours(self.hours)


def total_hours(entries: Iterable[CpdEntry]) -> Decimal:
    """The sum of the entries' hours."""
    return sum((e.hours for e in entries), ZERO)


def in_year(entries: Iterable[CpdEntry], year: int | None) -> list[CpdEntry]:
    """The entries completed in calendar `year` (local time); all of them when `year` is None."""
    if year is None:
        return list(entries)
    return [e for e in entries if timezone.localtime(e.completed_at).year == year]


def _catalogue() -> tuple[list[CoursePage], dict[int, Decimal]]:
    """The live courses, and the modules whose CPD hours are set by hand (page data only:
    kept in the course structure cache, which any page change makes stale)."""
    courses = list(
        CoursePage.objects.live().order_by("path").only("id", "title", "path", "depth", "url_path")
    )
    overrides = dict(
        ModulePage.objects.filter(cpd_hours__isnull=False).order_by().values_list("id", "cpd_hours")
    )
    return courses, overrides


def cpd_records(users: list) -> dict[int, list[CpdEntry]]:
    """User id -> the CPD entries each of `users` has earned, oldest first.

    A constant number of queries however many learners, modules and courses: the live courses,
    their structure (courses.progress) and the modules' set hours come from the cache once
    warm; then the learners' states (courses.progress.learner_states).
    """
    found: dict[int, list[CpdEntry]] = {u.pk: [] for u in users}
    courses, overrides = cached("cpd:v1:catalogue", _catalogue)
    if not users or not courses:
        return found
    structure = load_structure(courses)
    worth = {
        module.pk: module_hours(
            overrides.get(module.pk),
            (
                s.minutes
                for s in structure.steps_by_parent.get(module.path, [])
                if s.kind == "lesson"
            ),
        )
        for module in structure.modules
    }
    for user_id, state in learner_states(users, structure).items():
        if not state.module_done:
            continue  # no module completed: nothing earned, nothing to build
        # Only the courses the learner is enrolled in: courses records completions only there.
        mine = replace(structure, courses=[c for c in courses if c.pk in state.enrollments])
        for course_id, progress in build_progress(mine, state).items():
            for module in progress.modules:
                hours = worth.get(module.module.pk, ZERO)
                if module.total and module.complete and module.completed_at and hours > 0:
                    found[user_id].append(
                        CpdEntry(
                            module_id=module.module.pk,
                            module_title=module.module.title,
                            course_id=course_id,
                            course_title=progress.course.title,
                            hours=hours,
                            completed_at=module.completed_at,
                        )
                    )
    for entries in found.values():
        entries.sort(key=lambda e: (e.completed_at, e.module_id))
    return found


@dataclass
class Transcript:
    """A learner's CPD transcript, for one calendar year or for all time (`year` None)."""

    user: object
    year: int | None
    years: list[int]  # every year with CPD or a certificate, newest first
    entries: list[CpdEntry] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return total_hours(self.entries)

    @property
    def total_label(self) -> str:
        return format_hours(self.total)

    @property
    def period(self) -> str:
        return str(self.year) if self.year is not None else "All years"


def transcript(user, year: int | None = None) -> Transcript:
    """`user`'s CPD transcript: the modules completed and certificates issued in `year` (every
    year when None), oldest first, with the years there is anything to show."""
    everything = cpd_records([user])[user.pk]
    certificates = list(
        Certificate.objects.filter(user=user).select_related("programme").order_by("issued_at")
    )
    years = {timezone.localtime(e.completed_at).year for e in everything} | {
        timezone.localtime(c.issued_at).year for c in certificates
    }
    if year is not None:
        certificates = [c for c in certificates if timezone.localtime(c.issued_at).year == year]
    return Transcript(
        user=user,
        year=year,
        years=sorted(years, reverse=True),
        entries=in_year(everything, year),
        certificates=certificates,
    )


@dataclass
class ClinicCpd:
    """A clinic's staff CPD hours in one calendar year: per person and for the whole clinic."""

    year: int
    hours: dict[int, Decimal]  # user id -> hours in `year`

    def of(self, user_id: int) -> str:
        return format_hours(self.hours.get(user_id, ZERO))

    @property
    def total(self) -> Decimal:
        return sum(self.hours.values(), ZERO)

    @property
    def total_label(self) -> str:
        return format_hours(self.total)


def clinic_cpd(users: list, *, year: int | None = None) -> ClinicCpd:
    """The CPD hours each of a clinic's staff (`users`) earned in `year` (this year by default),
    in the constant number of queries of `cpd_records`."""
    year = year or timezone.localdate().year
    records = cpd_records(users)
    hours: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for user_id, entries in records.items():
        hours[user_id] = total_hours(in_year(entries, year))
    return ClinicCpd(year=year, hours=dict(hours))
