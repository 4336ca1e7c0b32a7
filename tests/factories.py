"""Factories for users, snippets and the page tree. Pages are added under their parent as
the admin would (treebeard paths, a published revision)."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory
from wagtail.models import Page, Site

from core.models import EvidenceLevel, HomePage, Source
from courses.models import (
    Competency,
    CourseIndexPage,
    CoursePage,
    LessonCitation,
    LessonPage,
    ModulePage,
)

PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs) -> None:
        if create and extracted:
            self.groups.set([Group.objects.get_or_create(name=name)[0] for name in extracted])
        if create:
            self.save()


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"A published source {n}")
    authors = "A. Author"
    publication = "Journal of Examples"
    year = 2020
    evidence_level = EvidenceLevel.CASE_REPORT


class CompetencyFactory(DjangoModelFactory):
    class Meta:
        model = Competency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TST-{n}")
    title = factory.Sequence(lambda n: f"Competency {n}")
    domain = "knowledge"


class PageFactory(DjangoModelFactory):
    """Adds the page under `parent` and publishes a first revision."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"Page {n}")
    slug = factory.LazyAttribute(lambda p: p.title.lower().replace(" ", "-"))

    @classmethod
    def _create(cls, model_class, *args, parent: Page | None = None, **kwargs):
        page = model_class(*args, **kwargs)
        if parent is None:
            raise ValueError(f"{model_class.__name__}Factory needs parent=")
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page


def make_home() -> HomePage:
    """The site's home page, replacing Wagtail's placeholder, as load_curriculum does."""
    home = HomePage.objects.first()
    if home:
        return home
    root = Page.get_first_root_node()
    for placeholder in root.get_children().filter(slug="home").exact_type(Page):
        placeholder.delete()
    home = HomePage(title="Home", slug="home")
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
    )
    return home


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
            LessonCitation(source=s, passage="whole text") for s in (sources or [SourceFactory()])
        ]
        page.competencies = competencies or [CompetencyFactory()]
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page
