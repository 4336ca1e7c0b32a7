"""Where a learner stands in a course: steps done, modules complete or locked, the next step.

Read-only, and batched: one call costs the same handful of queries whether a course has ten
lessons or two hundred, and whether the learner has one attempt or a thousand. Only live pages
count: an unpublished lesson stops counting everywhere at once; a moved or renamed one keeps
its completions (they point at the page, not its place).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse
from wagtail.models import Page, Site

from courses.models import Enrollment, LessonCompletion, LessonPage, ModuleCompletion, ModulePage


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


@dataclass
class CourseStructure:
    """The live modules and steps of some courses, read once and shared by every learner."""

    courses: list[Page]
    modules: list[ModulePage]
    steps_by_parent: dict[str, list[Step]]
    lesson_ids: list[int]
    quiz_ids: list[int]
    module_ids: list[int]


@dataclass
class LearnerState:
    """What one learner has done in those courses."""

    completed: set[int] = field(default_factory=set)
    passed: set[int] = field(default_factory=set)
    module_done: dict[int, datetime] = field(default_factory=dict)
    enrollments: dict[int, Enrollment] = field(default_factory=dict)


def load_structure(courses: list[Page]) -> CourseStructure:
    """Three queries, whatever the size of the courses."""
    from quizzes.models import QuizPage

    under = _under(courses)
    modules = list(
        ModulePage.objects.live()
        .filter(under, depth=courses[0].depth + 1)
        .order_by("path")
        .only("id", "title", "path", "depth", "url_path", "requires_previous", "summary")
    )
    fields = ("id", "title", "path", "url_path")
    lessons = list(LessonPage.objects.live().filter(under).values(*fields, "estimated_minutes"))
    quizzes = list(QuizPage.objects.live().filter(under).values(*fields))
    url_for = url_resolver()
    steps_by_parent: dict[str, list[Step]] = {}
    items = [(row, "lesson") for row in lessons] + [(row, "quiz") for row in quizzes]
    for row, kind in sorted(items, key=lambda item: item[0]["path"]):
        steps_by_parent.setdefault(row["path"][: -Page.steplen], []).append(
            Step(
                page_id=row["id"],
                title=row["title"],
                url=url_for(row["url_path"]),
                kind=kind,
                minutes=row.get("estimated_minutes"),
                done=False,
                path=row["path"],
            )
        )
    return CourseStructure(
        courses=courses,
        modules=modules,
        steps_by_parent=steps_by_parent,
        lesson_ids=[row["id"] for row in lessons],
        quiz_ids=[row["id"] for row in quizzes],
        module_ids=[m.pk for m in modules],
    )


def learner_states(users: list, structure: CourseStructure) -> dict[int, LearnerState]:
    """Four queries for any number of learners (keyed by user id)."""
    from quizzes.models import Attempt, AttemptState

    ids = [u.pk for u in users]
    states = {pk: LearnerState() for pk in ids}
    if not ids:
        return states
    for user_id, lesson_id in LessonCompletion.objects.filter(
        user_id__in=ids, lesson_id__in=structure.lesson_ids
    ).values_list("user_id", "lesson_id"):
        states[user_id].completed.add(lesson_id)
    for user_id, quiz_id in (
        Attempt.objects.filter(
            user_id__in=ids, quiz_id__in=structure.quiz_ids, state=AttemptState.GRADED, passed=True
        )
        .order_by()  # without it the model's ordering joins the DISTINCT and it removes nothing
        .values_list("user_id", "quiz_id")
        .distinct()
    ):
        states[user_id].passed.add(quiz_id)
    for user_id, module_id, when in ModuleCompletion.objects.filter(
        user_id__in=ids, module_id__in=structure.module_ids
    ).values_list("user_id", "module_id", "completed_at"):
        states[user_id].module_done[module_id] = when
    for enrollment in Enrollment.objects.filter(
        user_id__in=ids, course_id__in=[c.pk for c in structure.courses]
    ):
        states[enrollment.user_id].enrollments[enrollment.course_id] = enrollment
    return states


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
                        "done": step.page_id
                        in (state.completed if step.kind == "lesson" else state.passed),
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


def progress_for(user, courses: list[Page]) -> dict[int, CourseProgress]:
    """Progress in each of `courses` (CoursePage or base Page rows), keyed by course id."""
    if not courses:
        return {}
    structure = load_structure(courses)
    signed_in = user is not None and user.is_authenticated
    state = learner_states([user], structure)[user.pk] if signed_in else LearnerState()
    return build_progress(structure, state)


def course_progress(user, course: Page) -> CourseProgress:
    return progress_for(user, [course])[course.pk]


def progress_of_learners(course: Page, users: list) -> dict[int, CourseProgress]:
    """Every learner's progress in one course (for reports), in a constant number of queries."""
    structure = load_structure([course])
    states = learner_states(users, structure)
    return {pk: build_progress(structure, state)[course.pk] for pk, state in states.items()}
