"""Accommodations: one learner's (or, from a higher app, a group's) quiz overrides.

Modelled on Moodle's quiz user and group overrides, but an accommodation only ever extends:
extra minutes on the time limit, extra attempts, a later close date. `Accommodation` is the
abstract shape every override shares (its fields and its validation); `QuizOverride` targets
one learner. Group overrides live in the app that knows the group (certification's
`ClinicQuizOverride`: a clinic's staff) and reach quizzes through quizzes.overrides'
registry, so quizzes never imports a higher layer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from quizzes.models.quiz_page import QuizPage


def _when(value) -> str:
    return date_format(timezone.localtime(value), "j M Y, H:i")


class Accommodation(models.Model):
    """What an override grants on one quiz, why, and who granted it (abstract)."""

    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="+")
    extra_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Added to the quiz's time limit."
    )
    extra_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Added to the attempts the quiz allows."
    )
    closes_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name="later close date",
        help_text="Attempts may start until then; after the quiz's own close date.",
    )
    reason = models.TextField(help_text="Why this accommodation is given. Staff only.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True

    def clean(self) -> None:
        """At least one accommodation, each one that changes something on this quiz."""
        super().clean()
        self.reason = (self.reason or "").strip()
        errors: dict[str, str] = {}
        if not self.reason:
            errors["reason"] = "Say why this accommodation is given."
        if not (self.extra_minutes or self.extra_attempts or self.closes_at):
            errors["__all__"] = (
                "Give at least one accommodation: extra time, extra attempts or a later close date."
            )
        quiz = self.quiz if self.quiz_id else None
        if quiz is not None:
            if self.extra_minutes and not quiz.time_limit_minutes:
                errors["extra_minutes"] = "This quiz has no time limit: extra time changes nothing."
            if self.extra_attempts and not quiz.attempts_allowed:
                errors["extra_attempts"] = "This quiz allows unlimited attempts already."
            if self.closes_at and quiz.closes_at is None:
                errors["closes_at"] = "This quiz has no close date: a later one changes nothing."
            elif self.closes_at and quiz.closes_at and self.closes_at <= quiz.closes_at:
                errors["closes_at"] = (
                    f"Choose a date after the quiz's own close date ({_when(quiz.closes_at)})."
                )
        if errors:
            raise ValidationError(errors)

    def values(self) -> dict[str, object]:
        """The accommodation granted, as recorded on an attempt and in the audit log."""
        return {
            "extra_minutes": self.extra_minutes,
            "extra_attempts": self.extra_attempts,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
        }


class QuizOverride(Accommodation):
    """One learner's accommodation on one quiz; it beats any group's (quizzes.overrides)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_overrides"
    )

    target_kind = "user"

    class Meta:
        verbose_name = "learner accommodation"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user"], name="quiz_override_one_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.quiz}"
