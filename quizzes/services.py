"""Starting, answering, submitting and grading quiz attempts.

Every write here is atomic and safe to repeat: the attempt row is locked (select_for_update on
PostgreSQL; SQLite runs IMMEDIATE transactions, one writer at a time), its state checked, and
the change committed once. Unique constraints back up the rules: one open attempt per learner
and quiz, numbers that never exceed the quiz's limit. Side effects wait for the commit.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone
from wagtail.log_actions import log

from courses.evaluation import request_evaluation
from quizzes.answers import AnswerError, MalformedAnswer, parse_answer, positions_in
from quizzes.grading import grade, rubric_credit, rubric_scale, score_for, totals
from quizzes.models import Attempt, AttemptState, ClinicalCase, Question, QuizPage, Response
from quizzes.snapshots import make_display, snapshot_case, snapshot_question

logger = logging.getLogger(__name__)

# A submit that the page's timer sends as time runs out may arrive a moment late.
SUBMIT_GRACE = timedelta(seconds=15)


class QuizError(Exception):
    """A request the rules refuse; the message is shown to the trainee."""


class AttemptLimitReached(QuizError):
    pass


class AttemptClosed(QuizError):
    pass


class QuizHasNoQuestions(QuizError):
    pass


class StageLocked(QuizError):
    """An answer to a case stage that has been committed; it can no longer change."""


@dataclass
class SaveOutcome:
    saved: int = 0
    errors: dict[int, str] = field(default_factory=dict)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _question_queryset():
    return (
        Question.objects.filter(live=True)
        .select_related("source")
        .prefetch_related("options", Prefetch("competencies"))
    )


def pick_questions(quiz: QuizPage, rng: random.Random) -> list[tuple[Question, int]]:
    """(question, stage) pairs: the live fixed questions, then each category draw.

    Shuffled if the quiz asks; a case quiz keeps its stages in order and shuffles within each.
    """
    fixed = list(quiz.fixed_questions.order_by("sort_order").values_list("question_id", "stage"))
    chosen = {q.pk: q for q in _question_queryset().filter(pk__in=[pk for pk, _ in fixed])}
    pairs = [(chosen[pk], stage or 0) for pk, stage in fixed if pk in chosen]
    if quiz.is_case_quiz:
        if quiz.shuffle_questions:
            rng.shuffle(pairs)
        return sorted(pairs, key=lambda pair: pair[1])
    taken = {q.pk for q, _ in pairs}
    for draw in quiz.random_draws.select_related("category"):
        pool = list(_question_queryset().filter(category=draw.category).exclude(pk__in=taken))
        picked = rng.sample(pool, min(draw.count, len(pool)))
        pairs += [(q, 0) for q in picked]
        taken.update(q.pk for q in picked)
    if quiz.shuffle_questions:
        rng.shuffle(pairs)
    return pairs


def attempts_left(quiz: QuizPage, used: int) -> int | None:
    """None means unlimited."""
    if not quiz.attempts_allowed:
        return None
    return max(quiz.attempts_allowed - used, 0)


def start_attempt(
    user, quiz: QuizPage, *, now: datetime | None = None, rng: random.Random | None = None
) -> Attempt:
    """Resume the learner's open attempt, or start the next one if the quiz allows another."""
    now = _now(now)
    rng = rng or random.SystemRandom()
    open_attempt = Attempt.objects.filter(
        user=user, quiz=quiz, state=AttemptState.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        open_attempt = close_if_expired(open_attempt, now=now)
        if open_attempt.is_open:
            return open_attempt
    used = Attempt.objects.filter(user=user, quiz=quiz).count()
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise AttemptLimitReached(
            f"You have used all {quiz.attempts_allowed} attempts at this quiz."
        )
    case_snapshot = None
    if quiz.is_case_quiz:
        case = (
            ClinicalCase.objects.filter(pk=quiz.case_id, live=True).select_related("source").first()
        )
        if case is None:
            raise QuizHasNoQuestions("This case is not published yet.")
        case_snapshot = snapshot_case(case)
    questions = pick_questions(quiz, rng)
    if not questions:
        raise QuizHasNoQuestions("This quiz has no published questions yet.")
    last = (
        Attempt.objects.filter(user=user, quiz=quiz)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=(last or 0) + 1,
                started_at=now,
                deadline=now + quiz.time_limit if quiz.time_limit else None,
                pass_mark=quiz.pass_mark,
                review_policy=quiz.review_policy,
                max_score=sum((q.points for q, _ in questions), Decimal(0)),
                case_snapshot=case_snapshot,
                current_stage=1 if case_snapshot else 0,
            )
            responses = []
            for position, (question, stage) in enumerate(questions, start=1):
                snapshot = snapshot_question(question, options=list(question.options.all()))
                responses.append(
                    Response(
                        attempt=attempt,
                        position=position,
                        stage=stage,
                        question=question,
                        question_snapshot=snapshot,
                        display=make_display(snapshot, shuffle=quiz.shuffle_options, rng=rng),
                        max_score=question.points,
                    )
                )
            Response.objects.bulk_create(responses)
    except IntegrityError:
        # A concurrent request started (or resumed) an attempt first: that one stands.
        existing = Attempt.objects.filter(
            user=user, quiz=quiz, state=AttemptState.IN_PROGRESS
        ).first()
        if existing is None:
            raise AttemptLimitReached("You have used all the attempts at this quiz.") from None
        return existing
    return attempt


def _locked_attempt(attempt_id: int, user) -> Attempt:
    """The learner's own attempt, locked for the rest of the transaction (404 for anyone else's).

    Only the attempt row is locked (`of=self`): trainees on the same quiz never wait on each other.
    """
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz", "user")
        .get(pk=attempt_id, user=user)
    )


