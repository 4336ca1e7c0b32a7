"""Admin wiring: the course progress report under Reports."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.auth import permission_required

from core.admin import PermissionMenuItem
from courses.admin_views import ProgressReportView, progress_csv

REPORT_PERMISSION = "courses.view_progress_report"

report_urls = (
    [
        path(
            "",
            permission_required(REPORT_PERMISSION)(ProgressReportView.as_view()),
            name="progress",
        ),
        path(
            "<int:course_id>.csv",
            permission_required(REPORT_PERMISSION)(progress_csv),
            name="progress_csv",
        ),
    ],
    "courses_reports",
)


@hooks.register("register_admin_urls")
def register_report_urls():
    return [path("reports/course-progress/", include(report_urls))]


@hooks.register("register_reports_menu_item")
def register_progress_report_menu_item():
    return PermissionMenuItem(
        "Course progress",
        reverse("courses_reports:progress"),
        icon_name="table",
        order=100,
        permission=REPORT_PERMISSION,
    )
