"""ItemStatisticsResult: a quiz's item statistics as last computed by the task queue.

The admin report (quizzes.statistics_admin) reads it instead of computing in the request; the
task (quizzes.tasks.compute_item_statistics_task) writes it. `fingerprint` says which graded
attempts it was computed from (quizzes.statistics_store.fingerprint), so a new graded attempt
makes it stale; `requested_at` records an enqueued computation, so visits while it is pending
do not enqueue it again.
"""

from __future__ import annotations

from django.db import models

from quizzes.models.quiz_page import QuizPage


class ItemStatisticsResult(models.Model):
    """One quiz's statistics for one choice of attempts ("first"/"all") and by-stage or not."""

    quiz = models.ForeignKey(
        QuizPage, on_delete=models.CASCADE, related_name="item_statistics_results"
    )
    attempts = models.CharField(max_length=10, choices=[("first", "First"), ("all", "All")])
    by_stage = models.BooleanField(default=False)
    fingerprint = models.CharField(max_length=200, blank=True)
    data = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["quiz", "attempts", "by_stage"], name="unique_item_statistics_result"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id} {self.attempts}{' by stage' if self.by_stage else ''}"
