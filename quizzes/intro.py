"""What the quiz intro shows besides the learner's rules: the quiz's facts and their attempts.

The intro is the page a trainee opens before and between attempts, so its own queries are
kept to three: the attempt list, the facts below (one query however many questions and draws
the quiz has), and the accommodation (quizzes.overrides.rules_for, one per override kind).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from quizzes.lifecycle import close_if_expired
from quizzes.models import Attempt, Question, QuizPage, QuizQuestion, QuizRandomDraw
from quizzes.models.quiz_page import asked_by


@dataclass(frozen=True)
class QuizFacts:
    """How many questions an attempt asks, and whether any may be critical."""

    question_count: int
    asks_critical: bool


def _per_quiz(model, aggregate):
    """`aggregate` over `model`'s rows of the quiz (OuterRef "pk"), as a subquery."""
    return (
        model.objects.filter(page=OuterRef("pk"))
        .order_by()
        .values("page")
        .annotate(n=aggregate)
        .values("n")
    )


def quiz_facts(quiz: QuizPage) -> QuizFacts:
    """The fixed questions plus every draw's count, and `quiz.asks_critical_questions()`, in
    one query (two subqueries and an EXISTS on the quiz's own row)."""
    fixed = _per_quiz(QuizQuestion, Count("pk"))
    drawn = _per_quiz(QuizRandomDraw, Sum("count"))
    critical = Question.objects.filter(live=True, critical=True).filter(
        asked_by(QuizPage.objects.filter(pk=quiz.pk))
    )
    zero = Value(0, output_field=IntegerField())
    row = (
        QuizPage.objects.filter(pk=quiz.pk)
        .annotate(
            fixed_count=Coalesce(Subquery(fixed, output_field=IntegerField()), zero),
            drawn_count=Coalesce(Subquery(drawn, output_field=IntegerField()), zero),
            any_critical=Exists(critical),
        )
        .values("fixed_count", "drawn_count", "any_critical")
        .first()
    )
    if row is None:  # the quiz was deleted while the request ran
        return QuizFacts(question_count=0, asks_critical=False)
    return QuizFacts(
        question_count=row["fixed_count"] + row["drawn_count"],
        asks_critical=bool(row["any_critical"]),
    )


def learner_attempts(user, quiz: QuizPage) -> list[Attempt]:
    """`user`'s attempts at `quiz` by number, an open one whose time ran out closed first
    (quizzes.lifecycle.close_if_expired: graded with the answers saved in time).

    One query: a closed attempt takes the place of the row read (it holds the graded state),
    so the list is not read again. The case snapshot and accommodation are not read.
    """
    if not user.is_authenticated:
        return []
    attempts = list(
        Attempt.objects.filter(user=user, quiz=quiz)
        .defer("case_snapshot", "accommodation")
        .order_by("number")
    )
    return [close_if_expired(a) if a.is_open else a for a in attempts]