def _parse(
    responses: list[Response], data: QueryDict, current_stage: int = 0
) -> tuple[dict[int, Any], dict[int, str]]:
    """Answers per position, and the trainee's fixable mistakes per position.

    For a case attempt (`current_stage` > 0) only the current stage's questions may be
    answered: earlier stages are locked, later ones not yet disclosed.
    """
    by_position = {r.position: r for r in responses}
    unknown = positions_in(data) - by_position.keys()
    if unknown:
        raise MalformedAnswer(f"answer for question(s) not in this attempt: {sorted(unknown)}")
    if current_stage:
        stages = {by_position[p].stage for p in positions_in(data)}
        if any(stage < current_stage for stage in stages):
            raise StageLocked("Answers to earlier stages were committed and can no longer change.")
        if any(stage > current_stage for stage in stages):
            raise MalformedAnswer("answer for a stage that has not been disclosed")
    answers: dict[int, Any] = {}
    errors: dict[int, str] = {}
    # Every question on the page posts a `q<position>-shown` marker, so a question whose
    # boxes were all unticked (which browsers do not send) is read, and cleared.
    for position in sorted(positions_in(data)):
        response = by_position[position]
        try:
            answers[position] = parse_answer(
                response.question_snapshot, response.display, data, position
            )
        except AnswerError as exc:
            errors[position] = str(exc)
    return answers, errors


def _apply(responses: list[Response], answers: dict[int, Any], now: datetime) -> list[Response]:
    changed = []
    for response in responses:
        if response.position in answers and answers[response.position] != response.answer:
            response.answer = answers[response.position]
            response.answered_at = now
            changed.append(response)
    return changed


def save_answers(
    attempt_id: int, user, data: QueryDict, *, now: datetime | None = None, partial: bool = False
) -> SaveOutcome:
    """Save the answers in `data` to the learner's open attempt: all of them, or none.

    With `partial` (autosave while the trainee works), answers that need fixing are reported
    and left as they were while the others are saved. Tampered input always saves nothing.
    """
    now = _now(now)
    with transaction.atomic():
        attempt = _locked_attempt(attempt_id, user)
        if not attempt.is_open:
            raise AttemptClosed("This attempt has been submitted; answers can no longer change.")
        if attempt.deadline and now > attempt.deadline:
            raise AttemptClosed("Time is up: answers saved before the time limit will be graded.")
        responses = list(attempt.responses.all())
        answers, errors = _parse(responses, data, attempt.current_stage)
        if errors and not partial:
            return SaveOutcome(errors=errors)
        changed = _apply(responses, answers, now)
        if changed:
            Response.objects.bulk_update(changed, ["answer", "answered_at"])
    return SaveOutcome(saved=len(changed), errors=errors)


