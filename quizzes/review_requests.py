"""Sending a question back to Clinical review, in one step, from the item statistics report.

A question whose figures look wrong (too easy, too hard, not discriminating, a distractor nobody
picks) goes to the same Clinical review workflow an instructor's edit goes to, so a reviewer
looks at it before the next cohort does. Idempotent: a question already in review (in progress
or sent back for changes) is not sent again, and the database's one-workflow-in-progress
constraint settles two clicks that race. Every request is recorded in the audit log with the
reasons shown in the report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from wagtail.log_actions import log
from wagtail.models import WorkflowState

from quizzes.models import Question

REVIEW_REQUESTED = "quizzes.question.review_requested"


class ReviewUnavailable(ValueError):
    """The question cannot go to review (no Clinical review workflow is set up for questions)."""


@dataclass(frozen=True)
class ReviewOutcome:
    question: Question
    started: bool  # False: it was already in review, nothing was changed

    @property
    def message(self) -> str:
        if self.started:
            return f"“{self.question.title}” was sent back to Clinical review."
        return f"“{self.question.title}” is already in Clinical review: nothing was changed."


def in_review(question: Question) -> bool:
    """Whether a review of the question is under way (in progress, or sent back for changes)."""
    return WorkflowState.objects.active().for_instance(question).exists()


def in_review_ids(question_ids: Iterable[int]) -> set[int]:
    """Which of these questions have a review under way, as `in_review` says (one query)."""
    return {
        int(pk)
        for pk in WorkflowState.objects.active()
        .filter(
            base_content_type__app_label="quizzes",
            base_content_type__model="question",
            object_id__in=[str(pk) for pk in question_ids],
        )
        .values_list("object_id", flat=True)
    }


def send_to_review(question: Question, user, reasons: list[str], quiz_title: str) -> ReviewOutcome:
    """Put `question` into its Clinical review workflow, unless it is already in review."""
    workflow = question.get_workflow()
    if workflow is None or not workflow.active:
        raise ReviewUnavailable("Questions have no Clinical review workflow: run setup_roles.")
    try:
        with transaction.atomic():
            Question.objects.select_for_update().filter(pk=question.pk).first()
            if in_review(question):
                return ReviewOutcome(question, started=False)
            if question.get_latest_revision() is None:
                question.save_revision(user=user)
            workflow.start(question, user)
            log(
                instance=question,
                action=REVIEW_REQUESTED,
                user=user,
                data={"quiz": quiz_title, "reasons": reasons[:10]},
            )
    except IntegrityError:  # another request started the review first
        return ReviewOutcome(question, started=False)
    return ReviewOutcome(question, started=True)
