"""Courses, modules, lessons and Competencies from the curriculum files (see core.loader).

Courses, modules and lessons are known by the `key` in their file, not by the file's name: a
renamed or moved file updates its page in place (same page, same learner records), and a page
whose file is gone is unpublished, never deleted. What a higher app builds inside a module (the
quizzes app: the module quiz and case quizzes) is passed in as `module_steps` by whoever runs
the load (the academy app), so this module imports no higher app.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from pathlib import Path
from typing import Any, Self

from django.db import models

from core.course_files import read_course
from core.curriculum import (
    CourseSpec,
    CurriculumError,
    LessonSpec,
    ModuleSpec,
    read_competencies,
)
from core.loader import CurriculumLoader
from core.models import HomePage
from courses.evaluation import request_evaluation_later
from courses.models import (
    Competency,
    CompetencyDomain,
    CourseIndexPage,
    CoursePage,
    Enrollment,
    LearningObjective,
    LessonCitation,
    LessonPage,
    ModulePage,
)

# Called with (loader, module page, module spec) once the module's lessons are in place.
ModuleStep = Callable[["CourseLoader", ModulePage, ModuleSpec], None]
# Called with (module spec, the keys of the objectives stated by it and the modules before it in
# its course) before anything is written: checks what a ModuleStep will load, from the files alone.
ModuleCheck = Callable[[ModuleSpec, set[str]], None]


def check_objective_keys(keys: Sequence[object], known: Container[str], where: str) -> None:
    """Refuse a key that no module so far in the course states (`known`), naming `where`."""
    for key in keys:
        if not isinstance(key, str) or key not in known:
            raise CurriculumError(
                f"{where}: unknown objective '{key}' (objectives are the [[objective]] "
                "tables of this module's module.toml or an earlier module's)"
            )


def check_modules(specs: Sequence[CourseSpec], checks: Sequence[ModuleCheck]) -> None:
    """Run each check on every module of every course, in file order, before a load writes.

    A file refused here is refused before the pages before it are built, so a bad file costs
    a second, not a whole load rolled back.
    """
    for spec in specs:
        known: set[str] = set()
        for module in spec.modules:
            known |= {objective.key for objective in module.objectives}
            for check in checks:
                check(module, known)


class CourseLoader(CurriculumLoader):
    """The curriculum loader with the courses layer: Competencies and the course pages."""

    retirable = (ModulePage, LessonPage)

    @classmethod
    def from_database(cls, log: Callable[[str], None] | None = None) -> Self:
        """A loader resolving source keys and competency codes against the database, for
        importing single files (import_case) outside a full curriculum load."""
        loader = super().from_database(log=log)
        loader.competencies = {c.code: c for c in Competency.objects.all()}
        return loader

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Objectives questions may name: the current course's, up to the module being loaded.
        self.objectives: dict[str, LearningObjective] = {}

    def use_course_objectives(self, course: CoursePage) -> None:
        """Resolve objective keys against a course already in the database (import_case)."""
        self.objectives = {
            o.key: o
            for o in LearningObjective.objects.filter(page__path__startswith=course.path)
            .select_related("page")
            .order_by("page__path", "sort_order")
        }

    def objective_list(self, keys: Sequence[str], where: str) -> list[LearningObjective]:
        """The objectives with these keys; an unknown key is an error naming `where`."""
        check_objective_keys(keys, self.objectives, where)
        return [self.objectives[key] for key in keys]

    @staticmethod
    def objective_rows(
        module: ModulePage | None, spec: ModuleSpec
    ) -> dict[str, tuple[type[models.Model], list[dict[str, Any]]]]:
        """The inline rows of the module's objectives. A row whose key the page already has
        keeps its id, so rewording an objective keeps the questions tagged with it."""
        existing = {o.key: o.pk for o in module.objectives.all()} if module else {}
        return {
            "objectives": (
                LearningObjective,
                [
                    {"id": existing.get(o.key), "key": o.key, "text": o.text}
                    for o in spec.objectives
                ],
            )
        }

    def load_competencies(self) -> None:
        """competencies.toml: every Competency, created or updated."""
        for spec in read_competencies(self.root / "competencies.toml"):
            if spec.domain not in CompetencyDomain.values:
                raise CurriculumError(
                    f"competencies.toml: '{spec.code}': unknown domain '{spec.domain}'"
                )
            self.competencies[spec.code] = self.sync_snippet(
                Competency,
                {"code": spec.code},
                {"title": spec.title, "domain": spec.domain, "description": spec.description},
            )

    def load_index(self, home: HomePage, meta: dict[str, Any]) -> CourseIndexPage:
        """The course catalogue page under the home page (site.toml's [courses])."""
        return self.sync_page(
            home,
            CourseIndexPage,
            "courses",
            {"title": meta.get("title", "Courses"), "intro": meta.get("intro", "")},
        )

    def read_courses(self) -> list[CourseSpec]:
        """Every course folder's files, parsed; two courses with one key are an error."""
        source_ids = {key: source.pk for key, source in self.sources.items()}
        specs = [
            read_course(course_dir, source_ids)
            for course_dir in sorted(
                d for d in self.root.iterdir() if (d / "course.toml").is_file()
            )
        ]
        keys: dict[str, Path | None] = {}
        for spec in specs:
            if spec.key in keys:
                raise CurriculumError(
                    f"{spec.path}: course key '{spec.key}' is already used by {keys[spec.key]}"
                )
            keys[spec.key] = spec.path
        return specs

    def load_course(
        self, index: CourseIndexPage, spec: CourseSpec, module_steps: Sequence[ModuleStep] = ()
    ) -> CoursePage:
        """The course page, its modules and lessons (and, through `module_steps`, what higher
        apps add to each module), in file order; retired pages unpublished."""
        course = self.sync_page(
            index,
            CoursePage,
            spec.slug,
            {
                "title": spec.title,
                "summary": spec.summary,
                "audience": spec.audience,
                "intro": spec.intro,
            },
            key=spec.key,
            where=str(spec.path / "course.toml") if spec.path else spec.slug,
        )
        moved_before = self.stats["ModulePage moved"] + self.stats["LessonPage moved"]
        module_pages = []
        self.objectives = {}
        for module_spec in spec.modules:
            where = str(module_spec.path / "module.toml")
            known = self._find_keyed(ModulePage, module_spec.key, course, where)
            module = self.sync_page(
                course,
                ModulePage,
                module_spec.slug,
                {
                    "title": module_spec.title,
                    "summary": module_spec.summary,
                    "intro": module_spec.intro,
                    "requires_previous": module_spec.requires_previous,
                    "cpd_hours": module_spec.cpd_hours,
                },
                m2m={"competencies": self.competency_list(module_spec.competencies, where)},
                inline=self.objective_rows(known, module_spec),
                key=module_spec.key,
                where=where,
            )
            self.objectives.update(
                {o.key: o for o in LearningObjective.objects.filter(page=module)}
            )
            lesson_pages = [
                self.load_lesson(course, module, lesson) for lesson in module_spec.lessons
            ]
            for step in module_steps:
                step(self, module, module_spec)
            self.ensure_order(
                module,
                lesson_pages
                + [
                    p
                    for p in module.get_children()
                    .exclude(pk__in=[lp.pk for lp in lesson_pages])
                    .order_by("path")
                ],
            )
            module_pages.append(module)
        retired = self.retire_missing(course, spec)
        moved = self.stats["ModulePage moved"] + self.stats["LessonPage moved"] - moved_before
        if retired or moved:
            self.reevaluate_learners(course)
        self.ensure_order(course, module_pages)
        return course

    def load_lesson(self, course: CoursePage, module: ModulePage, lesson: LessonSpec) -> LessonPage:
        """One lesson page: its body, competencies and citations."""
        where = str(lesson.path)
        return self.sync_page(
            module,
            LessonPage,
            lesson.slug,
            {
                "title": lesson.title,
                "summary": lesson.summary,
                "estimated_minutes": lesson.minutes,
            },
            streams={"body": lesson.body},
            m2m={"competencies": self.competency_list(lesson.competencies, where)},
            inline={
                "citations": (
                    LessonCitation,
                    [
                        {"source_id": self.source(key, where).pk, "passage": passage}
                        for key, passage in lesson.citations
                    ],
                )
            },
            key=lesson.key,
            scope=course,
            where=where,
        )

    def retire_missing(self, course: CoursePage, spec: CourseSpec) -> int:
        """Unpublish the course's keyed modules and lessons that no file describes any more.

        Never deleted: completions, attempts and certificates keep pointing at them, and the
        page comes back (same id) if its file does. A retired module takes its remaining pages
        (its quiz) with it; its lessons that still have files were moved out above. Progress
        counts live pages only, so a learner who had done every remaining step stays done.
        """
        wanted: dict[type[ModulePage] | type[LessonPage], set[str]] = {
            ModulePage: {m.key for m in spec.modules},
            LessonPage: {lesson.key for m in spec.modules for lesson in m.lessons},
        }
        count = 0
        for model, keys in wanted.items():
            gone = model.objects.descendant_of(course).live().exclude(key="").exclude(key__in=keys)
            for page in gone:
                for retiring in [page, *page.get_descendants().live().specific()]:
                    retiring.unpublish(log_action=True)
                    self.stats[f"{type(retiring).__name__} unpublished"] += 1
                    count += 1
        return count

    def reevaluate_learners(self, course: CoursePage) -> None:
        """The course's structure changed (a page retired or moved): judge its learners again.

        A learner may now have done every remaining step of a module or of the course; the
        evaluation records that (once) after this load commits.
        """
        learners = Enrollment.objects.filter(course=course).select_related("user")
        for enrollment in learners.iterator():
            request_evaluation_later(enrollment.user)
        self.stats["learners re-evaluated"] += learners.count()