def _grade_and_close(
    attempt: Attempt, responses: list[Response], now: datetime, user, answers_changed: bool = False
) -> Attempt:
    for response in responses:
        credit = grade(response.question_snapshot, response.display, response.answer)
        response.fraction = credit.fraction
        response.needs_grading = credit.needs_grading
        response.score = score_for(response.max_score, credit.fraction)
    fields = ["fraction", "needs_grading", "score"]
    if answers_changed:
        fields += ["answer", "answered_at"]
    Response.objects.bulk_update(responses, fields)
    result = totals(((r.score, r.max_score) for r in responses), attempt.pass_mark)
    attempt.score, attempt.max_score, attempt.percent, attempt.passed = (
        result.score,
        result.max_score,
        result.percent,
        result.passed,
    )
    attempt.submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    attempt.state = (
        AttemptState.GRADED if result.passed is not None else AttemptState.AWAITING_GRADING
    )
    attempt.graded_at = now if attempt.state == AttemptState.GRADED else None
    attempt.save(
        update_fields=[
            "score",
            "max_score",
            "percent",
            "passed",
            "submitted_at",
            "state",
            "graded_at",
        ]
    )
    log(
        instance=attempt,
        action="quizzes.attempt.submit",
        user=user,
        data={"percent": str(attempt.percent)},
    )
    if attempt.state == AttemptState.GRADED:
        request_evaluation(attempt.user)
    return attempt


def submit_attempt(
    attempt_id: int, user, data: QueryDict | None = None, *, now: datetime | None = None
) -> tuple[Attempt, dict[int, str]]:
    """Grade and close the learner's attempt; a repeated or concurrent submit returns the same result.

    Answers sent with the submit are saved first (within the time limit and its grace). If any
    of them needs fixing, nothing is saved or submitted and the errors come back instead.
    """
    now = _now(now)
    with transaction.atomic():
        attempt = _locked_attempt(attempt_id, user)
        if not attempt.is_open:
            # A repeated submit changes nothing, but judges progress again: it repairs what a
            # failure after the first submit's commit may have left unrecorded.
            request_evaluation(attempt.user)
            return attempt, {}
        responses = list(attempt.responses.all())
        in_time = attempt.deadline is None or now <= attempt.deadline + SUBMIT_GRACE
        changed: list[Response] = []
        if data is not None and in_time:
            answers, errors = _parse(responses, data, attempt.current_stage)
            if errors:
                return attempt, errors
            changed = _apply(responses, answers, now)
        return _grade_and_close(attempt, responses, now, user, answers_changed=bool(changed)), {}


def advance_stage(
    attempt_id: int, user, data: QueryDict, stage: int, *, now: datetime | None = None
) -> tuple[Attempt, dict[int, str]]:
    """Commit the current stage's answers and disclose the next stage of a case.

    `stage` is the stage the trainee is committing: a repeated request (a double click, a
    second tab) finds the attempt already past it and changes nothing. Fixable mistakes come
    back as errors, with nothing saved and the stage still open.
    """
    now = _now(now)
    with transaction.atomic():
        attempt = _locked_attempt(attempt_id, user)
        if not attempt.is_case:
            raise MalformedAnswer("this quiz has no stages")
        if not attempt.is_open:
            raise AttemptClosed("This attempt has been submitted.")
        if attempt.deadline and now > attempt.deadline:
            raise AttemptClosed("Time is up: answers saved before the time limit will be graded.")
        if stage != attempt.current_stage:
            if stage < attempt.current_stage:
                return attempt, {}
            raise MalformedAnswer("that stage has not been disclosed")
        if attempt.current_stage >= attempt.stage_count:
            raise MalformedAnswer("this is the last stage: submit the attempt instead")
        responses = list(attempt.responses.all())
        answers, errors = _parse(responses, data, attempt.current_stage)
        if errors:
            return attempt, errors
        changed = _apply(responses, answers, now)
        if changed:
            Response.objects.bulk_update(changed, ["answer", "answered_at"])
        attempt.current_stage += 1
        attempt.save(update_fields=["current_stage"])
        log(
            instance=attempt,
            action="quizzes.attempt.advance",
            user=user,
            data={"stage": attempt.current_stage},
        )
    return attempt, {}


