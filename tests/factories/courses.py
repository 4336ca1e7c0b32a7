"""Competencies and the course page tree: index, course, module, lesson."""

from __future__ import annotations

from dataclasses import dataclass

import factory
from factory.django import DjangoModelFactory

from core.indexing import indexed_once
from courses.models import (
    Competency,
    CourseIndexPage,
    CoursePage,
    LessonCitation,
    LessonPage,
    ModulePage,
)
from tests.factories.core import PageFactory, SourceFactory, make_home, publish_first_revision


class CompetencyFactory(DjangoModelFactory):
    class Meta:
        model = Competency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TST-{n}")
    title = factory.Sequence(lambda n: f"Competency {n}")
    domain = "knowledge"


class CourseIndexPageFactory(PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "Courses"
    slug = "courses"


class CoursePageFactory(PageFactory):
    class Meta:
        model = CoursePage

    summary = "A course."


class ModulePageFactory(PageFactory):
    class Meta:
        model = ModulePage

    summary = "A module."


class LessonPageFactory(PageFactory):
    class Meta:
        model = LessonPage

    summary = "A lesson."
    estimated_minutes = 5
    body = factory.LazyFunction(lambda: [{"type": "text", "value": "<p>Lesson text.</p>"}])

    @classmethod
    def _create(cls, model_class, *args, parent=None, sources=None, competencies=None, **kwargs):
        page = model_class(*args, **kwargs)
        page.citations = [
            LessonCitation(sort_order=i, source=s, passage="whole text")
            for i, s in enumerate(sources or [SourceFactory()])
        ]
        page.competencies = competencies or [CompetencyFactory()]
        parent.add_child(instance=page)
        publish_first_revision(page)
        return page


@dataclass
class Tree:
    """A small course: its catalogue, the course, its first module and that module's lessons."""

    index: CourseIndexPage
    course: CoursePage
    module: ModulePage
    lessons: list[LessonPage]


@indexed_once()
def build_tree(lessons: int = 3, modules: int = 1, title: str = "Test course") -> Tree:
    """A course under the catalogue with `modules` modules, `lessons` lessons in the first
    (a `title` of its own, and so a slug, beside another tree in the same catalogue)."""
    home = make_home()
    index = CourseIndexPage.objects.first() or CourseIndexPageFactory(parent=home)
    course = CoursePageFactory(parent=index, title=title)
    module_pages = [
        ModulePageFactory(parent=course, title=f"Module {m}") for m in range(1, modules + 1)
    ]
    lesson_pages = [
        LessonPageFactory(parent=module_pages[0], title=f"Lesson {n}")
        for n in range(1, lessons + 1)
    ]
    return Tree(index, course, module_pages[0], lesson_pages)


def make_objective(module: ModulePage | None = None, key: str | None = None, text: str = ""):
    """A learning objective of `module` (of a new small course when none is given)."""
    from courses.models import LearningObjective

    module = module or ModulePage.objects.first() or build_tree(lessons=0).module
    count = LearningObjective.objects.count() + 1
    return LearningObjective.objects.create(
        page=module,
        key=key or f"objective-{count}",
        text=text or f"Apply rule {count} to a patient.",
        sort_order=count,
    )
