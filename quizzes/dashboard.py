"""The quiz panels of the learner's /learn/ page (registered in QuizzesConfig.ready).

Each course card gets a table of its quizzes (attempts, best score, last attempt, passed), and
the page a list of the learner's most recent finished attempts. One query each.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Q

from accounts.http import AuthenticatedHttpRequest
from courses.progress import CourseProgress
from quizzes.models import Attempt

RECENT_ATTEMPTS = 10


def quiz_tables(
    request: AuthenticatedHttpRequest, progress: dict[int, CourseProgress]
) -> dict[int, list[dict[str, Any]]]:
    """Per course id: each quiz step with the learner's attempt summary (None if no attempt)."""
    quiz_ids = [
        s.page_id for p in progress.values() for m in p.modules for s in m.steps if s.kind == "quiz"
    ]
    summaries = {
        row["quiz_id"]: row
        for row in Attempt.objects.filter(user=request.user, quiz_id__in=quiz_ids)
        .finished()
        .values("quiz_id")
        .annotate(
            attempts=Count("id"),
            best=Max("percent"),
            last=Max("submitted_at"),
            passes=Count("id", filter=Q(passed=True)),
        )
    }
    return {
        course_id: [
            {"step": s, "summary": summaries.get(s.page_id)}
            for m in course.modules
            for s in m.steps
            if s.kind == "quiz"
        ]
        for course_id, course in progress.items()
    }


def recent_attempts(
    request: AuthenticatedHttpRequest, progress: dict[int, CourseProgress]
) -> list[Attempt]:
    """The learner's most recent finished attempts, newest first."""
    return list(
        Attempt.objects.filter(user=request.user)
        .finished()
        .select_related("quiz")
        .only(
            "id",
            "number",
            "submitted_at",
            "percent",
            "passed",
            "state",
            "quiz__title",
            "quiz__url_path",
            "quiz__path",
            "quiz__depth",
        )
        .order_by("-submitted_at")[:RECENT_ATTEMPTS]
    )
