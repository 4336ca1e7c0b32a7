"""Admin pages that record, sign and revoke, each write through its action
(certification.actions). They are custom views of the assessment and certificate viewsets
(certification.admin_lists), whose lists are Wagtail's IndexView.

Who may open a page is asked of certification.permissions; whether the user may make the write
is the action's `check()`, which asks the same policy.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from certification import services
from certification.actions import (
    RevokeCertificateAction,
    SignAssessmentAction,
    StartAssessmentAction,
    UpdateAssessmentAction,
)
from certification.forms import AssessmentForm, RevokeForm, SignForm, StartAssessmentForm
from certification.models import Certificate, SkillAssessment
from certification.permissions import assessment_policy, certificate_policy
from core.admin import AdminPage
from core.params import query_id, query_text

ASSESSMENTS = "certification_assessments"
CERTIFICATES = "certification_certificates"

# Skill assessments ------------------------------------------------------------------------------


class AssessmentCreateView(PermissionCheckedMixin, AdminPage, FormView):
    template_name = "certification/admin/assessment_start.html"
    page_title = "Record a skill assessment"
    header_icon = "tasks"
    form_class = StartAssessmentForm
    permission_policy = assessment_policy
    permission_required = "add"
    parent_label, parent_url_name = "Skill assessments", f"{ASSESSMENTS}:index"

    def get_initial(self) -> dict[str, Any]:
        """ "Record a new assessment" on a signed one pre-selects its trainee and checklist."""
        return {
            key: value
            for key in ("trainee", "checklist")
            if (value := query_id(self.request.GET, key)) is not None
        }

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        kwargs["search"] = query_text(data, "q")
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form: StartAssessmentForm) -> HttpResponse:
        action = StartAssessmentAction(
            form.cleaned_data["checklist"],
            user=self.request.user,
            trainee=form.cleaned_data["trainee"],
            assessed_on=form.cleaned_data["assessed_on"],
        )
        try:
            assessment = action.execute()
        except services.CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return redirect(f"{ASSESSMENTS}:edit", assessment.pk)


class OneAssessmentPage(AdminPage, FormView):
    """An admin page about one assessment (`self.assessment`), under *Skill assessments*:
    for assessors, who are let in before the assessment is looked up."""

    header_icon = "tasks"
    parent_label, parent_url_name = "Skill assessments", f"{ASSESSMENTS}:index"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not assessment_policy.user_has_permission(request.user, "view"):
            raise PermissionDenied
        self.assessment = get_object_or_404(
            SkillAssessment.objects.select_related("trainee", "assessor"),
            pk=kwargs["assessment_id"],
        )
        return self.refusal() or super().dispatch(request, *args, **kwargs)

    def refusal(self) -> HttpResponse | None:
        """A response instead of the page (or PermissionDenied); None lets the user in."""
        return None

    def back_to_assessment(self) -> HttpResponse:
        return redirect(f"{ASSESSMENTS}:edit", self.assessment.pk)


class AssessmentView(OneAssessmentPage):
    """A draft: record results and sign. A signed assessment: read only."""

    template_name = "certification/admin/assessment.html"
    form_class = AssessmentForm

    def get_page_title(self) -> str:
        return (
            f"{self.assessment.checklist_snapshot['title']}: {self.assessment.trainee.display_name}"
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["assessment"] = self.assessment
        kwargs.setdefault("initial", {}).update(
            {
                "assessed_on": self.assessment.assessed_on,
                "global_rating": self.assessment.global_rating,
                "comments": self.assessment.comments,
            }
        )
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["assessment"] = self.assessment
        context["items"] = items = list(self.assessment.item_results.select_related("competency"))
        form = context["form"]
        context["item_rows"] = [
            (i, form[f"item_{i.position}"], form[f"item_{i.position}_comment"]) for i in items
        ]
        context["main_fields"] = [form["assessed_on"], form["global_rating"], form["comments"]]
        context["can_edit"] = (
            not self.assessment.is_signed
            and assessment_policy.user_has_permission_for_instance(
                self.request.user, "change", self.assessment
            )
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.assessment.is_signed:
            messages.error(
                request, "This assessment is signed and cannot change; record a new one instead."
            )
            return self.back_to_assessment()
        self.update_action().check()
        return super().post(request, *args, **kwargs)

    def update_action(self, form: AssessmentForm | None = None) -> UpdateAssessmentAction:
        data = form.cleaned_data if form is not None else {}
        return UpdateAssessmentAction(
            self.assessment,
            user=self.request.user,
            results=form.results() if form is not None else {},
            global_rating=data.get("global_rating"),
            comments=data.get("comments", ""),
            assessed_on=data.get("assessed_on", self.assessment.assessed_on),
        )

    def form_valid(self, form: AssessmentForm) -> HttpResponse:
        try:
            self.update_action(form).execute()
        except services.CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if "sign" in self.request.POST:
            # Signing is final, so it happens only on the confirmation page.
            return redirect(f"{ASSESSMENTS}:sign", self.assessment.pk)
        messages.success(self.request, "Draft saved.")
        return self.back_to_assessment()


class AssessmentSignView(OneAssessmentPage):
    """Confirm a signature: the draft as it stands, its outcome, and that signing is final."""

    template_name = "certification/admin/assessment_sign.html"
    form_class = SignForm

    def refusal(self) -> HttpResponse | None:
        if self.assessment.is_signed:
            messages.info(self.request, "This assessment is already signed.")
            return self.back_to_assessment()
        self.sign_action().check()
        return None

    def sign_action(self) -> SignAssessmentAction:
        return SignAssessmentAction(self.assessment, user=self.request.user)

    def get_page_title(self) -> str:
        return f"Sign: {self.assessment.checklist_snapshot['title']}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "assessment": self.assessment}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        items = list(self.assessment.item_results.select_related("competency"))
        snapshot = self.assessment.checklist_snapshot
        context.update(
            {
                "assessment": self.assessment,
                "items": items,
                "gaps": services.signing_gaps(items, self.assessment.global_rating),
                "passes": services.assessment_passes(
                    [(i.must_pass, i.result) for i in items],
                    self.assessment.global_rating,
                    snapshot["pass_rating"],
                ),
            }
        )
        return context

    def form_invalid(self, form: SignForm) -> HttpResponse:
        """A stale confirmation is shown the draft as it is now, to review again."""
        for error in form.errors.get("reviewed", []):
            messages.error(self.request, str(error))
        return redirect(f"{ASSESSMENTS}:sign", self.assessment.pk)

    def form_valid(self, form: SignForm) -> HttpResponse:
        try:
            signed = self.sign_action().execute()
        except services.CertificationError as exc:
            messages.error(self.request, str(exc))
            return self.back_to_assessment()
        outcome = "passed" if signed.passed else "did not pass"
        messages.success(
            self.request, f"Assessment signed: {signed.trainee.display_name} {outcome}."
        )
        return self.back_to_assessment()


# Certificates -----------------------------------------------------------------------------------


class CertificateRevokeView(AdminPage, FormView):
    template_name = "certification/admin/revoke.html"
    header_icon = "warning"
    form_class = RevokeForm
    parent_label, parent_url_name = "Certificates", f"{CERTIFICATES}:index"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not certificate_policy.user_has_permission(request.user, "revoke"):
            raise PermissionDenied
        self.certificate = get_object_or_404(
            Certificate.objects.select_related("programme", "user"), pk=kwargs["certificate_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return f"Revoke: {self.certificate}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["certificate"] = self.certificate
        return context

    def form_valid(self, form: RevokeForm) -> HttpResponse:
        action = RevokeCertificateAction(
            self.certificate, user=self.request.user, reason=form.cleaned_data["reason"]
        )
        try:
            action.execute()
        except services.CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Certificate {self.certificate.code[:8]}… revoked.")
        return redirect(f"{CERTIFICATES}:index")
