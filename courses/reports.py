"""The instructors' course progress report: learners x modules, filtered; its rows and export.

The admin view (courses.admin_views) is Wagtail's ReportView; this module decides which
learners a filter keeps and what each export column holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from core.params import parse_id, query_text
from courses.models import CoursePage, Enrollment
from courses.progress import CourseProgress, ModuleProgress, progress_of_learners

STATUSES = {"not_started": "Not started", "in_progress": "In progress", "completed": "Completed"}
MODULE_STATUSES = {"complete": "complete", "incomplete": "not complete"}
EXPORT_COLUMNS = ["learner", "username", "email", "enrolled", "status", "percent", "completed"]


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
    def from_cleaned(cls, cleaned: dict[str, Any]) -> ReportFilters:
        """From a filter form's cleaned data; a field that did not validate is no filter."""
        return cls(
            status=cleaned.get("status") or "",
            module=parse_id(cleaned.get("module") or ""),
            module_status=cleaned.get("module_status") or "",
            q=query_text(cleaned, "q"),
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


def module_heading(module: ModuleProgress) -> str:
    """A module's export column heading."""
    return f"module {module.number}: {module.module.title}"


def module_cell(module: ModuleProgress) -> str:
    """A learner's state in one module, as exported: complete (with its date), locked or a %."""
    if module.complete and module.completed_at:
        return f"complete {module.completed_at.date().isoformat()}"
    if module.complete:
        return "complete"
    return "locked" if module.locked else f"{module.percent}%"


def export_columns(rows: list[ReportRow]) -> list[str]:
    """The export's columns: the learner's, then one per module of the course."""
    modules = rows[0].progress.modules if rows else []
    return EXPORT_COLUMNS + [module_heading(m) for m in modules]


def export_row(row: ReportRow) -> dict[str, Any]:
    """One learner's export row, keyed by `export_columns` (text not yet spreadsheet-safe)."""
    user = row.enrollment.user
    completed = row.enrollment.completed_at
    values = [
        user.get_full_name(),
        user.username,
        user.email,
        row.enrollment.enrolled_at.date().isoformat(),
        STATUSES[row.status],
        row.progress.percent,
        completed.date().isoformat() if completed else "",
    ]
    values += [module_cell(m) for m in row.progress.modules]
    columns = EXPORT_COLUMNS + [module_heading(m) for m in row.progress.modules]
    return dict(zip(columns, values, strict=True))
