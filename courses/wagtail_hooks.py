"""Admin wiring: the course progress report, and no page deletion that would take learner records."""

from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.models import Page

from core.admin import PermissionMenuItem
from courses.admin_views import ProgressReportView, progress_csv
from courses.learner_records import learner_records_under

REPORT_PERMISSION = "courses.view_progress_report"

report_urls = (
    [
        path(
            "",
            permission_required(REPORT_PERMISSION)(ProgressReportView.as_view()),
            name="progress",
        ),
        path(
            "<id:course_id>.csv",
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


# Learner records survive content edits ----------------------------------------------------------


def _refuse_delete(request, pages: list, records: dict[str, int]):
    return TemplateResponse(
        request,
        "courses/admin/delete_refused.html",
        {
            "pages": pages,
            "records": sorted(records.items()),
            "total": sum(records.values()),
        },
        status=409,
    )


@hooks.register("before_delete_page")
def refuse_deleting_pages_with_learner_records(request, page):
    """Deleting would take learners' records with it: refuse, and offer unpublishing instead."""
    records = learner_records_under([page])
    if records:
        return _refuse_delete(request, [page], records)
    return None


@hooks.register("before_bulk_action")
def refuse_bulk_deleting_pages_with_learner_records(request, action_type, objects, action_class):
    if action_type != "delete" or not objects or not isinstance(objects[0], Page):
        return None
    records = learner_records_under(list(objects))
    if records:
        return _refuse_delete(request, list(objects), records)
    return None
