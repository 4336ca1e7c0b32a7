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
            LessonCitation(sort_order=i, source=s, passage="whole text")
            for i, s in enumerate(sources or [SourceFactory()])
        ]
        page.competencies = competencies or [CompetencyFactory()]
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page


# Question bank ----------------------------------------------------------------------------

DEFAULT_OPTIONS = {
    "single_choice": [
        ("Under 10 mm", True, "Right: the case kept it shallow."),
        ("25 mm", False, "That is the needle length."),
        ("40 mm", False, "Far too deep."),
    ],
    "multiple_response": [
        ("Tumours", True, "Listed."),
        ("Trauma", True, "Listed."),
        ("Caffeine", False, "A trigger, not a cause."),
    ],
    "true_false": [
        ("True", True, "It can go on in sleep."),
        ("False", False, "Unlike tics, it persists."),
    ],
    "ordering": [("Neck", False, ""), ("Skull base", False, ""), ("Face", False, "")],
    "matching": [("Prone", False, "", "Neck and back"), ("Supine", False, "", "Face")],
    "short_answer": [("orbicularis oculi", True, ""), ("*oculi*", True, "")],
}


class QuestionCategoryFactory(DjangoModelFactory):
    class Meta:
        model = "quizzes.QuestionCategory"
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


def make_question(
    kind: str = "single_choice",
    *,
    key: str | None = None,
    points: str = "1",
    category=None,
    source=None,
    competency=None,
    options=None,
    **fields,
):
    """A published question of `kind` with sensible options and feedback."""
    from decimal import Decimal

    from quizzes.models import Question, QuestionOption

    question = Question(
        key=key or f"q-{kind}-{Question.objects.count() + 1}",
        question_type=kind,
        title=f"A {kind} question",
        stem=f"<p>Stem of a {kind} question.</p>",
        explanation="<p>Because the source says so.</p>",
        category=category or QuestionCategoryFactory(),
        source=source or SourceFactory(),
        passage="treatment paragraph",
        points=Decimal(points),
        **fields,
    )
    if kind == "numeric":
        question.numeric_answer = fields.get("numeric_answer", Decimal(10))
        question.numeric_tolerance = fields.get("numeric_tolerance", Decimal("0.5"))
        question.numeric_unit = fields.get("numeric_unit", "mm")
    if kind == "essay":
        question.model_answer = "<p>Upstream first, then local nodules.</p>"
        question.rubric = "1 point per idea, 4 in all; 2 pass."
        question.rubric_points = fields.get("rubric_points", Decimal(4))
        question.rubric_pass_points = fields.get("rubric_pass_points", Decimal(2))
    if kind == "short_answer":
        question.model_answer = fields.get("model_answer", "<p>The orbicularis oculi.</p>")
    rows = options if options is not None else DEFAULT_OPTIONS.get(kind, [])
    question.options = [
        QuestionOption(text=r[0], is_correct=r[1], feedback=r[2], match=r[3] if len(r) > 3 else "")
        for r in rows
    ]
    question.competencies = [competency or CompetencyFactory()]
    question.save()
    question.save_revision().publish()
    return question


def make_quiz(module, questions, *, title: str = "Module quiz", slug: str = "quiz", **rules):
    """A QuizPage under `module` asking `questions` in order (no shuffling unless asked)."""
    from quizzes.models import QuizPage, QuizQuestion

    settings = {
        "pass_mark": 70,
        "attempts_allowed": 3,
        "time_limit_minutes": 0,
        "shuffle_questions": False,
        "shuffle_options": False,
        "review_policy": "answers",
        **rules,
    }
    quiz = QuizPage(title=title, slug=slug, **settings)
    quiz.fixed_questions = [QuizQuestion(sort_order=i, question=q) for i, q in enumerate(questions)]
    module.add_child(instance=quiz)
    quiz.save_revision().publish()
    return quiz
