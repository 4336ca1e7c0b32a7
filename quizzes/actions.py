"""What learners and graders do to attempts, each with its permission check and audit entry.

The shape of Wagtail's actions (wagtail.actions): an action is built with the object and the
user, `check()` raises PermissionDenied when the user may not act (the one place each rule
lives), and `execute()` checks, makes the change in one transaction under the attempt's lock,
and logs it once (wagtail.log_actions.log). Views only build and execute actions.

- SubmitAttemptAction: the learner grades and closes their attempt (`quizzes.attempt.submit`).
- AdvanceStageAction: the learner commits a case stage (`quizzes.attempt.advance`).
- GradeEssayAction: a grader marks an essay answer (`quizzes.response.grade`); nobody
  grades their own answer. The learner is notified (`essay.graded`, e-mailed by their choice
  from the task queue).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log

from accounts.audit import log_entry
from accounts.notifications import notify
from courses.evaluation import request_evaluation
from quizzes.answers import MalformedAnswer
from quizzes.errors import (
    AttemptClosed,
    AttemptPermissionError,
    GradingError,
    GradingPermissionError,
)
from quizzes.grading import rubric_credit, rubric_scale
from quizzes.lifecycle import (
    SUBMIT_GRACE,
    after_grading,
    apply_answers,
    attempt_totals,
    grade_and_close,
    locked_attempt,
    log_submitted,
    now_or,
    parse_answers,
)
from quizzes.models import Attempt, AttemptState, Response
from quizzes.response_writes import update_responses

GRADE_PERMISSION = "quizzes.grade_response"

OWN_ANSWER = (
    "This is your own answer: another instructor must grade it, as no one marks their own work."
)
NOT_A_GRADER = "You do not have permission to grade essay answers."


def _is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


class AttemptAction(BaseAction):
    """A change the attempt's own learner makes; nobody else may make it, whatever their role."""

    permission_error_class = AttemptPermissionError

    def __init__(self, object: Attempt, user=None, *, now: datetime | None = None) -> None:
        super().__init__(object, user=user)
        self.object = object
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        """Raise AttemptPermissionError unless the user is the attempt's learner."""
        if skip_permission_checks:
            return
        if not _is_signed_in(self.user) or self.user.pk != self.object.user_id:
            raise self.permission_error_class(
                f"Only the learner who started this attempt may {self.action_name} it."
            )


