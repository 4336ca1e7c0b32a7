"""The quiz pages a trainee uses: intro, attempt, confirm, result. Thin: rules live in services.

Routed by QuizPage (RoutablePageMixin). Every view is for the signed-in learner and their own
attempts only; another learner's attempt is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from courses.navigation import course_trail
from quizzes import services
from quizzes.answers import MalformedAnswer
from quizzes.models import Attempt
from quizzes.presentation import public_view, review_view

if TYPE_CHECKING:
    from quizzes.models import QuizPage


def refuse_anonymous(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return TemplateResponse(request, "400.html", {"message": message}, status=400)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _attempt(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> Attempt:
    try:
        return Attempt.objects.get(pk=attempt_id, quiz=quiz, user=request.user)
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None


def _url(quiz: QuizPage, route: str, *args) -> str:
    return quiz.url + quiz.reverse_subpage(route, args=args)


def _base_context(quiz: QuizPage) -> dict:
    return {"page": quiz, "self": quiz, **course_trail(quiz)}


def intro(request: HttpRequest, quiz: QuizPage) -> TemplateResponse:
    attempts = list(Attempt.objects.filter(user=request.user, quiz=quiz).order_by("number"))
    for attempt in attempts:
        if attempt.is_open:
            services.close_if_expired(attempt)
    attempts = list(Attempt.objects.filter(user=request.user, quiz=quiz).order_by("number"))
    open_attempt = next((a for a in attempts if a.is_open), None)
    finished = [a for a in attempts if not a.is_open]
    best = max((a.percent for a in finished if a.percent is not None), default=None)
    context = {
        **_base_context(quiz),
        "attempts": finished,
        "open_attempt": open_attempt,
        "attempts_used": len(attempts),
        "attempts_left": services.attempts_left(quiz, len(attempts)),
        "best_percent": best,
        "has_passed": any(a.passed for a in finished),
        "question_count": quiz.fixed_questions.count()
        + sum(d.count for d in quiz.random_draws.all()),
    }
    return TemplateResponse(request, "quizzes/quiz_page.html", context)


def start(request: HttpRequest, quiz: QuizPage) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        attempt = services.start_attempt(request.user, quiz)
    except services.QuizError as exc:
        messages.error(request, str(exc))
        return redirect(quiz.url)
    return redirect(_url(quiz, "attempt", attempt.pk))


def _question_views(
    attempt: Attempt, answers: dict | None = None, errors: dict | None = None
) -> list[dict]:
    answers, errors = answers or {}, errors or {}
    views = []
    for response in attempt.responses.all():
        answer = answers.get(response.position, response.answer)
        view = public_view(response.question_snapshot, response.display, response.position, answer)
        view["error"] = errors.get(response.position)
        views.append(view)
    return views


def attempt_page(
    request: HttpRequest,
    quiz: QuizPage,
    attempt_id: int,
    errors: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    attempt = services.close_if_expired(_attempt(request, quiz, attempt_id))
    if not attempt.is_open:
        return redirect(_url(quiz, "result", attempt.pk))
    context = {
        **_base_context(quiz),
        "attempt": attempt,
        "questions": _question_views(attempt, errors=errors),
        "errors": errors or {},
        "seconds_left": int(attempt.time_left().total_seconds()) if attempt.deadline else None,
        "save_url": _url(quiz, "save", attempt.pk),
        "submit_url": _url(quiz, "submit", attempt.pk),
    }
    return TemplateResponse(request, "quizzes/attempt.html", context, status=status)


def save(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    attempt = _attempt(request, quiz, attempt_id)
    try:
        outcome = services.save_answers(
            attempt.pk, request.user, request.POST, partial=wants_json(request)
        )
    except MalformedAnswer as exc:
        if wants_json(request):
            return JsonResponse(
                {"error": "This request does not match the attempt.", "detail": str(exc)},
                status=400,
            )
        return bad_request(
            request, "The answers sent do not match this attempt; nothing was saved."
        )
    except services.AttemptClosed as exc:
        if wants_json(request):
            return JsonResponse({"error": str(exc), "closed": True}, status=409)
        messages.warning(request, str(exc))
        services.close_if_expired(attempt)
        return redirect(_url(quiz, "attempt", attempt.pk))
    if wants_json(request):
        return JsonResponse(
            {
                "saved": outcome.saved,
                "errors": {str(k): v for k, v in outcome.errors.items()},
                "at": timezone.now().isoformat(),
            }
        )
    if outcome.errors:
        return attempt_page(request, quiz, attempt.pk, errors=outcome.errors, status=400)
    if request.POST.get("next") == "confirm":
        return redirect(_url(quiz, "confirm", attempt.pk))
    messages.success(request, "Your answers are saved.")
    return redirect(_url(quiz, "attempt", attempt.pk))


def confirm(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    attempt = services.close_if_expired(_attempt(request, quiz, attempt_id))
    if not attempt.is_open:
        return redirect(_url(quiz, "result", attempt.pk))
    responses = list(attempt.responses.all())
    unanswered = [r.position for r in responses if r.answer is None]
    context = {
        **_base_context(quiz),
        "attempt": attempt,
        "total": len(responses),
        "answered": len(responses) - len(unanswered),
        "unanswered": unanswered,
        "seconds_left": int(attempt.time_left().total_seconds()) if attempt.deadline else None,
        "submit_url": _url(quiz, "submit", attempt.pk),
        "attempt_url": _url(quiz, "attempt", attempt.pk),
    }
    return TemplateResponse(request, "quizzes/confirm.html", context)


def submit(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    attempt = _attempt(request, quiz, attempt_id)
    try:
        attempt, errors = services.submit_attempt(attempt.pk, request.user, request.POST)
    except MalformedAnswer:
        return bad_request(
            request, "The answers sent do not match this attempt; nothing was submitted."
        )
    if errors:
        return attempt_page(request, quiz, attempt.pk, errors=errors, status=400)
    return redirect(_url(quiz, "result", attempt.pk))


def result(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    attempt = services.close_if_expired(_attempt(request, quiz, attempt_id))
    if attempt.is_open:
        return redirect(_url(quiz, "attempt", attempt.pk))
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
        )
        for r in attempt.responses.all()
    ]
    used = Attempt.objects.filter(user=request.user, quiz=quiz).count()
    context = {
        **_base_context(quiz),
        "attempt": attempt,
        "reviews": reviews,
        "attempts_left": services.attempts_left(quiz, used),
    }
    return TemplateResponse(request, "quizzes/result.html", context)
