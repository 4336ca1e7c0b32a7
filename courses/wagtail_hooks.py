"""Admin and site wiring: the Curriculum snippets, the course progress report, no page deletion
that would take learner records, and the catalogue on the home page."""

from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.admin.filters import WagtailFilterSet
from wagtail.models import Page
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin import PermissionMenuItem
from core.models import HomePage
from core.wagtail_hooks import SourceViewSet
from courses.admin_views import ProgressReportView
from courses.learner_records import learner_records_under
from courses.models import Competency, CoursePage, Enrollment
from courses.progress import course_progress

# Curriculum snippets: core's Sources and courses' Competencies, one menu group -------------------


class CompetencyFilterSet(WagtailFilterSet):
    class Meta:
        model = Competency
        fields = ["domain"]


class CompetencyViewSet(SnippetViewSet):
    model = Competency
    icon = "tick-inverse"
    menu_label = "Competencies"
    list_display = ["code", "title", "domain"]
    filterset_class = CompetencyFilterSet


class CurriculumViewSetGroup(SnippetViewSetGroup):
    menu_label = "Curriculum"
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (SourceViewSet, CompetencyViewSet)


register_snippet(CurriculumViewSetGroup)


# The home page lists the courses ------------------------------------------------------------------


@hooks.register("construct_home_page_context")
def add_courses_to_home_page(page: HomePage, request: HttpRequest, context: dict[str, Any]) -> None:
    """The live courses under the home page and, for a signed-in learner, the course to go on
    with (the enrolled, unfinished course they were last active in)."""
    context["courses"] = CoursePage.objects.live().public().descendant_of(page).order_by("path")
    if request.user.is_authenticated:
        latest = (
            Enrollment.objects.filter(
                user=request.user, completed_at__isnull=True, course__live=True
            )
            .select_related("course")
            .order_by("-last_activity_at")
            .first()
        )
        if latest is not None:
            context["continue_course"] = course_progress(request.user, latest.course)


# Course progress report ---------------------------------------------------------------------------

REPORT_PERMISSION = "courses.view_progress_report"

report_urls = (
    [
        path(
            "",
            permission_required(REPORT_PERMISSION)(ProgressReportView.as_view()),
            name="progress",
        ),
        path(
            "results/",
            permission_required(REPORT_PERMISSION)(ProgressReportView.as_view(results_only=True)),
            name="progress_results",
        ),
        path(
            "<id:course_id>.csv",
            permission_required(REPORT_PERMISSION)(ProgressReportView.as_view(csv_only=True)),
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
