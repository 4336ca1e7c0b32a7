"""Starting and answering quiz attempts, and the service functions for every attempt write.

Every write here is atomic and safe to repeat: the attempt row is locked (select_for_update on
PostgreSQL; SQLite runs IMMEDIATE transactions, one writer at a time), its state checked, and
the change committed once. Unique constraints back up the rules: one open attempt per learner
and quiz, numbers that never exceed the quiz's limit. Side effects wait for the commit.

Submitting, committing a case stage and grading an essay are actions with a permission check
(quizzes.actions); the functions of the same name here run them for callers that hold ids.
Closing attempts whose time ran out lives in quizzes.lifecycle.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Prefetch
from django.http import QueryDict

from quizzes.actions import AdvanceStageAction, GradeEssayAction, SubmitAttemptAction
from quizzes.contracts import CaseSnapshot
from quizzes.errors import (
    AttemptClosed,
    AttemptLimitReached,
    GradingError,
    QuizClosed,
    QuizError,
    QuizHasNoQuestions,
    StageLocked,
)
from quizzes.lifecycle import (
    SUBMIT_GRACE,
    OverdueClosing,
    apply_answers,
    close_if_expired,
    close_overdue_attempts,
    locked_attempt,
    now_or,
    parse_answers,
)
from quizzes.models import Attempt, AttemptState, ClinicalCase, Question, QuizPage, Response
from quizzes.overrides import QuizRules, rules_for
from quizzes.response_writes import update_responses
from quizzes.snapshots import make_display, snapshot_case, snapshot_question

__all__ = [
    "SUBMIT_GRACE",
    "AttemptClosed",
    "AttemptLimitReached",
    "GradingError",
    "OverdueClosing",
    "QuizClosed",
    "QuizError",
    "QuizHasNoQuestions",
    "SaveOutcome",
    "StageLocked",
    "advance_stage",
    "close_if_expired",
    "close_overdue_attempts",
    "grade_essay",
    "new_attempt",
    "new_responses",
    "pick_questions",
    "save_answers",
    "start_attempt",
    "submit_attempt",
]


@dataclass
class SaveOutcome:
    """What a save did: how many answers changed, and the fixable mistakes per position."""

    saved: int = 0
    errors: dict[int, str] = field(default_factory=dict)


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


def new_attempt(
    user,
    quiz: QuizPage,
    number: int,
    questions: list[tuple[Question, int]],
    case_snapshot: CaseSnapshot | None,
    now: datetime,
    rules: QuizRules | None = None,
) -> Attempt:
    """An unsaved attempt at `quiz` with its rules copied from the quiz as they are now, and
    the learner's accommodation (`rules`) as it is now: its deadline and its record."""
    rules = rules or QuizRules(quiz, None)
    return Attempt(
        user=user,
        quiz=quiz,
        number=number,
        started_at=now,
        deadline=rules.deadline(now),
        accommodation=rules.record(),
        pass_mark=quiz.pass_mark,
        review_policy=quiz.review_policy,
        critical_rule=True,
        max_score=sum((q.points for q, _ in questions), Decimal(0)),
        case_snapshot=case_snapshot,
        current_stage=1 if case_snapshot else 0,
    )


def new_responses(
    attempt: Attempt, questions: list[tuple[Question, int]], quiz: QuizPage, rng: random.Random
) -> list[Response]:
    """Unsaved responses for `questions`: each question's snapshot and its display order."""
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
    return responses