class SubmitAttemptAction(AttemptAction):
    """Grade and close the learner's attempt; a repeated or concurrent submit returns the same result.

    Answers sent with the submit (`data`) are saved first, within the time limit and its grace.
    If any of them needs fixing, nothing is saved or submitted and the errors come back instead.
    """

    action_name = "submit"

    def __init__(
        self,
        object: Attempt,
        user=None,
        data: QueryDict | None = None,
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__(object, user=user, now=now)
        self.data = data

    def execute(self, skip_permission_checks: bool = False) -> tuple[Attempt, dict[int, str]]:
        """Check, then grade and close the attempt under its lock; (attempt, errors)."""
        self.check(skip_permission_checks=skip_permission_checks)
        now = now_or(self.now)
        with transaction.atomic():
            # By id, learner and quiz: an action built from a route's ids (quizzes.views) finds
            # nothing at another learner's or another quiz's attempt (Attempt.DoesNotExist).
            attempt = locked_attempt(self.object.pk, self.object.user_id, self.object.quiz_id)
            if not attempt.is_open:
                # A repeated submit changes nothing, but judges progress again: it repairs what a
                # failure after the first submit's commit may have left unrecorded.
                request_evaluation(attempt.user)
                return attempt, {}
            responses = list(attempt.responses.all())
            in_time = attempt.deadline is None or now <= attempt.deadline + SUBMIT_GRACE
            changed: list[Response] = []
            if self.data is not None and in_time:
                answers, errors = parse_answers(responses, self.data, attempt.current_stage)
                if errors:
                    return attempt, errors
                changed = apply_answers(responses, answers, now)
            grade_and_close(attempt, responses, now, answers_changed=bool(changed))
            self.log(attempt)
            after_grading(attempt)
        return attempt, {}

    def log(self, attempt: Attempt) -> None:
        """The audit entry `quizzes.attempt.submit`, by the learner."""
        log_submitted(attempt, self.user)


class AdvanceStageAction(AttemptAction):
    """Commit the current stage's answers of a case attempt and disclose the next stage.

    `stage` is the stage the trainee is committing: a repeated request (a double click, a
    second tab) finds the attempt already past it and changes nothing. Fixable mistakes come
    back as errors, with nothing saved and the stage still open.
    """

    action_name = "advance"

    def __init__(
        self,
        object: Attempt,
        user=None,
        data: QueryDict | None = None,
        stage: int = 0,
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__(object, user=user, now=now)
        self.data = data if data is not None else QueryDict()
        self.stage = stage

    def execute(self, skip_permission_checks: bool = False) -> tuple[Attempt, dict[int, str]]:
        """Check, then commit the stage under the attempt's lock; (attempt, errors)."""
        self.check(skip_permission_checks=skip_permission_checks)
        now = now_or(self.now)
        with transaction.atomic():
            attempt = locked_attempt(self.object.pk, self.object.user_id)
            if not attempt.is_case:
                raise MalformedAnswer("this quiz has no stages")
            if not attempt.is_open:
                raise AttemptClosed("This attempt has been submitted.")
            if attempt.deadline and now > attempt.deadline:
                raise AttemptClosed(
                    "Time is up: answers saved before the time limit will be graded."
                )
            if self.stage != attempt.current_stage:
                if self.stage < attempt.current_stage:
                    return attempt, {}
                raise MalformedAnswer("that stage has not been disclosed")
            if attempt.current_stage >= attempt.stage_count:
                raise MalformedAnswer("this is the last stage: submit the attempt instead")
            responses = list(attempt.responses.all())
            answers, errors = parse_answers(responses, self.data, attempt.current_stage)
            if errors:
                return attempt, errors
            changed = apply_answers(responses, answers, now)
            update_responses(changed, ["answer", "answered_at"])
            attempt.current_stage += 1
            attempt.save(update_fields=["current_stage"])
            self.log(attempt)
        return attempt, {}

    def log(self, attempt: Attempt) -> None:
        """The audit entry `quizzes.attempt.advance`, with the stage now disclosed (one INSERT)."""
        log_entry(
            attempt,
            "quizzes.attempt.advance",
            user=self.user,
            data={"stage": attempt.current_stage},
        )


class GradeEssayAction(BaseAction):
    """Record a grader's mark for an essay answer; complete the attempt when none remain.

    `mark` is on the essay's rubric (0 to its total, quizzes.grading.rubric_scale); the
    response scores that share of the question's points in the quiz. Graders hold
    `quizzes.grade_response`, and nobody grades their own answer, whatever their role (as
    nobody assesses themselves in a skill assessment): the queue, the grading page and
    every other caller ask `check()` or `refusal()`.
    """

    action_name = "grade"
    permission_error_class = GradingPermissionError

    def __init__(
        self,
        object: Response,
        user=None,
        mark: Decimal | None = None,
        comment: str = "",
        *,
        now: datetime | None = None,
    ) -> None:
        super().__init__(object, user=user)
        self.object = object
        self.mark = mark
        self.comment = comment
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        """Raise GradingPermissionError unless the user is a grader and not the answer's author."""
        if skip_permission_checks:
            return
        if not _is_signed_in(self.user) or not self.user.has_perm(GRADE_PERMISSION):
            raise self.permission_error_class(NOT_A_GRADER)
        if self.object.attempt.user_id == self.user.pk:
            raise self.permission_error_class(OWN_ANSWER)

    def refusal(self) -> str | None:
        """Why the user may not grade this answer, or None when they may."""
        try:
            self.check()
        except GradingPermissionError as exc:
            return str(exc)
        return None

    @staticmethod
    def gradable(responses: QuerySet[Response], user) -> QuerySet[Response]:
        """`responses` without the user's own answers: the own-answer rule as a query."""
        return responses.exclude(attempt__user=user)

    def execute(self, skip_permission_checks: bool = False) -> Response:
        """Check, then grade under the attempt's lock and log; the graded response."""
        self.check(skip_permission_checks=skip_permission_checks)
        now = now_or(self.now)
        with transaction.atomic():
            attempt = Attempt.objects.select_for_update().get(pk=self.object.attempt_id)
            response = Response.objects.get(pk=self.object.pk)  # read under the attempt's lock
            response.attempt = attempt
            if attempt.state == AttemptState.IN_PROGRESS:
                raise GradingError("This attempt has not been submitted yet.")
            if response.question_snapshot["type"] != "essay":
                raise GradingError("Only essay answers are graded by hand.")
            scale = rubric_scale(response.question_snapshot)
            mark = self.mark
            if mark is None or not (Decimal(0) <= mark <= scale.total):
                raise GradingError(f"The mark must be between 0 and {scale.total} rubric points.")
            response.rubric_score = mark.quantize(Decimal("0.01"))
            response.fraction, response.score = rubric_credit(
                scale, response.rubric_score, response.max_score
            )
            response.needs_grading = False
            response.grader_comment = self.comment.strip()
            response.graded_by = self.user
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
            responses = list(attempt.responses.only("score", "max_score", "question_snapshot"))
            result = attempt_totals(attempt, responses)
            attempt.score, attempt.percent, attempt.passed = (
                result.score,
                result.percent,
                result.passed,
            )
            if result.passed is not None:
                attempt.state = AttemptState.GRADED
                attempt.graded_at = now
                request_evaluation(attempt.user)
            attempt.save(update_fields=["score", "percent", "passed", "state", "graded_at"])
            self.log(response)
            self.notify_learner(response)
        return response

    @staticmethod
    def notify_learner(response: Response) -> None:
        """Tell the learner their essay answer is graded (once per answer; a later regrade
        changes the mark but says nothing new), with their result once the attempt is graded."""
        attempt = response.attempt
        quiz = attempt.quiz
        message = f"Your essay answer in “{quiz.title}” is graded"
        if attempt.state == AttemptState.GRADED:
            message += f": the attempt is {'passed' if attempt.passed else 'not passed'}"
        parts = quiz.get_url_parts()  # (site id, root URL, local path); None if not routable
        path = parts[2] if parts else None
        notify(
            attempt.user,
            "essay.graded",
            message + ".",
            url=path + quiz.reverse_subpage("result", args=[attempt.pk]) if path else "",
            key=f"essay.graded:{response.pk}",
        )

    def log(self, response: Response) -> None:
        """The audit entry `quizzes.response.grade` on the attempt, with the marks given."""
        log(
            instance=response.attempt,
            action="quizzes.response.grade",
            user=self.user,
            data={
                "response": response.pk,
                "score": str(response.score),
                "rubric_score": str(response.rubric_score),
            },
        )
