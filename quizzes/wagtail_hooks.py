"""Admin wiring: the question bank snippets, the essay grading queue, audit log actions."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin import PermissionMenuItem
from quizzes import overrides
from quizzes.actions import GRADE_PERMISSION
from quizzes.admin_overrides import QuizOverrideViewSet
from quizzes.admin_views import GradeResponseView, GradingQueueView, pending_essays
from quizzes.blueprint_admin import BlueprintReportView
from quizzes.interchange.access import may_export_questions, may_import_questions
from quizzes.interchange.admin_views import (
    AccessMenuItem,
    QuestionExportView,
    QuestionImportView,
)
from quizzes.interchange.uploads import IMPORTED_FILE
from quizzes.models import Accommodation, ClinicalCase, Question, QuestionCategory
from quizzes.review_requests import REVIEW_REQUESTED
from quizzes.statistics_admin import STATISTICS_PERMISSION, ItemStatisticsView, SendToReviewView

# Listings search what each model indexes (its AutocompleteFields). They name no search_fields:
# the search backend would be asked to restrict to those fields, which the SQLite backend cannot.


class QuestionFilterSet(WagtailFilterSet):
    class Meta:
        model = Question
        fields = ["question_type", "category", "critical", "level", "live"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = "Questions"
    list_display = ["title", "question_type", "category", BooleanColumn("critical"), "key"]
    list_filter = None
    filterset_class = QuestionFilterSet

    def get_queryset(self, request):
        # Each row shows its category: fetched with the questions, not one query per row.
        return Question.objects.select_related("category")


class QuestionCategoryViewSet(SnippetViewSet):
    model = QuestionCategory
    icon = "folder-inverse"
    menu_label = "Categories"
    list_display = ["name", "key"]


class ClinicalCaseFilterSet(WagtailFilterSet):
    class Meta:
        model = ClinicalCase
        fields = ["kind", "live"]


class ClinicalCaseViewSet(SnippetViewSet):
    model = ClinicalCase
    icon = "clipboard-list"
    menu_label = "Clinical cases"
    list_display = ["title", "kind", "evidence_level", "key"]
    filterset_class = ClinicalCaseFilterSet


class QuestionBankGroup(SnippetViewSetGroup):
    menu_label = "Question bank"
    menu_icon = "help"
    menu_order = 210
    items = (QuestionViewSet, ClinicalCaseViewSet, QuestionCategoryViewSet)
    submenu_hook = "register_question_bank_menu_item"  # Import, Export (quizzes.interchange)


register_snippet(QuestionBankGroup)

grading_urls = (
    [
        path("", permission_required(GRADE_PERMISSION)(GradingQueueView.as_view()), name="queue"),
        path(
            "<id:response_id>/",
            permission_required(GRADE_PERMISSION)(GradeResponseView.as_view()),
            name="grade",
        ),
    ],
    "quizzes_grading",
)


@hooks.register("register_admin_urls")
def register_grading_urls():
    return [path("essay-grading/", include(grading_urls))]


@hooks.register("register_admin_menu_item")
def register_grading_menu_item():
    return PermissionMenuItem(
        "Essay grading",
        reverse("quizzes_grading:queue"),
        icon_name="edit",
        order=220,
        permission=GRADE_PERMISSION,
    )


@hooks.register("construct_homepage_panels")
def add_grading_panel(request, panels):
    if request.user.has_perm(GRADE_PERMISSION):
        from quizzes.admin_panels import GradingSummaryPanel

        panels.append(GradingSummaryPanel(pending_essays().count()))


@hooks.register("register_admin_viewset")
def register_accommodation_viewset():
    return QuizOverrideViewSet()


@hooks.register("register_actions")
def register_accommodation_actions(registry):
    """Every override model (learner's or group's) saves through the audited actions."""
    for action in (
        overrides.CreateOverrideAction,
        overrides.EditOverrideAction,
        overrides.DeleteOverrideAction,
    ):
        registry.register(Accommodation, action)


@hooks.register("register_log_actions")
def register_quiz_log_actions(actions):
    actions.register_action(overrides.CREATE, "Grant accommodation", "Accommodation granted")
    actions.register_action(overrides.EDIT, "Change accommodation", "Accommodation changed")
    actions.register_action(overrides.DELETE, "Remove accommodation", "Accommodation removed")
    actions.register_action(
        "quizzes.attempt.submit", "Submit attempt", "Attempt submitted and graded"
    )
    actions.register_action("quizzes.response.grade", "Grade essay", "Essay answer graded")
    actions.register_action("quizzes.attempt.advance", "Commit case stage", "Case stage committed")
    actions.register_action(
        REVIEW_REQUESTED, "Send back to review", "Sent back to Clinical review from item statistics"
    )
    actions.register_action(
        "quizzes.question.import", "Import question", "Imported from a Moodle file as a draft"
    )
    actions.register_action(
        IMPORTED_FILE, "Import question file", "Questions imported from a Moodle file"
    )


# Question bank import and export -----------------------------------------------------------

interchange_urls = (
    [
        path("import/", QuestionImportView.as_view(), name="import"),
        path("export/", QuestionExportView.as_view(), name="export"),
    ],
    "quizzes_interchange",
)


@hooks.register("register_admin_urls")
def register_interchange_urls():
    return [path("question-bank/", include(interchange_urls))]


@hooks.register("register_question_bank_menu_item")
def register_import_menu_item():
    return AccessMenuItem(
        "Import",
        reverse("quizzes_interchange:import"),
        icon_name="upload",
        order=10,
        may=may_import_questions,
    )


@hooks.register("register_question_bank_menu_item")
def register_export_menu_item():
    return AccessMenuItem(
        "Export",
        reverse("quizzes_interchange:export"),
        icon_name="download",
        order=11,
        may=may_export_questions,
    )


# Blueprint report ------------------------------------------------------------------------------

BLUEPRINT_PERMISSION = "quizzes.view_blueprint_report"

blueprint_urls = (
    [
        path(
            "",
            permission_required(BLUEPRINT_PERMISSION)(BlueprintReportView.as_view()),
            name="report",
        ),
        path(
            "results/",
            permission_required(BLUEPRINT_PERMISSION)(
                BlueprintReportView.as_view(results_only=True)
            ),
            name="results",
        ),
    ],
    "quizzes_blueprint",
)


@hooks.register("register_admin_urls")
def register_blueprint_urls():
    return [path("reports/blueprint/", include(blueprint_urls))]


@hooks.register("register_reports_menu_item")
def register_blueprint_menu_item():
    return PermissionMenuItem(
        "Blueprint",
        reverse("quizzes_blueprint:report"),
        icon_name="table",
        order=120,
        permission=BLUEPRINT_PERMISSION,
    )


# Item statistics report ------------------------------------------------------------------------

statistics_urls = (
    [
        path(
            "",
            permission_required(STATISTICS_PERMISSION)(ItemStatisticsView.as_view()),
            name="report",
        ),
        path(
            "send-to-review/",
            permission_required(STATISTICS_PERMISSION)(SendToReviewView.as_view()),
            name="send_to_review",
        ),
    ],
    "quizzes_statistics",
)


@hooks.register("register_admin_urls")
def register_statistics_urls():
    return [path("reports/item-statistics/", include(statistics_urls))]


@hooks.register("register_reports_menu_item")
def register_statistics_menu_item():
    return PermissionMenuItem(
        "Item statistics",
        reverse("quizzes_statistics:report"),
        icon_name="table",
        order=130,
        permission=STATISTICS_PERMISSION,
    )
