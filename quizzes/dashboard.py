"""The quiz panels of the learner's /learn/ page (registered in QuizzesConfig.ready).

Each course card gets a table of its quizzes (attempts, best score, last attempt, passed), and
the page a list of the learner's most recent finished attempts. Both come from one query
(`learner_attempts`, shared by the panels of the page through `courses.dashboard.shared`): the
learner's finished attempts with per-quiz totals computed over windows, keeping only the most
recent attempts and one row per quiz, so it returns the same few rows for ten attempts or a
thousand. The same read tells, per quiz, when the learner last passed it, which the programme
panels of higher apps reuse instead of reading the attempts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Max, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from courses.dashboard import shared
from courses.progress import CourseProgress
from quizzes.models import Attempt, AttemptState

RECENT_ATTEMPTS = 10


@dataclass
class LearnerAttempts:
    """What the /learn/ page shows of one learner's finished attempts, read at `now`.

    `summaries`: quiz id -> attempts, best percent, last submission and passes (finished
    attempts); `recent`: the latest RECENT_ATTEMPTS, newest first; `passes`: quiz id -> the
    latest graded passing attempt's submission by `now` (None when it passed only later), for
    every quiz passed, the rule `certification.requirements.load_records` reads passes by.
    """

    now: datetime
    summaries: dict[int, dict[str, Any]]
    recent: list[Attempt]
    passes: dict[int, datetime | None]


def _read_attempts(user: Any, now: datetime) -> LearnerAttempts:
    per_quiz = [F("quiz_id")]
    passed = Q(state=AttemptState.GRADED, passed=True)
    rows = list(
        Attempt.objects.filter(user=user)
        .finished()
        .select_related("quiz")
        .only(
            "id",
            "quiz_id",
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
        .annotate(
            recent_rank=Window(RowNumber(), order_by=[F("submitted_at").desc(), F("id").desc()]),
            quiz_rank=Window(RowNumber(), partition_by=per_quiz),
            quiz_attempts=Window(Count("id"), partition_by=per_quiz),
            quiz_best=Window(Max("percent"), partition_by=per_quiz),
            quiz_last=Window(Max("submitted_at"), partition_by=per_quiz),
            quiz_passes=Window(
                Sum(Case(When(passed=True, then=Value(1)), default=Value(0))),
                output_field=IntegerField(),
                partition_by=per_quiz,
            ),
            quiz_graded_passes=Window(
                Sum(Case(When(passed, then=Value(1)), default=Value(0))),
                output_field=IntegerField(),
                partition_by=per_quiz,
            ),
            quiz_passed_at=Window(
                Max(Case(When(passed & Q(submitted_at__lte=now), then=F("submitted_at")))),
                partition_by=per_quiz,
            ),
        )
        .filter(Q(recent_rank__lte=RECENT_ATTEMPTS) | Q(quiz_rank=1))
    )
    summaries: dict[int, dict[str, Any]] = {}
    passes: dict[int, datetime | None] = {}
    for row in rows:
        if row.quiz_rank == 1:
            summaries[row.quiz_id] = {
                "quiz_id": row.quiz_id,
                "attempts": row.quiz_attempts,
                "best": row.quiz_best,
                "last": row.quiz_last,
                "passes": row.quiz_passes,
            }
            if row.quiz_graded_passes:
                passes[row.quiz_id] = row.quiz_passed_at
    recent = sorted(
        (row for row in rows if row.recent_rank <= RECENT_ATTEMPTS),
        key=lambda row: row.recent_rank,
    )
    return LearnerAttempts(now=now, summaries=summaries, recent=recent, passes=passes)


def learner_attempts(request: AuthenticatedHttpRequest) -> LearnerAttempts:
    """The signed-in learner's attempts as the /learn/ page shows them: one query per page,
    whichever panel asks first (`courses.dashboard.shared`)."""
    return shared(request, "quizzes:attempts", lambda: _read_attempts(request.user, timezone.now()))


def quiz_tables(
    request: AuthenticatedHttpRequest, progress: dict[int, CourseProgress]
) -> dict[int, list[dict[str, Any]]]:
    """Per course id: each quiz step with the learner's attempt summary (None if no attempt)."""
    summaries = learner_attempts(request).summaries
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
    return learner_attempts(request).recent
