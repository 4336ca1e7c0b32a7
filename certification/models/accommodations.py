"""A clinic's accommodation on a quiz: every staff member of the clinic gets it.

Moodle's group override, with the clinic as the group. It lives here, not in quizzes, because
only certification knows clinics; it shares quizzes' Accommodation fields and validation and
reaches the quiz rules through quizzes.overrides.register_override_groups (certification.apps).
A learner's own override beats it; of several clinics' overrides the most generous applies.
"""

from __future__ import annotations

from django.db import models

from certification.models.clinics import Clinic
from quizzes.models import Accommodation


class ClinicQuizOverride(Accommodation):
    """Extra time, extra attempts or a later close date on one quiz for a clinic's staff."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="quiz_overrides")

    target_kind = "clinic"

    class Meta:
        verbose_name = "clinic accommodation"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "clinic"], name="clinic_quiz_override_one_per_clinic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinic} — {self.quiz}"
