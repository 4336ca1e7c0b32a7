"""Where a learner stands in a course: steps done, modules complete or locked, the next step.

Read-only, and batched: one call costs the same handful of queries whether a course has ten
lessons or two hundred, and whether the learner has one attempt or a thousand. Only live pages
count: an unpublished lesson stops counting everywhere at once; a moved or renamed one keeps
its completions (they point at the page, not its place).

The kinds of step are registered (`register_step_kind`): courses registers lessons, and a
higher app its own kind (quizzes: a quiz is done when passed), so this module imports none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, reduce
from operator import or_
from typing import Any

from django.db.models import DateTimeField, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from wagtail.models import Page, Site

from courses.models import Enrollment, LessonCompletion, LessonPage, ModuleCompletion, ModulePage
from courses.structure_cache import cached


def percent_done(done: int, total: int) -> int:
    """The one rule turning steps done into a percentage: rounded, 0 when there is nothing to do.

    Every page, report and export that shows a learner's progress as a percentage uses it.
    """
    return round(100 * done / total) if total else 0


@dataclass
class Step:
    """A lesson to read or a quiz to pass."""

    page_id: int
    title: str
    url: str
    kind: str  # "lesson" or "quiz"
    minutes: int | None
    done: bool
    path: str


@dataclass
class ModuleProgress:
    module: ModulePage
    number: int
    steps: list[Step] = field(default_factory=list)
    locked: bool = False
    unlock_step: Step | None = None
    completed_at: datetime | None = None

    # Steps do not change once built, so the counts are worked out once.
    @cached_property
    def done(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @cached_property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        # A module with nothing to do is complete (0 of 0 done), so it shows as 100%.
        return percent_done(self.done, self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def next_step(self) -> Step | None:
        return next((s for s in self.steps if not s.done), None)

    @property
    def status(self) -> str:
        if self.complete:
            return "complete"
        if self.locked:
            return "locked"
        return "in_progress" if self.done else "not_started"


@dataclass
class CourseProgress:
    course: Page
    enrollment: Enrollment | None
    modules: list[ModuleProgress]

    @cached_property
    def done(self) -> int:
        return sum(m.done for m in self.modules)

    @cached_property
    def total(self) -> int:
        return sum(m.total for m in self.modules)

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)

    @property
    def complete(self) -> bool:
        return bool(self.modules) and all(m.complete for m in self.modules)

    @property
    def next_step(self) -> Step | None:
        for module in self.modules:
            if not module.complete and not module.locked:
                return module.next_step
        return None

    @property
    def summary(self) -> str:
        return f"{self.done} of {self.total} steps done"

    @property
    def enrolled(self) -> bool:
        return self.enrollment is not None

    def module_for(self, page: Page) -> ModuleProgress | None:
        return next((m for m in self.modules if page.path.startswith(m.module.path)), None)

    def step_for(self, page: Page) -> Step | None:
        return next((s for m in self.modules for s in m.steps if s.page_id == page.pk), None)


def url_resolver() -> Callable[[str], str]:
    """Page url_path -> URL, with the site root paths read once (Wagtail reads them per page)."""
    roots = Site.get_site_root_paths()
    single_site = len({root.site_id for root in roots}) == 1

    def url_for(url_path: str) -> str:
        for root in roots:
            if url_path.startswith(root.root_path):
                local = reverse("wagtail_serve", args=(url_path[len(root.root_path) :],))
                return local if single_site else root.root_url + local
        return ""

    return url_for


def _under(pages: list[Page]) -> Q:
    return reduce(or_, (Q(path__startswith=p.path) for p in pages))


@dataclass(frozen=True)
class StepKind:
    """A kind of module step (a lesson to read, a quiz to pass), registered by the app owning it.

    `pages()` is the live pages of the kind (a queryset of its page model); `done(user_ids,
    page_ids)` runs one query and yields a (user id, page id) pair for each step done;
    `minutes_field` names the page field holding the step's estimated minutes, if any.
    """

    name: str
    pages: Callable[[], QuerySet[Any]]
    done: Callable[[list[int], list[int]], Iterable[tuple[int, int]]]
    minutes_field: str | None = None


_STEP_KINDS: dict[str, StepKind] = {}


def register_step_kind(
    name: str,
    *,
    pages: Callable[[], QuerySet[Any]],
    done: Callable[[list[int], list[int]], Iterable[tuple[int, int]]],
    minutes_field: str | None = None,
) -> None:
    """Make pages of a kind count as module steps (from an AppConfig.ready; one query each).

    courses registers "lesson"; a higher app registers its own kind (quizzes: "quiz"), so
    progress counts it without this module importing that app.
    """
    _STEP_KINDS[name] = StepKind(name, pages, done, minutes_field)


def step_kinds() -> list[StepKind]:
    """The registered step kinds, in registration order."""
    return list(_STEP_KINDS.values())


@dataclass
class CourseStructure:
    """The live modules and steps of some courses, read once and shared by every learner."""

    courses: list[Page]
    modules: list[ModulePage]
    steps_by_parent: dict[str, list[Step]]
    page_ids: dict[str, list[int]]  # step kind -> live page ids of that kind
    module_ids: list[int]

    @property
    def lesson_ids(self) -> list[int]:
        return self.page_ids.get("lesson", [])

    @property
    def quiz_ids(self) -> list[int]:
        return self.page_ids.get("quiz", [])


@dataclass
class LearnerState:
    """What one learner has done in those courses."""

    done: dict[str, set[int]] = field(default_factory=dict)  # step kind -> page ids done
    module_done: dict[int, datetime] = field(default_factory=dict)
    enrollments: dict[int, Enrollment] = field(default_factory=dict)


def load_structure(courses: list[Page]) -> CourseStructure:
    """The live modules and steps of `courses`: from the cache (courses.structure_cache) when
    nothing has changed since it was read, otherwise one query for the modules and one per step
    kind, whatever the size of the courses."""
    key = ",".join(str(pk) for pk in sorted({c.pk for c in courses}))
    modules, steps_by_parent, page_ids = cached(f"v1:{key}", lambda: _read_structure(courses))
    return CourseStructure(
        courses=courses,
        modules=modules,
        steps_by_parent=steps_by_parent,
        page_ids=page_ids,
        module_ids=[m.pk for m in modules],
    )


def _read_structure(
    courses: list[Page],
) -> tuple[list[ModulePage], dict[str, list[Step]], dict[str, list[int]]]:
    under = _under(courses)
    modules = list(
        ModulePage.objects.live()
        .filter(under, depth=courses[0].depth + 1)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "requires_previous", "summary")
    )
    fields = ("id", "title", "path", "url_path")
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind in step_kinds():
        extra = (kind.minutes_field,) if kind.minutes_field else ()
        rows[kind.name] = list(kind.pages().filter(under).values(*fields, *extra))
    url_for = url_resolver()
    steps_by_parent: dict[str, list[Step]] = {}
    items = [(row, kind) for kind in step_kinds() for row in rows[kind.name]]
    for row, kind in sorted(items, key=lambda item: item[0]["path"]):
        steps_by_parent.setdefault(row["path"][: -Page.steplen], []).append(
            Step(
                page_id=row["id"],
                title=row["title"],
                url=url_for(row["url_path"]),
                kind=kind.name,
                minutes=row.get(kind.minutes_field) if kind.minutes_field else None,
                done=False,
                path=row["path"],
            )
        )
    page_ids = {name: [row["id"] for row in found] for name, found in rows.items()}
    return modules, steps_by_parent, page_ids


def learner_states(
    users: list, structure: CourseStructure, *, enrollments: Iterable[Enrollment] | None = None
) -> dict[int, LearnerState]:
    """Two queries for any number of learners (keyed by user id): what they have done (every
    step kind's `done` and the module completions, in one UNION query when each kind's `done`
    is a queryset) and their enrolments.

    A caller already holding the learners' enrolments in these courses (courses.services locks
    the one it records progress in) passes them as `enrollments`, and they are not read again:
    one query."""
    ids = [u.pk for u in users]
    states = {pk: LearnerState() for pk in ids}
    if not ids:
        return states
    for kind, user_id, page_id, when in _done_rows(ids, structure):
        if kind is not None:
            states[user_id].done.setdefault(kind, set()).add(page_id)
        elif when is not None:  # a module completion (its completed_at is never empty)
            states[user_id].module_done[page_id] = when
    course_ids = [c.pk for c in structure.courses]
    if enrollments is None:
        enrollments = Enrollment.objects.filter(user_id__in=ids, course_id__in=course_ids)
    for enrollment in enrollments:
        if enrollment.user_id in states and enrollment.course_id in course_ids:
            states[enrollment.user_id].enrollments[enrollment.course_id] = enrollment
    return states


def _done_rows(
    ids: list[int], structure: CourseStructure
) -> Iterable[tuple[str | None, int, int, datetime | None]]:
    """(step kind, user id, page id, None) for each step done and (None, user id, module id,
    completed at) for each module completion. The module completions lead the UNION, so its
    columns take their types; each kind's rows are tagged by position (a number), not by a
    string parameter, which some databases cannot type in a UNION."""
    modules = ModuleCompletion.objects.filter(
        user_id__in=ids, module_id__in=structure.module_ids
    ).values_list("user_id", "module_id", "completed_at")
    kinds = step_kinds()
    done = [kind.done(ids, structure.page_ids.get(kind.name, [])) for kind in kinds]
    if all(isinstance(rows, QuerySet) for rows in done):
        tagged = [
            modules.annotate(tag=Value(0, output_field=IntegerField())).values_list(
                "tag", "user_id", "module_id", "completed_at"
            )
        ]
        for number, rows in enumerate(done, start=1):
            if not isinstance(rows, QuerySet):  # pragma: no cover (checked above; for mypy)
                raise TypeError(rows)
            tagged.append(
                rows.annotate(
                    tag=Value(number, output_field=IntegerField()),
                    # Typed: PostgreSQL takes an untyped NULL under DISTINCT for text.
                    at=Cast(Value(None), output_field=DateTimeField()),
                ).values_list("tag", *rows.query.values_select, "at")
            )
        union = tagged[0].union(*tagged[1:], all=True) if len(tagged) > 1 else tagged[0]
        for tag, user_id, page_id, when in union:
            yield (kinds[tag - 1].name if tag else None), user_id, page_id, when
        return
    for kind, rows in zip(kinds, done, strict=True):
        for user_id, page_id in rows:
            yield kind.name, user_id, page_id, None
    for user_id, module_id, when in modules:
        yield None, user_id, module_id, when


def lessons_completed(user_ids: list[int], lesson_ids: list[int]) -> Iterable[tuple[int, int]]:
    """(user id, lesson id) for each lesson completed: the "lesson" step kind's rule."""
    return LessonCompletion.objects.filter(
        user_id__in=user_ids, lesson_id__in=lesson_ids
    ).values_list("user_id", "lesson_id")


