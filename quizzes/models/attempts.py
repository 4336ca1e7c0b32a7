"""Learner attempts and their responses: a snapshot of every question as shown and graded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from quizzes.grading import RubricScale, rubric_scale
from quizzes.models.bank import Question
from quizzes.models.choices import ReviewPolicy
from quizzes.models.quiz_page import QuizPage


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_GRADING = "awaiting_grading", "Submitted, awaiting grading"
    GRADED = "graded", "Graded"


class AttemptQuerySet(models.QuerySet):
    def for_user(self, user) -> AttemptQuerySet:
        return self.filter(user=user)

    def finished(self) -> AttemptQuerySet:
        return self.exclude(state=AttemptState.IN_PROGRESS)

    def open(self) -> AttemptQuerySet:
        return self.filter(state=AttemptState.IN_PROGRESS)

    def passed(self) -> AttemptQuerySet:
        return self.filter(state=AttemptState.GRADED, passed=True)


class Attempt(models.Model):
    """One learner's attempt at a quiz: its rules copied at start, its total once graded."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(
        max_length=20, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # Copied from the quiz at start, so editing the quiz never changes this attempt.
    pass_mark = models.PositiveSmallIntegerField()
    review_policy = models.CharField(max_length=20, choices=ReviewPolicy.choices)
    critical_rule = models.BooleanField(
        default=False,
        help_text=(
            "Started under the critical rule: every question its snapshot marks critical must "
            "earn full credit for the attempt to pass. False for attempts started before the rule."
        ),
    )
    accommodation = models.JSONField(
        null=True,
        blank=True,
        help_text=(
            "The accommodation in force at start (quizzes.overrides.Granted.record): the "
            "overrides applied and what they granted. Editing an override never changes it."
        ),
    )
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # Case quizzes: the stage disclosed so far (1 = first), and the case as it was at start.
    current_stage = models.PositiveSmallIntegerField(default=0)
    case_snapshot = models.JSONField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique_per_user_quiz"
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(state="in_progress"),
                name="one_open_attempt_per_user_quiz",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "state"]), models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.quiz} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def is_case(self) -> bool:
        return self.case_snapshot is not None

    @property
    def stage_count(self) -> int:
        return len(self.case_snapshot["stages"]) if self.case_snapshot else 0

    def time_left(self, now=None):
        if self.deadline is None:
            return None
        return max(self.deadline - (now or timezone.now()), timedelta(0))


class Response(models.Model):
    """One question in an attempt: the question as shown (snapshot), the answer and its grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveSmallIntegerField()
    stage = models.PositiveSmallIntegerField(
        default=0, help_text="Case quizzes: the stage it belongs to."
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    question_snapshot = models.JSONField()
    display = models.JSONField(
        default=dict, help_text="What the trainee saw: option order and opaque ids."
    )
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2)
    fraction = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    needs_grading = models.BooleanField(default=False)
    grader_comment = models.TextField(blank=True)
    rubric_score = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Essay: the grader's mark on the rubric's scale; `score` is it at the question's weight.",
    )
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_position_unique")
        ]
        indexes = [
            models.Index(
                fields=["needs_grading"],
                condition=Q(needs_grading=True),
                name="response_needs_grading",
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt} Q{self.position}"

    @property
    def question_type(self) -> str:
        return self.question_snapshot["type"]

    @property
    def rubric_scale(self) -> RubricScale:
        """Essays: the scale a grader marks this answer on (quizzes.grading.rubric_scale)."""
        return rubric_scale(self.question_snapshot)

    @property
    def question_title(self) -> str:
        """The question's admin title as it is now; the snapshot's once the question is gone.

        Trainees never see titles, so an old attempt may show a title corrected since.
        """
        if self.question is not None:
            return self.question.title
        return self.question_snapshot["title"]
