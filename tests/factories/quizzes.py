"""The question bank, quiz pages, and attempts taken through the public quiz services."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from core.indexing import indexed_once
from quizzes.model_answers import take_quiz
from tests.factories.core import SourceFactory, publish_first_revision
from tests.factories.courses import CompetencyFactory

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


class QuestionFactory(DjangoModelFactory):
    """A published question of `question_type` with sensible options and feedback.

    `options` takes (text, is_correct, feedback[, match]) rows; `competency` the one it tests.
    """

    class Meta:
        model = "quizzes.Question"

    question_type = "single_choice"
    points = "1"

    @classmethod
    def _create(cls, model_class, *args, question_type: str, **kwargs):
        return make_question(question_type, **kwargs)


@indexed_once()
def make_question(
    kind: str = "single_choice",
    *,
    key: str | None = None,
    points: str = "1",
    category=None,
    source=None,
    competency=None,
    competencies=None,
    options=None,
    **fields,
):
    """A published question of `kind` with sensible options and feedback.

    `fields` set any other field (a longer stem, the numeric answer...); `options` takes
    (text, is_correct, feedback[, match]) rows.
    """
    from quizzes.models import Question, QuestionOption

    texts = {
        "title": f"A {kind} question",
        "stem": f"<p>Stem of a {kind} question.</p>",
        "explanation": "<p>Because the source says so.</p>",
        "passage": "treatment paragraph",
        **fields,
    }
    question = Question(
        key=key or f"q-{kind}-{Question.objects.count() + 1}",
        question_type=kind,
        category=category or QuestionCategoryFactory(),
        source=source or SourceFactory(),
        points=Decimal(points),
        **texts,
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
    question.competencies = competencies or [competency or CompetencyFactory()]
    question.save()
    publish_first_revision(question)
    return question


def tagged_question(kind: str = "single_choice", **kwargs):
    """A published question tagged with a learning objective, as the admin form requires."""
    from tests.factories.courses import make_objective

    question = make_question(kind, **kwargs)
    question.objectives = [make_objective()]
    question.save()
    question.save_revision().publish()
    return question


class QuizPageFactory(DjangoModelFactory):
    """A QuizPage under `parent` (a module) asking `questions` in order, published."""

    class Meta:
        model = "quizzes.QuizPage"

    title = "Module quiz"
    slug = "quiz"
    pass_mark = 70
    attempts_allowed = 3
    time_limit_minutes = 0
    shuffle_questions = False
    shuffle_options = False
    review_policy = "answers"

    @classmethod
    def _create(cls, model_class, *args, parent=None, questions=(), **kwargs):
        from quizzes.models import QuizQuestion

        if parent is None:
            raise ValueError("QuizPageFactory needs parent=")
        quiz = model_class(*args, **kwargs)
        quiz.fixed_questions = [
            QuizQuestion(sort_order=i, question=q) for i, q in enumerate(questions)
        ]
        parent.add_child(instance=quiz)
        publish_first_revision(quiz)
        return quiz


@indexed_once()
def make_quiz(module, questions, *, title: str = "Module quiz", slug: str = "quiz", **rules):
    """A QuizPage under `module` asking `questions` in order (no shuffling unless asked)."""
    return QuizPageFactory(parent=module, questions=questions, title=title, slug=slug, **rules)


def passed_attempt(user, quiz, *, now: datetime | None = None):
    """A submitted attempt on `quiz` with every answer right."""
    return take_quiz(user, quiz, right=True, now=now)