def live_lessons() -> QuerySet[Any]:
    """The live lesson pages (the "lesson" step kind's pages)."""
    return LessonPage.objects.live()


def build_progress(structure: CourseStructure, state: LearnerState) -> dict[int, CourseProgress]:
    """Combine a course structure and one learner's state; no queries."""
    result = {}
    for course in structure.courses:
        previous: ModuleProgress | None = None
        module_list = []
        for number, module in enumerate(
            (m for m in structure.modules if m.path.startswith(course.path)), start=1
        ):
            steps = [
                Step(
                    **{
                        **vars(step),
                        "done": step.page_id in state.done.get(step.kind, ()),
                    }
                )
                for step in structure.steps_by_parent.get(module.path, [])
            ]
            progress = ModuleProgress(module=module, number=number, steps=steps)
            progress.completed_at = state.module_done.get(module.pk) if progress.complete else None
            if (
                module.requires_previous
                and previous is not None
                and (previous.locked or not previous.complete)
            ):
                progress.locked = True
                progress.unlock_step = (
                    previous.unlock_step if previous.locked else previous.next_step
                )
            module_list.append(progress)
            previous = progress
        result[course.pk] = CourseProgress(
            course=course, enrollment=state.enrollments.get(course.pk), modules=module_list
        )
    return result


