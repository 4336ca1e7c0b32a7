"""The quiz page's admin previews: its intro, and a sample attempt and result built in memory.

Nothing is written: no Attempt, no Response, no log entry.

The "attempt" preview shows what a trainee sees on starting (a case quiz at its first stage);
the "result" preview shows that attempt submitted unanswered, graded in memory by the same
rules as a real submit. Questions are drawn as for a trainee (live questions only), with a
seed fixed per quiz so the preview does not reshuffle on every refresh.
"""

from __future__ import annotations

import random

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from quizzes import services, views
from quizzes.lifecycle import grade_responses
from quizzes.models import Attempt, ClinicalCase, QuizPage, Response
from quizzes.overrides import rules_for
from quizzes.snapshots import snapshot_case


def sample_attempt(quiz: QuizPage, user) -> tuple[Attempt, list[Response]]:
    """An unsaved first attempt at `quiz` by `user`, with its unsaved responses."""
    learner = user if user is not None and user.is_authenticated else None
    rng = random.Random(quiz.pk or 0)  # noqa: S311 - a preview's shuffle, not a secret
    case_snapshot = None
    if quiz.case_id is not None:
        case = ClinicalCase.objects.select_related("source").filter(pk=quiz.case_id).first()
        case_snapshot = snapshot_case(case) if case is not None else None
    questions = services.pick_questions(quiz, rng)
    attempt = services.new_attempt(learner, quiz, 1, questions, case_snapshot, timezone.now())
    return attempt, services.new_responses(attempt, questions, quiz, rng)


def sample_result(quiz: QuizPage, user) -> tuple[Attempt, list[Response]]:
    """The sample attempt submitted with no answers and graded in memory (unsaved)."""
    attempt, responses = sample_attempt(quiz, user)
    grade_responses(attempt, responses, attempt.started_at)
    attempt.current_stage = attempt.stage_count
    return attempt, responses


def serve_preview(request: HttpRequest, quiz: QuizPage, mode_name: str) -> HttpResponse:
    """The preview of `mode_name` (QuizPage.preview_modes): "" intro, "attempt", "result"."""
    if mode_name == "attempt":
        attempt, responses = sample_attempt(quiz, request.user)
        urls = {"save_url": "", "submit_url": "", "advance_url": ""}
        return views.render_attempt(request, quiz, attempt, responses, urls, preview=True)
    if mode_name == "result":
        attempt, responses = sample_result(quiz, request.user)
        left = rules_for(request.user, quiz).attempts_left(1)
        return views.render_result(request, quiz, attempt, responses, left)
    return views.intro(request, quiz)
