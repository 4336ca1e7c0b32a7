"""The result page of a finished attempt (its route is quizzes.views.result; previews call
`render_result` with a sample attempt built in memory)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from courses.navigation import course_trail
from quizzes.contracts import CaseSnapshot, ReviewView
from quizzes.models import Attempt, Response
from quizzes.next_step import next_step
from quizzes.passages import missed_critical_views
from quizzes.presentation import review_view

if TYPE_CHECKING:
    from quizzes.models import QuizPage


def render_result(
    request: HttpRequest,
    quiz: QuizPage,
    attempt: Attempt,
    responses: list[Response],
    attempts_left: int | None,
    *,
    closed: bool | None = None,
) -> HttpResponse:
    """The result page of a finished attempt, reviewed as its review policy allows. With
    `closed` (whether the quiz is closed to the learner; None on previews) it also says what
    the learner does next (quizzes.next_step)."""
    reviews = [
        review_view(
            r.question_snapshot,
            r.display,
            r.answer,
            attempt.review_policy,
            r.position,
            score=r.score,
            needs_grading=r.needs_grading,
            grader_comment=r.grader_comment,
            rubric_score=r.rubric_score,
        )
        for r in responses
    ]
    context = {
        "page": quiz,
        "self": quiz,
        **course_trail(quiz),
        "attempt": attempt,
        "reviews": reviews,
        "attempts_left": attempts_left,
    }
    after = None
    if closed is not None:
        after = context["after"] = next_step(
            request,
            quiz,
            attempt,
            responses,
            module=context["module"],
            course=context["course"],
            attempts_left=attempts_left,
            closed=closed,
        )
    context["critical_missed"] = missed_critical_views(
        attempt,
        responses,
        module=context["module"],
        course=context["course"],
        request=request,
        links=after.links if after is not None else None,
    )
    case: CaseSnapshot | None = attempt.case_snapshot
    if case is not None:
        context["case"] = case
        context["stages"] = [
            {**stage, **stage_totals(stage["number"], responses, reviews)}
            for stage in case["stages"]
        ]
        return TemplateResponse(request, "quizzes/case_result.html", context)
    return TemplateResponse(request, "quizzes/result.html", context)


def stage_totals(number: int, responses: list[Response], reviews: list[ReviewView]) -> dict:
    """One case stage's reviews and its score out of its points."""
    mine = [(r, v) for r, v in zip(responses, reviews, strict=True) if r.stage == number]
    return {
        "reviews": [v for _, v in mine],
        "points": sum((r.max_score for r, _ in mine), Decimal(0)),
        "score": sum((r.score for r, _ in mine if r.score is not None), Decimal(0)),
        "pending": any(r.needs_grading for r, _ in mine),
    }
