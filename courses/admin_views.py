"""The course progress report in the Wagtail admin (permission courses.view_progress_report)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import slugify
from django.views.generic import TemplateView

from accounts.audit import log_export
from core.admin import AdminPage
from core.params import query_id
from courses.models import CoursePage, ModulePage
from courses.reports import STATUSES, ReportFilters, csv_lines, report_rows

PAGE_SIZE = 50


class ProgressReportView(AdminPage, TemplateView):
    """Learners x modules for one course, with filters and a CSV export."""

    template_name = "courses/admin/progress_report.html"
    page_title = "Course progress"
    header_icon = "table"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        courses = list(
            CoursePage.objects.order_by("path").only("id", "title", "path", "depth", "url_path")
        )
        course_id = query_id(self.request.GET, "course")
        course = next(
            (c for c in courses if c.pk == course_id),
            courses[0] if len(courses) == 1 else None,
        )
        context.update({"courses": courses, "course": course, "statuses": STATUSES})
        if course is not None:
            filters = ReportFilters.from_query(self.request.GET)
            rows = report_rows(course, filters)
            page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("p"))
            query = self.request.GET.copy()
            query.pop("p", None)
            context.update(
                {
                    "filters": filters,
                    "rows": page,
                    "modules": rows[0].progress.modules if rows else [],
                    "module_choices": list(
                        ModulePage.objects.child_of(course).live().only("id", "title")
                    ),
                    "total": len(rows),
                    "query": query.urlencode(),
                    "csv_url": reverse("courses_reports:progress_csv", args=[course.pk])
                    + "?"
                    + query.urlencode(),
                }
            )
        return context


def progress_csv(request, course_id: int) -> StreamingHttpResponse:
    course = get_object_or_404(CoursePage, pk=course_id)
    rows = report_rows(course, ReportFilters.from_query(request.GET))
    log_export(request, course, "course progress CSV")
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="progress-{slugify(course.title)[:50]}.csv"'
    )
    return response
