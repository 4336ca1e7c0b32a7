"""What the quiz rules refuse: each error's message is shown to the trainee or the grader."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class QuizError(Exception):
    """A request the rules refuse; the message is shown to the trainee."""


class AttemptLimitReached(QuizError):
    """The learner has used every attempt the quiz allows."""


class QuizClosed(QuizError):
    """The quiz's close date (the learner's, with an accommodation) has passed."""


class AttemptClosed(QuizError):
    """The attempt was submitted, or its time ran out: its answers can no longer change."""


class QuizHasNoQuestions(QuizError):
    """The quiz (or its case) has nothing published to ask yet."""


class StageLocked(QuizError):
    """An answer to a case stage that has been committed; it can no longer change."""


class GradingError(QuizError):
    """A grade the rules refuse (an open attempt, a mark off the rubric, not an essay)."""


class AttemptPermissionError(PermissionDenied):
    """Someone other than the attempt's learner tried to change it."""


class GradingPermissionError(GradingError, PermissionDenied):
    """The user may not grade this answer: not a grader, or the answer is their own."""
