"""Admin wiring: the Source snippet's listing and the background task report.

The Sources listing sits in the *Curriculum* menu group, which courses/wagtail_hooks.py
registers with the Competencies beside it (Competency belongs to courses).
"""

from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import AdminOnlyMenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import SnippetViewSet

from core.models import Source

# Listings search what each model indexes (its AutocompleteFields). They name no search_fields:
# the search backend would be asked to restrict to those fields, which the SQLite backend cannot.


class SourceFilterSet(WagtailFilterSet):
    class Meta:
        model = Source
        fields = ["evidence_level"]


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "openquote"
    menu_label = "Sources"
    list_display = ["title", "authors", "year", "evidence_level", "key"]
    filterset_class = SourceFilterSet


# Background tasks --------------------------------------------------------------------------------


class AdminsMayReadPolicy(ModelPermissionPolicy):
    """Task results are read by admins only, and changed by nobody (the worker writes them)."""

    def user_has_permission(self, user, action):
        return action == "view" and user.is_active and user.is_superuser

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


register_permission_policy(DBTaskResult, AdminsMayReadPolicy(DBTaskResult))


class TaskResultFilterSet(WagtailFilterSet):
    class Meta:
        model = DBTaskResult
        fields = ["status", "queue_name"]


class TaskResultViewSet(ModelViewSet):
    """*Reports > Background tasks*: queued, running, failed and finished tasks, with errors."""

    model = DBTaskResult
    icon = "cogs"
    menu_label = "Background tasks"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = ["task_path", "status", "enqueued_at", "finished_at", "exception_class_path"]
    list_filter = ["status", "queue_name"]
    filterset_class = TaskResultFilterSet
    ordering = ["-enqueued_at"]
    # No one may add or edit (see the policy); Wagtail still wants a form definition.
    form_fields = ["priority"]
    inspect_view_fields = [
        "task_path",
        "status",
        "args_kwargs",
        "enqueued_at",
        "started_at",
        "finished_at",
        "run_after",
        "worker_ids",
        "return_value",
        "exception_class_path",
        "traceback",
    ]


task_results = TaskResultViewSet("background_tasks")


@hooks.register("register_admin_viewset")
def register_task_results():
    return task_results


@hooks.register("register_reports_menu_item")
def register_task_results_menu_item():
    return AdminOnlyMenuItem(
        "Background tasks", reverse("background_tasks:index"), icon_name="cogs", order=900
    )