def progress_for(
    user, courses: list[Page], *, enrollments: Iterable[Enrollment] | None = None
) -> dict[int, CourseProgress]:
    """Progress in each of `courses` (CoursePage or base Page rows), keyed by course id.

    `enrollments`, when given, are all of `user`'s enrolments in `courses` (read by the caller,
    e.g. under a lock), so they are not read again."""
    if not courses:
        return {}
    structure = load_structure(courses)
    signed_in = user is not None and user.is_authenticated
    state = (
        learner_states([user], structure, enrollments=enrollments)[user.pk]
        if signed_in
        else LearnerState()
    )
    return build_progress(structure, state)


def course_progress(user, course: Page, *, enrollment: Enrollment | None = None) -> CourseProgress:
    """Progress in one course; `enrollment`, when given, is `user`'s enrolment in it as the
    caller already holds it (not read again)."""
    enrollments = None if enrollment is None else [enrollment]
    return progress_for(user, [course], enrollments=enrollments)[course.pk]


def progress_of_learners(course: Page, users: list) -> dict[int, CourseProgress]:
    """Every learner's progress in one course (for reports), in a constant number of queries."""
    structure = load_structure([course])
    states = learner_states(users, structure)
    return {pk: build_progress(structure, state)[course.pk] for pk, state in states.items()}
