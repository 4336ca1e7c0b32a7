"""The steps every write to an attempt shares: lock it, read the answers sent, grade and close.

Every write is atomic and safe to repeat: the attempt row is locked (select_for_update on
PostgreSQL; SQLite runs IMMEDIATE transactions, one writer at a time), its state checked, and
the change committed once. Side effects wait for the commit (courses.evaluation).

Closing an attempt whose time ran out is a system step, with no user to check: it lives here
(`close_if_expired`, `close_overdue_attempts`); what a learner or grader does goes through
quizzes.actions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from accounts.audit import log_entry
from courses.evaluation import request_evaluation
from quizzes.answers import AnswerError, MalformedAnswer, parse_answer, positions_in
from quizzes.errors import StageLocked
from quizzes.grading import Totals, grade, is_critical, misses_critical, score_for, totals
from quizzes.models import Attempt, AttemptState, Response
from quizzes.response_writes import update_responses

logger = logging.getLogger(__name__)

# A submit that the page's timer sends as time runs out may arrive a moment late.
SUBMIT_GRACE = timedelta(seconds=15)

SUBMIT_LOG_ACTION = "quizzes.attempt.submit"


def now_or(now: datetime | None) -> datetime:
    """`now`, or the current time when it is None."""
    return now or timezone.now()


def locked_attempt(attempt_id: int, user, quiz_id: int | None = None) -> Attempt:
    """The learner's own attempt, locked for the rest of the transaction (404 for anyone else's).

    `user` is the learner or their id; with `quiz_id`, an attempt at another quiz is not found
    either (a route names both the quiz and the attempt). Only the attempt row is locked
    (`of=self`): trainees on the same quiz never wait on each other.
    """
    attempts = Attempt.objects.select_for_update(of=("self",)).select_related("quiz", "user")
    if quiz_id is not None:
        attempts = attempts.filter(quiz_id=quiz_id)
    return attempts.get(pk=attempt_id, user=user)


def parse_answers(
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


def apply_answers(
    responses: list[Response], answers: dict[int, Any], now: datetime
) -> list[Response]:
    """Set the changed answers on `responses` (unsaved) and return those that changed."""
    changed = []
    for response in responses:
        if response.position in answers and answers[response.position] != response.answer:
            response.answer = answers[response.position]
            response.answered_at = now
            changed.append(response)
    return changed


def critical_responses(attempt: Attempt, responses: list[Response]) -> list[Response]:
    """The responses `attempt` must get fully right: those its snapshots mark critical, when the
    attempt started under the critical rule (an older attempt keeps the rule it started with)."""
    if not attempt.critical_rule:
        return []
    return [r for r in responses if is_critical(r.question_snapshot)]


def missed_critical(attempt: Attempt, responses: list[Response]) -> list[Response]:
    """The critical responses graded below full credit: why the attempt did not pass."""
    return [
        r for r in critical_responses(attempt, responses) if misses_critical(r.score, r.max_score)
    ]


def attempt_totals(attempt: Attempt, responses: list[Response]) -> Totals:
    """The attempt's totals by the rules copied onto it at start: its pass mark and its
    critical questions (quizzes.grading.totals decides `passed`)."""
    return totals(
        ((r.score, r.max_score) for r in responses),
        attempt.pass_mark,
        critical=[(r.score, r.max_score) for r in critical_responses(attempt, responses)],
    )


def grade_responses(attempt: Attempt, responses: list[Response], now: datetime) -> None:
    """Grade `responses` and total `attempt` as submitted at `now`, in memory (nothing saved)."""
    for response in responses:
        credit = grade(response.question_snapshot, response.display, response.answer)
        response.fraction = credit.fraction
        response.needs_grading = credit.needs_grading
        response.score = score_for(response.max_score, credit.fraction)
    result = attempt_totals(attempt, responses)
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


def grade_and_close(
    attempt: Attempt, responses: list[Response], now: datetime, answers_changed: bool = False
) -> Attempt:
    """Grade every response of the locked, open `attempt` and close it (not logged here)."""
    grade_responses(attempt, responses, now)
    fields = ["fraction", "needs_grading", "score"]
    if answers_changed:
        fields += ["answer", "answered_at"]
    update_responses(responses, fields)
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
    return attempt


def log_submitted(attempt: Attempt, user) -> None:
    """The audit entry for a submitted attempt (`user` None: closed when its time ran out), in
    one INSERT (accounts.audit.log_entry: the attempt and the learner are already held)."""
    log_entry(attempt, SUBMIT_LOG_ACTION, user=user, data={"percent": str(attempt.percent)})


def after_grading(attempt: Attempt) -> None:
    """Judge the learner's progress once a graded attempt commits (at least once)."""
    if attempt.state == AttemptState.GRADED:
        request_evaluation(attempt.user)


def _close_locked(attempt: Attempt, now: datetime) -> Attempt:
    """Grade and close a locked open attempt whose time ran out, logged as the system's."""
    grade_and_close(attempt, list(attempt.responses.all()), now)
    log_submitted(attempt, None)
    after_grading(attempt)
    return attempt


def close_if_expired(attempt: Attempt, *, now: datetime | None = None) -> Attempt:
    """Submit an open attempt whose time ran out, with the answers saved in time."""
    now = now_or(now)
    if not attempt.is_open or attempt.deadline is None or now <= attempt.deadline + SUBMIT_GRACE:
        return attempt
    with transaction.atomic():
        locked = locked_attempt(attempt.pk, attempt.user_id)
        if not locked.is_open:
            return locked
        return _close_locked(locked, now)


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
    now = now_or(now)
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
                locked = locked_attempt(attempt.pk, attempt.user)
                if locked.is_open:
                    _close_locked(locked, now)
                    result.closed += 1
        except Exception:  # one broken attempt must not keep the others open
            logger.exception("closing overdue attempt %s failed", attempt.pk)
            result.failed.append(attempt.pk)
    return result
