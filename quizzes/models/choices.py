"""The bank's fixed vocabularies: question types and what a result reveals."""

from __future__ import annotations

from django.db import models


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_RESPONSE = "multiple_response", "Multiple response (partial credit)"
    TRUE_FALSE = "true_false", "True / false"
    NUMERIC = "numeric", "Numeric (tolerance and unit)"
    ORDERING = "ordering", "Ordering"
    MATCHING = "matching", "Matching"
    SHORT_ANSWER = "short_answer", "Short answer"
    ESSAY = "essay", "Essay (graded by an instructor)"


class CognitiveLevel(models.TextChoices):
    """What a question asks of the learner (the blueprint balances them)."""

    RECALL = "recall", "Recall"
    APPLICATION = "application", "Application"
    DECISION = "decision", "Decision"


CHOICE_TYPES = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE, QuestionType.TRUE_FALSE}


class ReviewPolicy(models.TextChoices):
    SCORE = "score", "Score only"
    CORRECTNESS = "correctness", "Score and which answers were right"
    ANSWERS = "answers", "Score, right answers and feedback"
