"""The item statistics report's stored results: computed by the task queue, read by the report.

A quiz with thousands of attempts takes too long to compute inside a request, so the report
(quizzes.statistics_admin) reads an ItemStatisticsResult and, when there is none or it is stale,
enqueues `quizzes.tasks.compute_item_statistics_task` (once: a pending request is not repeated
for REQUEST_AGAIN_AFTER) and shows the previous result, if any, meanwhile.

Freshness: a result keeps the `fingerprint` of the graded attempts it was computed from (their
number, latest grading and submission times and total score: one aggregate query); a newly
graded or regraded attempt changes it. What is stored is the Statistics itself as JSON (every
figure, option counts as ordered pairs, since a JSON object's key order is not kept by
PostgreSQL), so the page and the CSV rebuilt from it are those computed in the request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from quizzes.item_statistics import QuestionStatistics, QuizStatistics, Statistics
from quizzes.item_statistics_data import statistics_for_quiz
from quizzes.models import Attempt, AttemptState, ItemStatisticsResult, QuizPage

logger = logging.getLogger(__name__)

REQUEST_AGAIN_AFTER = timedelta(minutes=5)  # a request older than this is taken as lost
ATTEMPT_CHOICES = ("first", "all")


def fingerprint(quiz_id: int) -> str:
    """What changes whenever one of the quiz's attempts is graded, regraded or deleted."""
    figures = Attempt.objects.filter(quiz_id=quiz_id, state=AttemptState.GRADED).aggregate(
        count=Count("pk"),
        graded=Max("graded_at"),
        submitted=Max("submitted_at"),
        total=Sum("score"),
    )
    parts = (figures["count"], figures["graded"], figures["submitted"], figures["total"])
    return "|".join(_text(part) for part in parts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def to_json(statistics: Statistics) -> dict[str, Any]:
    """Every figure of `statistics`, as JSON that `from_json` turns back into the same."""
    return {
        "quiz": {f.name: getattr(statistics.quiz, f.name) for f in fields(QuizStatistics)},
        "questions": [
            {
                **{f.name: getattr(q, f.name) for f in fields(QuestionStatistics)},
                "option_counts": [[option, count] for option, count in q.option_counts.items()],
                "flags": list(q.flags),
            }
            for q in statistics.questions
        ],
    }


def from_json(data: dict[str, Any]) -> Statistics:
    """The Statistics stored by `to_json`."""
    questions = tuple(
        QuestionStatistics(
            **{
                **q,
                "option_counts": {option: count for option, count in q["option_counts"]},
                "flags": tuple(q["flags"]),
            }
        )
        for q in data["questions"]
    )
    return Statistics(quiz=QuizStatistics(**data["quiz"]), questions=questions)


def compute_and_store(quiz: QuizPage, attempts: str, by_stage: bool) -> ItemStatisticsResult:
    """Compute the statistics and store them (skipped when the stored ones are current).

    The fingerprint is read before the attempts, so an attempt graded meanwhile leaves the
    result stale rather than wrongly current. Raises StatisticsError for by_stage on a quiz
    without a case.
    """
    current = fingerprint(quiz.pk)
    stored = ItemStatisticsResult.objects.filter(
        quiz=quiz, attempts=attempts, by_stage=by_stage
    ).first()
    if stored is not None and stored.computed_at is not None and stored.fingerprint == current:
        return stored
    statistics = statistics_for_quiz(quiz, all_attempts=attempts == "all", by_stage=by_stage)
    result, _ = ItemStatisticsResult.objects.update_or_create(
        quiz=quiz,
        attempts=attempts,
        by_stage=by_stage,
        defaults={
            "fingerprint": current,
            "data": to_json(statistics),
            "computed_at": timezone.now(),
            "requested_at": None,
        },
    )
    return result


@dataclass(frozen=True)
class StoredStatistics:
    """What the report can show: the statistics (None before the first computation), whether
    they are current, and when they were computed."""

    statistics: Statistics | None
    current: bool
    computed_at: Any = None

    @property
    def pending(self) -> bool:
        return not self.current


def _claim_request(quiz: QuizPage, attempts: str, by_stage: bool) -> bool:
    """Record a request for a computation; False when one is already pending (one UPDATE or
    INSERT: of two visits at once, one claims it)."""
    now = timezone.now()
    row, created = ItemStatisticsResult.objects.get_or_create(
        quiz=quiz, attempts=attempts, by_stage=by_stage, defaults={"requested_at": now}
    )
    if created:
        return True
    lost = Q(requested_at__isnull=True) | Q(requested_at__lt=now - REQUEST_AGAIN_AFTER)
    return bool(ItemStatisticsResult.objects.filter(lost, pk=row.pk).update(requested_at=now))


def stored_statistics(quiz: QuizPage, attempts: str, by_stage: bool) -> StoredStatistics:
    """The stored statistics; when missing or stale, enqueue their computation (unless it is
    already pending) and return what is stored after that (the immediate backend has run it).
    """
    from quizzes.tasks import compute_item_statistics_task

    current = fingerprint(quiz.pk)
    lookup = {"quiz": quiz, "attempts": attempts, "by_stage": by_stage}
    row = ItemStatisticsResult.objects.filter(**lookup).first()
    if row is None or row.computed_at is None or row.fingerprint != current:
        if _claim_request(quiz, attempts, by_stage):
            try:
                compute_item_statistics_task.enqueue(quiz.pk, attempts, by_stage)
            except Exception:
                logger.exception("could not enqueue the item statistics of quiz %s", quiz.pk)
                ItemStatisticsResult.objects.filter(**lookup).update(requested_at=None)
        row = ItemStatisticsResult.objects.filter(**lookup).first()
    if row is None or row.computed_at is None or row.data is None:
        return StoredStatistics(None, False)
    return StoredStatistics(from_json(row.data), row.fingerprint == current, row.computed_at)
