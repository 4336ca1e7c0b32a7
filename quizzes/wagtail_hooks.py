"""Admin wiring: the question bank snippets, the essay grading queue, audit log actions."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.admin import PermissionMenuItem
from quizzes.actions import GRADE_PERMISSION
from quizzes.admin_views import GradeResponseView, GradingQueueView, pending_essays
from quizzes.models import ClinicalCase, Question, QuestionCategory

# Listings search what each model indexes (its AutocompleteFields). They name no search_fields:
# the search backend would be asked to restrict to those fields, which the SQLite backend cannot.


class QuestionFilterSet(WagtailFilterSet):
    class Meta:
        model = Question
        fields = ["question_type", "category", "live"]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = "Questions"
    list_display = ["title", "question_type", "category", "key"]
    list_filter = None
    filterset_class = QuestionFilterSet


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


@hooks.register("register_log_actions")
def register_quiz_log_actions(actions):
    actions.register_action(
        "quizzes.attempt.submit", "Submit attempt", "Attempt submitted and graded"
    )
    actions.register_action("quizzes.response.grade", "Grade essay", "Essay answer graded")
    actions.register_action("quizzes.attempt.advance", "Commit case stage", "Case stage committed")
