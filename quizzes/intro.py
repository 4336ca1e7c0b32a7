"""What the quiz intro shows besides the learner's rules: the quiz's facts and their attempts.

The intro is the page a trainee opens before and between attempts, so its own queries are
kept to two: the attempt list and the accommodation (quizzes.overrides.rules_for, every
override kind in one query). What every learner sees alike is kept in the cache under the
course structure generation (courses.structure_cache), so a warm intro reads none of it:

- the facts below (question count, critical questions), read in one query on a miss;
- the case banner and the "last reviewed" line, template fragments cached the same way
  (courses.structure_cache.shared_content's `content_generation`, as the course pages do).

The generation is bumped by any page, site or clinical review change (courses) and by any
change to a question, a quiz's fixed questions or draws, a case or its stages
(`connect_signals`, from QuizzesConfig.ready): a cached fact is never older than the rows it
was read from, except for a change that bypasses model signals (a bulk `update()`), which
the entries' timeout (STRUCTURE_CACHE_SECONDS) bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from courses.structure_cache import cached, invalidate
from quizzes.lifecycle import close_if_expired
from quizzes.models import (
    Attempt,
    CaseStage,
    ClinicalCase,
    Question,
    QuizPage,
    QuizQuestion,
    QuizRandomDraw,
)
from quizzes.models.quiz_page import asked_by

FACTS_KEY = "quizzes:intro-facts:v1:{quiz}"


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


def quiz_facts(quiz: QuizPage, request: Any = None) -> QuizFacts:
    """The quiz's facts, from the cache in the current structure generation (read on a miss).

    A preview (`request.is_preview`: a draft, perhaps never saved) is read afresh, never kept:
    its facts are those of the saved rows, as the live page's, but must not wait for the cache.
    """
    if quiz.pk is None or getattr(request, "is_preview", False):
        return read_quiz_facts(quiz)
    return cached(FACTS_KEY.format(quiz=quiz.pk), lambda: read_quiz_facts(quiz))


def read_quiz_facts(quiz: QuizPage) -> QuizFacts:
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


# What the cached facts and fragments are read from, besides pages and clinical reviews.
WATCHED = (Question, QuizQuestion, QuizRandomDraw, ClinicalCase, CaseStage)


def connect_signals() -> None:
    """Bump the structure generation whenever a row the intro's cached facts or fragments are
    read from is saved or deleted (from QuizzesConfig.ready). Pages' own saves and publishes
    bump it already (courses.structure_cache); a quiz's fixed questions and draws are also
    saved by themselves (imports, the curriculum loader), and questions and cases are
    snippets, published apart from any page."""
    from django.db.models.signals import post_delete, post_save

    for model in WATCHED:
        label = model._meta.label_lower
        post_save.connect(invalidate, sender=model, dispatch_uid=f"quizzes.intro.saved.{label}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"quizzes.intro.deleted.{label}")
