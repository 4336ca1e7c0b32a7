"""The admin's disputes (Reports > Assessment disputes): Wagtail's list of every dispute, open
ones first, and one dispute's page where an admin upholds or dismisses it with a resolution
(certification.acknowledgements.ResolveDisputeAction). The list is for those who may resolve
disputes (`permissions.may_resolve_disputes`); disputes change only through the action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path
from django.views.generic import FormView
from wagtail.admin.views.generic import IndexView

from certification.acknowledgements import TEXT_LIMIT, ResolveDisputeAction
from certification.admin_lists import ListOnlyViewSet
from certification.models import AssessmentDispute, DisputeStatus
from certification.permissions import may_resolve_disputes
from certification.rules import CertificationError
from core.admin import AdminPage

DISPUTES = "certification_disputes"


class DisputeIndexView(IndexView):
    """Every dispute, open ones first, newest first within each status."""

    page_title = "Assessment disputes"

    def get_add_url(self) -> None:
        """Disputes are raised by trainees, never added here."""
        return None

    def get_delete_url(self, instance: AssessmentDispute) -> None:
        """A dispute is a record: resolved, never deleted."""
        return None

    def get_base_queryset(self) -> QuerySet:
        return (
            AssessmentDispute.objects.select_related("assessment__trainee", "raised_by")
            .annotate(
                open_first=Case(
                    When(status=DisputeStatus.OPEN, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("open_first", "-raised_at")
        )


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("dismiss", "Dismiss: the assessment stands"),
            ("uphold", "Uphold: it no longer counts"),
        ],
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why: the trainee and the assessor read it.",
    )


class DisputeResolveView(AdminPage, FormView):
    template_name = "certification/acknowledgements/resolve.html"
    header_icon = "warning"
    form_class = ResolveForm
    parent_label, parent_url_name = "Assessment disputes", f"{DISPUTES}:index"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_resolve_disputes(request.user):
            raise PermissionDenied
        self.dispute = get_object_or_404(
            AssessmentDispute.objects.select_related(
                "assessment__trainee",
                "assessment__assessor",
                "assessment__external_assessor",
                "raised_by",
                "resolved_by",
            ),
            pk=kwargs["dispute_id"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return f"Dispute: {self.dispute.assessment}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["dispute"] = self.dispute
        context["assessment"] = self.dispute.assessment
        return context

    def form_valid(self, form: ResolveForm) -> HttpResponse:
        action = ResolveDisputeAction(
            self.dispute,
            self.request.user,
            upheld=form.cleaned_data["decision"] == "uphold",
            resolution=form.cleaned_data["resolution"],
        )
        try:
            dispute = action.execute()
        except CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Dispute {dispute.get_status_display().lower()}.")
        return redirect(f"{DISPUTES}:index")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.dispute.status != DisputeStatus.OPEN:
            form = self.get_form()
            form.add_error(None, "This dispute is already resolved.")
            response = self.form_invalid(form)
            response.status_code = 400
            return response
        return super().post(request, *args, **kwargs)


class DisputeViewSet(ListOnlyViewSet):
    model = AssessmentDispute
    index_view_class = DisputeIndexView
    url_prefix = "certification/disputes"
    url_namespace = DISPUTES
    icon = "warning"
    menu_label = "Assessment disputes"
    menu_hook = "register_reports_menu_item"
    list_display = ["__str__", "raised_by", "status", "raised_at"]
    list_filter = ["status"]

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            *self.list_urlpatterns(),
            path("<id:dispute_id>/", DisputeResolveView.as_view(), name="edit"),
        ]