def close_if_expired(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Submit an open attempt whose time ran out, with the answers saved in time."""
    now = _now(now)
    if not attempt.is_open or attempt.deadline is None or now <= attempt.deadline + SUBMIT_GRACE:
        return attempt
    with transaction.atomic():
        locked = _locked_attempt(attempt.pk, attempt.user)
        if not locked.is_open:
            return locked
        return _grade_and_close(locked, list(locked.responses.all()), now, None)


@dataclass
class OverdueClosing:
    """What one run of `close_overdue_attempts` did."""

    closed: int = 0
    failed: list[int] = field(default_factory=list)  # attempt ids, left for the next run


def close_overdue_attempts(*, now: datetime | None = None) -> OverdueClosing:
    """Grade and close every open attempt whose time limit, and its grace, has run out.

    The periodic counterpart of `close_if_expired` (Moodle's "overdue" handling): each attempt is
    graded with the answers saved before its deadline, under the lock a submit takes, so an
    attempt submitted meanwhile, or closed by another run at the same moment, is graded once.
    Each attempt has its own transaction: one that fails is logged and the rest still close.
    """
    now = _now(now)
    result = OverdueClosing()
    overdue = (
        Attempt.objects.open()
        .filter(deadline__lt=now - SUBMIT_GRACE)
        .select_related("user")
        .order_by("deadline", "pk")
    )
    for attempt in overdue:
        try:
            with transaction.atomic():
                locked = _locked_attempt(attempt.pk, attempt.user)
                if locked.is_open:
                    _grade_and_close(locked, list(locked.responses.all()), now, None)
                    result.closed += 1
        except Exception:  # one broken attempt must not keep the others open
            logger.exception("closing overdue attempt %s failed", attempt.pk)
            result.failed.append(attempt.pk)
    return result


class GradingError(QuizError):
    pass


OWN_ANSWER = (
    "This is your own answer: another instructor must grade it, as no one marks their own work."
)


def grading_refusal(grader, response: Response) -> str | None:
    """Why `grader` may not grade `response`, or None when they may.

    The one rule for the service, the grading page and the queue: nobody grades their own
    answer, whatever their role (as nobody assesses themselves in a skill assessment).
    """
    if response.attempt.user_id == grader.pk:
        return OWN_ANSWER
    return None


def gradable_by(responses: QuerySet[Response], grader) -> QuerySet[Response]:
    """`responses` without those `grading_refusal` refuses to `grader`, as a query."""
    return responses.exclude(attempt__user=grader)


def grade_essay(
    response_id: int, grader, mark: Decimal, comment: str, *, now: datetime | None = None
) -> Response:
    """Record an instructor's mark for an essay answer and complete the attempt when none remain.

    `mark` is on the essay's rubric (0 to its total, quizzes.grading.rubric_scale); the
    response scores that share of the question's points in the quiz.
    """
    now = _now(now)
    with transaction.atomic():
        attempt_id = Response.objects.values_list("attempt_id", flat=True).get(pk=response_id)
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
        response = Response.objects.get(pk=response_id)  # read under the attempt's lock
        response.attempt = attempt
        refusal = grading_refusal(grader, response)
        if refusal:
            raise GradingError(refusal)
        if attempt.state == AttemptState.IN_PROGRESS:
            raise GradingError("This attempt has not been submitted yet.")
        if response.question_snapshot["type"] != "essay":
            raise GradingError("Only essay answers are graded by hand.")
        scale = rubric_scale(response.question_snapshot)
        if not (Decimal(0) <= mark <= scale.total):
            raise GradingError(f"The mark must be between 0 and {scale.total} rubric points.")
        response.rubric_score = mark.quantize(Decimal("0.01"))
        response.fraction, response.score = rubric_credit(
            scale, response.rubric_score, response.max_score
        )
        response.needs_grading = False
        response.grader_comment = comment.strip()
        response.graded_by = grader
        response.graded_at = now
        response.save(
            update_fields=[
                "rubric_score",
                "score",
                "fraction",
                "needs_grading",
                "grader_comment",
                "graded_by",
                "graded_at",
            ]
        )
        scores = list(attempt.responses.values_list("score", "max_score"))
        result = totals(scores, attempt.pass_mark)
        attempt.score, attempt.percent, attempt.passed = result.score, result.percent, result.passed
        if result.passed is not None:
            attempt.state = AttemptState.GRADED
            attempt.graded_at = now
            request_evaluation(attempt.user)
        attempt.save(update_fields=["score", "percent", "passed", "state", "graded_at"])
        log(
            instance=attempt,
            action="quizzes.response.grade",
            user=grader,
            data={
                "response": response.pk,
                "score": str(response.score),
                "rubric_score": str(response.rubric_score),
            },
        )
    return response