def start_attempt(
    user, quiz: QuizPage, *, now: datetime | None = None, rng: random.Random | None = None
) -> Attempt:
    """Resume the learner's open attempt, or start the next one if the quiz allows another."""
    now = now_or(now)
    rng = rng or random.SystemRandom()
    open_attempt = Attempt.objects.filter(
        user=user, quiz=quiz, state=AttemptState.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        open_attempt = close_if_expired(open_attempt, now=now)
        if open_attempt.is_open:
            return open_attempt
    rules = rules_for(user, quiz)
    if rules.is_closed(now):
        raise QuizClosed("This quiz is closed: no new attempt can start.")
    # How many attempts were used and the last number, in one query.
    taken = Attempt.objects.filter(user=user, quiz=quiz).aggregate(
        used=Count("pk"), last=Max("number")
    )
    used = taken["used"]
    if rules.attempts_allowed and used >= rules.attempts_allowed:
        raise AttemptLimitReached(
            f"You have used all {rules.attempts_allowed} attempts at this quiz."
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
    try:
        with transaction.atomic():
            attempt = new_attempt(
                user, quiz, (taken["last"] or 0) + 1, questions, case_snapshot, now, rules
            )
            attempt.save(force_insert=True)
            Response.objects.bulk_create(new_responses(attempt, questions, quiz, rng))
    except IntegrityError:
        # A concurrent request started (or resumed) an attempt first: that one stands.
        existing = Attempt.objects.filter(
            user=user, quiz=quiz, state=AttemptState.IN_PROGRESS
        ).first()
        if existing is None:
            raise AttemptLimitReached("You have used all the attempts at this quiz.") from None
        return existing
    return attempt


def save_answers(
    attempt_id: int,
    user,
    data: QueryDict,
    *,
    now: datetime | None = None,
    partial: bool = False,
    quiz_id: int | None = None,
) -> SaveOutcome:
    """Save the answers in `data` to the learner's open attempt: all of them, or none.

    With `partial` (autosave while the trainee works), answers that need fixing are reported
    and left as they were while the others are saved. Tampered input always saves nothing.
    Attempt.DoesNotExist when the attempt is not the learner's (or, with `quiz_id`, not at
    that quiz). The changed answers are written in one UPDATE (quizzes.response_writes).
    """
    now = now_or(now)
    with transaction.atomic():
        attempt = locked_attempt(attempt_id, user, quiz_id)
        if not attempt.is_open:
            raise AttemptClosed("This attempt has been submitted; answers can no longer change.")
        if attempt.deadline and now > attempt.deadline:
            raise AttemptClosed("Time is up: answers saved before the time limit will be graded.")
        responses = list(attempt.responses.all())
        answers, errors = parse_answers(responses, data, attempt.current_stage)
        if errors and not partial:
            return SaveOutcome(errors=errors)
        changed = apply_answers(responses, answers, now)
        update_responses(changed, ["answer", "answered_at"])
    return SaveOutcome(saved=len(changed), errors=errors)


def _attempt_of(attempt_id: int, user) -> Attempt:
    """The learner's own attempt (Attempt.DoesNotExist for anyone else's)."""
    return Attempt.objects.select_related("user").get(pk=attempt_id, user=user)


def submit_attempt(
    attempt_id: int, user, data: QueryDict | None = None, *, now: datetime | None = None
) -> tuple[Attempt, dict[int, str]]:
    """Submit the learner's attempt (quizzes.actions.SubmitAttemptAction); (attempt, errors)."""
    action = SubmitAttemptAction(_attempt_of(attempt_id, user), user=user, data=data, now=now)
    return action.execute()


def advance_stage(
    attempt_id: int, user, data: QueryDict, stage: int, *, now: datetime | None = None
) -> tuple[Attempt, dict[int, str]]:
    """Commit a case stage (quizzes.actions.AdvanceStageAction); (attempt, errors)."""
    attempt = _attempt_of(attempt_id, user)
    return AdvanceStageAction(attempt, user=user, data=data, stage=stage, now=now).execute()


def grade_essay(
    response_id: int, grader, mark: Decimal, comment: str, *, now: datetime | None = None
) -> Response:
    """Grade an essay answer as `grader` (quizzes.actions.GradeEssayAction, with its check)."""
    response = Response.objects.select_related("attempt").get(pk=response_id)
    action = GradeEssayAction(response, user=grader, mark=mark, comment=comment, now=now)
    return action.execute()
