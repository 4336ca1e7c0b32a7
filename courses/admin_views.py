"""The course progress report in the Wagtail admin (permission courses.view_progress_report):
Wagtail's ReportView, filtered with a WagtailFilterSet, exported through `list_export`, every
export spreadsheet-safe and recorded in the audit log."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import slugify
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from accounts.audit import log_export
from core.exports import SafeSpreadsheetExport
from core.params import query_id
from courses.models import CoursePage, Enrollment, ModulePage
from courses.reports import (
    MODULE_STATUSES,
    STATUSES,
    ReportFilters,
    ReportRow,
    export_columns,
    export_row,
    report_rows,
)


def _keep(queryset: Any, name: str, value: Any) -> Any:
    """The learners are filtered by courses.reports (progress is not a column to query)."""
    return queryset


class ProgressReportFilterSet(WagtailFilterSet):
    """The report's filters; what each keeps is decided by `courses.reports.report_rows`."""

    course = django_filters.ChoiceFilter(
        label="Course", empty_label="Choose a course…", method=_keep
    )
    status = django_filters.ChoiceFilter(
        label="Status", choices=list(STATUSES.items()), empty_label="All learners", method=_keep
    )
    module = django_filters.ChoiceFilter(label="Module", empty_label="Any module", method=_keep)
    module_status = django_filters.ChoiceFilter(
        label="Module status",
        choices=list(MODULE_STATUSES.items()),
        empty_label="complete (with a module chosen)",
        method=_keep,
    )
    q = django_filters.CharFilter(label="Learner", max_length=100, method=_keep)

    class Meta:
        model = Enrollment
        fields: list[str] = []

    def __init__(
        self, *args: Any, courses: list[CoursePage], course: CoursePage | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.filters["course"].extra["choices"] = [(str(c.pk), c.title) for c in courses]
        self.filters["module"].extra["choices"] = (
            [
                (str(m.pk), m.title)
                for m in ModulePage.objects.child_of(course).live().only("id", "title")
            ]
            if course is not None
            else []
        )
        self.form.fields["q"].widget.attrs["placeholder"] = "Name, username or e-mail"


class ProgressReportView(SafeSpreadsheetExport, ReportView):
    """Learners x modules for one course, with filters and a CSV export.

    Routed twice: the page (the course chosen by the `course` filter, or the only course), and
    `<course_id>.csv`, which is the CSV of the page's filters for that course.
    """

    page_title = "Course progress"
    header_icon = "table"
    verbose_name, verbose_name_plural = "learner", "learners"
    results_template_name = "courses/admin/progress_report_results.html"
    filterset_class = ProgressReportFilterSet
    index_url_name = "courses_reports:progress"
    index_results_url_name = "courses_reports:progress_results"
    paginate_by = 50
    csv_only = False  # True for the <course_id>.csv route

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.export_format = "csv" if self.csv_only else request.GET.get("export", "")
        self.is_export = self.export_format in self.FORMATS

    @cached_property
    def courses(self) -> list[CoursePage]:
        return list(
            CoursePage.objects.order_by("path").only("id", "title", "path", "depth", "url_path")
        )

    @cached_property
    def course(self) -> CoursePage | None:
        if self.csv_only:
            return get_object_or_404(CoursePage, pk=self.kwargs["course_id"])
        chosen = query_id(self.request.GET, "course")
        only = self.courses[0] if len(self.courses) == 1 else None
        return next((c for c in self.courses if c.pk == chosen), only)

    def get_filterset_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_filterset_kwargs()
        data = self.request.GET.copy()
        if self.course is not None:
            data["course"] = str(self.course.pk)
        return {**kwargs, "data": data, "courses": self.courses, "course": self.course}

    @cached_property
    def report_filters(self) -> ReportFilters:
        form = self.filters.form
        form.is_valid()
        return ReportFilters.from_cleaned(form.cleaned_data)

    def get_queryset(self) -> Any:
        return Enrollment.objects.filter(course=self.course) if self.course else []

    @cached_property
    def rows(self) -> list[ReportRow]:
        """The filtered learners of the chosen course (none until a course is chosen)."""
        if self.course is None:
            return []
        return report_rows(self.course, self.report_filters)

    def get_filtered_queryset(self) -> list[ReportRow]:
        return self.rows

    @cached_property
    def columns(self) -> list[Column]:
        modules = self.rows[0].progress.modules if self.rows else []
        return [
            Column(
                "learner",
                accessor=lambda r: format_html(
                    "{}<br><small>{}</small>",
                    r.enrollment.user.display_name,
                    r.enrollment.user.username,
                ),
            ),
            Column("enrolled", accessor=lambda r: r.enrollment.enrolled_at.strftime("%-d %b %Y")),
            Column("progress", accessor=lambda r: f"{r.progress.percent}%"),
            *(
                Column(
                    f"module_{m.number}",
                    label=format_html('<abbr title="{}">M{}</abbr>', m.module.title, m.number),
                    accessor=lambda r, i=i: _module_html(r.progress.modules[i]),
                )
                for i, m in enumerate(modules)
            ),
            Column(
                "completed",
                accessor=lambda r: (
                    r.enrollment.completed_at.strftime("%-d %b %Y")
                    if r.enrollment.completed_at
                    else "—"
                ),
            ),
        ]

    @property
    def list_export(self) -> list[str]:  # type: ignore[override]  # Wagtail's is a class attribute
        return export_columns(self.rows)

    def to_row_dict(self, item: ReportRow) -> dict[str, Any]:
        return export_row(item)

    def get_filename(self) -> str:
        return f"progress-{slugify(self.course.title)[:50]}" if self.course else "progress"

    def get_export_url(self, format: str) -> str:
        """The CSV is the stable `<course_id>.csv` address, with the page's filters."""
        if format != self.FORMAT_CSV or self.course is None:
            return super().get_export_url(format)
        params = self.request.GET.copy()
        for key in ("course", "export", self.page_kwarg):
            params.pop(key, None)
        url = reverse("courses_reports:progress_csv", args=[self.course.pk])
        return f"{url}?{params.urlencode()}" if params else url

    @cached_property
    def show_export_buttons(self) -> bool:
        return self.course is not None

    def record_export(self, spreadsheet_format: str) -> None:
        if self.course is not None:
            log_export(self.request, self.course, f"course progress {spreadsheet_format.upper()}")

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        if self.is_export and self.course is not None:
            return self.as_spreadsheet(self.rows, self.export_format)
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        context.update({"course": self.course, "total": len(self.rows)})
        return context


def _module_html(module: Any) -> str:
    if module.complete:
        when = module.completed_at
        return format_html(
            "✓{}", format_html(" <small>{}</small>", when.strftime("%-d %b")) if when else ""
        )
    if module.locked:
        return format_html('<span class="w-text-grey-400">locked</span>')
    return f"{module.percent}%"
