"""The admin's accommodation lists and forms: Wagtail's ModelViewSet on an override model.

Who may list, add, change and delete accommodations is the model's permissions
(`add_quizoverride`...), given to Instructors by quizzes.apps through core.roles; admins have
them all, clinic managers none. The generic views save through the override actions
(quizzes.overrides, registered in wagtail_hooks), so every create, edit and delete is audited
with its values and reason. certification subclasses `AccommodationViewSet` for clinics.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from wagtail.admin.viewsets.model import ModelViewSet

from quizzes.models import QuizOverride


class AccommodationViewSet(ModelViewSet):
    """Overrides of one target kind (the model's `target_kind`: its field naming the user or
    group)."""

    icon = "time"
    add_to_admin_menu = True
    copy_view_enabled = False
    list_per_page = 50
    list_filter = ["quiz"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        target = self.model.target_kind
        self.form_fields = [
            "quiz",
            target,
            "extra_minutes",
            "extra_attempts",
            "closes_at",
            "reason",
        ]
        self.list_display = [
            target,
            "quiz",
            "extra_minutes",
            "extra_attempts",
            "closes_at",
            "created_by",
            "created_at",
        ]

    def get_queryset(self, request: Any) -> QuerySet:
        """One query for the list, whatever its length."""
        return self.model._default_manager.select_related(
            "quiz", self.model.target_kind, "created_by"
        )


class QuizOverrideViewSet(AccommodationViewSet):
    """A learner's accommodations (Moodle's user overrides)."""

    model = QuizOverride
    menu_label = "Accommodations"
    menu_order = 215
    url_prefix = "quizzes/accommodations"
    url_namespace = "quizzes_accommodations"
