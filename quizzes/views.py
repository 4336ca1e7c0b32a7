"""The quiz pages a trainee uses: intro, attempt, confirm, result. Thin: rules live in services
and actions.

Routed by QuizPage (RoutablePageMixin). Every view is for the signed-in learner and their own
attempts only; another learner's attempt is a 404. The page's previews (quizzes.preview) render
sample attempts with `render_attempt` and `render_result` (quizzes.result_page).

The writes (save, submit) read the attempt once, under its lock; the intro's own reads are in
quizzes.intro.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone

from core.params import query_id
from courses.access import learner_gate
from courses.navigation import course_trail
from courses.structure_cache import shared_content
from quizzes import services
from quizzes.actions import AdvanceStageAction, SubmitAttemptAction
from quizzes.answers import MalformedAnswer, positions_in, typed_answer
from quizzes.contracts import AttemptQuestionView, CaseSnapshot
from quizzes.errors import AttemptClosed, QuizError, StageLocked
from quizzes.intro import learner_attempts, quiz_facts
from quizzes.lifecycle import close_if_expired
from quizzes.models import Attempt, Response
from quizzes.overrides import rules_for
from quizzes.presentation import public_view
from quizzes.result_page import render_result

if TYPE_CHECKING:
    from quizzes.models import QuizPage


def bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return TemplateResponse(request, "400.html", {"message": message}, status=status)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _own_attempts(request: HttpRequest, quiz: QuizPage) -> QuerySet[Attempt]:
    """The signed-in learner's attempts at `quiz` (none for anyone signed out)."""
    user = request.user
    if not user.is_authenticated:
        return Attempt.objects.none()
    return Attempt.objects.filter(user=user, quiz=quiz)


