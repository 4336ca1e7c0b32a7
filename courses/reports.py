"""The instructors' course progress report: learners x modules, filtered; the page and its CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Q

from core.params import query_choice, query_id, query_text
from courses.models import CoursePage, Enrollment
from courses.progress import CourseProgress, progress_of_learners

STATUSES = {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed"}


@dataclass
class ReportRow:
    enrollment: Enrollment
    progress: CourseProgress

    @property
    def status(self) -> str:
        if self.enrollment.completed_at or self.progress.complete:
            return "completed"
        return "in_progress" if self.progress.done else "not_started"


@dataclass
class ReportFilters:
    status: str = ""
    module: int | None = None
    module_status: str = ""  # complete | incomplete
    q: str = ""

    @classmethod
    def from_query(cls, data) -> ReportFilters:
        return cls(
            status=query_choice(data, "status", STATUSES),
            module=query_id(data, "module"),
            module_status=query_choice(data, "module_status", ("complete", "incomplete")),
            q=query_text(data, "q"),
        )


def report_rows(course: CoursePage, filters: ReportFilters, enrollments=None) -> list[ReportRow]:
    """Every enrolled learner's progress, filtered; a constant number of queries."""
    if enrollments is None:
        enrollments = Enrollment.objects.filter(course=course)
    if filters.q:
        words = Q()
        for field in ("user__username", "user__first_name", "user__last_name", "user__email"):
            words |= Q(**{f"{field}__icontains": filters.q})
        enrollments = enrollments.filter(words)
    enrollments = list(
        enrollments.select_related("user").order_by(
            "user__last_name", "user__first_name", "user__username"
        )
    )
    progress = progress_of_learners(course, [e.user for e in enrollments])
    rows = [ReportRow(e, progress[e.user_id]) for e in enrollments]
    if filters.status:
        rows = [r for r in rows if r.status == filters.status]
    if filters.module:
        wanted = filters.module_status or "complete"
        rows = [
            r
            for r in rows
            if any(
                m.module.pk == filters.module and (m.complete == (wanted == "complete"))
                for m in r.progress.modules
            )
        ]
    return rows


class Echo:
    """A file-like object whose write() returns the line, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: list[ReportRow]) -> Iterator[str]:
    """The report as CSV, one line at a time (for StreamingHttpResponse)."""
    writer = csv.writer(Echo())
    modules = rows[0].progress.modules if rows else []
    yield writer.writerow(
        ["learner", "username", "email", "enrolled", "status", "percent", "completed"]
        + [f"module {m.number}: {m.module.title}" for m in modules]
    )
    for row in rows:
        user = row.enrollment.user
        yield writer.writerow(
            [
                spreadsheet_safe(user.get_full_name()),
                spreadsheet_safe(user.username),
                spreadsheet_safe(user.email),
                row.enrollment.enrolled_at.date().isoformat(),
                STATUSES[row.status],
                row.progress.percent,
                row.enrollment.completed_at.date().isoformat()
                if row.enrollment.completed_at
                else "",
            ]
            + [
                f"complete {m.completed_at.date().isoformat()}"
                if m.complete and m.completed_at
                else ("complete" if m.complete else ("locked" if m.locked else f"{m.percent}%"))
                for m in row.progress.modules
            ]
        )


def spreadsheet_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in user-entered text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