def _attempt(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> Attempt:
    try:
        return _own_attempts(request, quiz).get(pk=attempt_id)
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None


def _url(quiz: QuizPage, route: str, *args) -> str:
    return quiz.url + quiz.reverse_subpage(route, args=args)


def _base_context(quiz: QuizPage) -> dict:
    return {"page": quiz, "self": quiz, **course_trail(quiz)}


def intro(request: HttpRequest, quiz: QuizPage) -> HttpResponse:
    denied = learner_gate(request, quiz)
    if denied is not None:
        return denied
    attempts = learner_attempts(request.user, quiz)
    open_attempt = next((a for a in attempts if a.is_open), None)
    finished = [a for a in attempts if not a.is_open]
    best = max((a.percent for a in finished if a.percent is not None), default=None)
    rules = rules_for(request.user, quiz)
    facts = quiz_facts(quiz, request)
    context = {
        **_base_context(quiz),
        **shared_content(request),
        "attempts": finished,
        "open_attempt": open_attempt,
        "attempts_used": len(attempts),
        "attempts_left": rules.attempts_left(len(attempts)),
        "rules": rules,
        "is_closed": rules.is_closed(timezone.now()),
        "best_percent": best,
        "has_passed": any(a.passed for a in finished),
        "asks_critical": facts.asks_critical,
        "question_count": facts.question_count,
    }
    return TemplateResponse(request, "quizzes/quiz_page.html", context)


def start(request: HttpRequest, quiz: QuizPage) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    denied = learner_gate(request, quiz)
    if denied is not None:
        return denied
    try:
        attempt = services.start_attempt(request.user, quiz)
    except QuizError as exc:
        messages.error(request, str(exc))
        return redirect(quiz.url)
    return redirect(_url(quiz, "attempt", attempt.pk))


def _question_views(
    attempt: Attempt,
    responses: list[Response],
    errors: dict | None = None,
    sent: QueryDict | None = None,
) -> list[AttemptQuestionView]:
    """Public views of the attempt's questions; a case attempt gets only disclosed stages,
    with the questions of committed stages marked locked.

    `sent` is the refused form (when `errors`): its answers are shown as sent, slips included,
    since none of them was saved.
    """
    errors = errors or {}
    resent = positions_in(sent) if errors and sent is not None else set()
    views: list[AttemptQuestionView] = []
    for response in responses:
        if attempt.is_case and response.stage > attempt.current_stage:
            continue
        answer = response.answer
        if sent is not None and response.position in resent:
            answer = typed_answer(
                response.question_snapshot, response.display, sent, response.position
            )
        view = public_view(response.question_snapshot, response.display, response.position, answer)
        views.append(
            AttemptQuestionView(
                **view,
                error=errors.get(response.position),
                stage=response.stage,
                locked=attempt.is_case and response.stage < attempt.current_stage,
            )
        )
    return views


def _disclosed_stages(
    attempt: Attempt, case: CaseSnapshot, questions: list[AttemptQuestionView]
) -> list[dict]:
    """The case's stages up to the current one, each with its questions."""
    return [
        {
            **stage,
            "questions": [q for q in questions if q["stage"] == stage["number"]],
            "is_current": stage["number"] == attempt.current_stage,
        }
        for stage in case["stages"][: attempt.current_stage]
    ]


def attempt_page(
    request: HttpRequest,
    quiz: QuizPage,
    attempt_id: int,
    errors: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    attempt = close_if_expired(_attempt(request, quiz, attempt_id))
    if not attempt.is_open:
        return redirect(_url(quiz, "result", attempt.pk))
    urls = {
        "save_url": _url(quiz, "save", attempt.pk),
        "submit_url": _url(quiz, "submit", attempt.pk),
        "advance_url": _url(quiz, "advance", attempt.pk) if attempt.is_case else "",
    }
    responses = list(attempt.responses.all())
    return render_attempt(request, quiz, attempt, responses, urls, errors=errors, status=status)


def render_attempt(
    request: HttpRequest,
    quiz: QuizPage,
    attempt: Attempt,
    responses: list[Response],
    urls: dict[str, str],
    *,
    errors: dict | None = None,
    status: int = 200,
    preview: bool = False,
) -> HttpResponse:
    """The attempt page: its questions (a case's disclosed stages) posting to `urls`."""
    questions = _question_views(attempt, responses, errors=errors, sent=request.POST)
    context = {
        **_base_context(quiz),
        "attempt": attempt,
        "questions": questions,
        "errors": errors or {},
        "seconds_left": int(attempt.time_left().total_seconds()) if attempt.deadline else None,
        "save_url": urls["save_url"],
        "submit_url": urls["submit_url"],
        "preview": preview,
    }
    case: CaseSnapshot | None = attempt.case_snapshot
    if case is not None:
        stages = _disclosed_stages(attempt, case, questions)
        following = case["stages"][attempt.current_stage : attempt.current_stage + 1]
        context.update(
            {
                "case": case,
                "stages": stages,
                "next_stage": following[0] if following else None,
                "advance_url": urls["advance_url"],
            }
        )
        return TemplateResponse(request, "quizzes/case_attempt.html", context, status=status)
    return TemplateResponse(request, "quizzes/attempt.html", context, status=status)


def save(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    """Save answers. The attempt is read once, under its lock, by id, learner and quiz."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        raise Http404("No such attempt.")
    try:
        outcome = services.save_answers(
            attempt_id, request.user, request.POST, partial=wants_json(request), quiz_id=quiz.pk
        )
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    except MalformedAnswer as exc:
        if wants_json(request):
            return JsonResponse(
                {"error": "This request does not match the attempt.", "detail": str(exc)},
                status=400,
            )
        return bad_request(
            request, "The answers sent do not match this attempt; nothing was saved."
        )
    except StageLocked as exc:
        if wants_json(request):
            return JsonResponse({"error": str(exc), "locked": True}, status=409)
        return bad_request(request, f"{exc} Nothing was saved.", status=409)
    except AttemptClosed as exc:
        if wants_json(request):
            return JsonResponse({"error": str(exc), "closed": True}, status=409)
        messages.warning(request, str(exc))
        close_if_expired(_attempt(request, quiz, attempt_id))
        return redirect(_url(quiz, "attempt", attempt_id))
    if wants_json(request):
        return JsonResponse(
            {
                "saved": outcome.saved,
                "errors": {str(k): v for k, v in outcome.errors.items()},
                "at": timezone.now().isoformat(),
            }
        )
    if outcome.errors:
        return attempt_page(request, quiz, attempt_id, errors=outcome.errors, status=400)
    if request.POST.get("next") == "confirm":
        return redirect(_url(quiz, "confirm", attempt_id))
    messages.success(request, "Your answers are saved.")
    return redirect(_url(quiz, "attempt", attempt_id))


def advance(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    """Commit a case stage's answers and disclose the next stage."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    attempt = _attempt(request, quiz, attempt_id)
    stage = query_id(request.POST, "stage") or 0
    if stage < 1:
        return bad_request(
            request, "The request does not say which stage to commit; nothing was saved."
        )
    try:
        attempt, errors = AdvanceStageAction(
            attempt, user=request.user, data=request.POST, stage=stage
        ).execute()
    except StageLocked as exc:
        return bad_request(request, f"{exc} Nothing was saved.", status=409)
    except MalformedAnswer:
        return bad_request(request, "The answers sent do not match this stage; nothing was saved.")
    except AttemptClosed as exc:
        messages.warning(request, str(exc))
        return redirect(_url(quiz, "attempt", attempt.pk))
    if errors:
        return attempt_page(request, quiz, attempt.pk, errors=errors, status=400)
    return redirect(_url(quiz, "attempt", attempt.pk) + f"#stage-{attempt.current_stage}")


def confirm(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    attempt = close_if_expired(_attempt(request, quiz, attempt_id))
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


def _named_attempt(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> Attempt:
    """The attempt a write route names, unread: its id, the signed-in learner and this quiz.

    The write reads it once, under its lock, filtered by all three (quizzes.lifecycle.
    locked_attempt), so another learner's attempt, or one at another quiz, is not found there
    (Attempt.DoesNotExist: a 404, as the routes that read first answer).
    """
    if not request.user.is_authenticated:
        raise Http404("No such attempt.")
    return Attempt(pk=attempt_id, user_id=request.user.pk, quiz_id=quiz.pk)


def submit(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        attempt, errors = SubmitAttemptAction(
            _named_attempt(request, quiz, attempt_id), user=request.user, data=request.POST
        ).execute()
    except Attempt.DoesNotExist:
        raise Http404("No such attempt.") from None
    except StageLocked as exc:
        return bad_request(request, f"{exc} Nothing was submitted.", status=409)
    except MalformedAnswer:
        return bad_request(
            request, "The answers sent do not match this attempt; nothing was submitted."
        )
    if errors:
        return attempt_page(request, quiz, attempt.pk, errors=errors, status=400)
    return redirect(_url(quiz, "result", attempt.pk))


def result(request: HttpRequest, quiz: QuizPage, attempt_id: int) -> HttpResponse:
    attempt = close_if_expired(_attempt(request, quiz, attempt_id))
    if attempt.is_open:
        return redirect(_url(quiz, "attempt", attempt.pk))
    used = _own_attempts(request, quiz).count()
    responses = list(attempt.responses.all())
    rules = rules_for(request.user, quiz)
    left = rules.attempts_left(used)
    closed = rules.is_closed(timezone.now())
    return render_result(request, quiz, attempt, responses, left, closed=closed)
