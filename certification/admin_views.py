"""Admin views: recording and signing skill assessments; listing and revoking certificates."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from certification import services
from certification.forms import AssessmentForm, SignForm, StartAssessmentForm
from certification.models import (
    AssessmentStatus,
    Certificate,
    CertificateStatus,
    SkillAssessment,
)
from core.admin import AdminPage
from core.params import query_choice, query_id, query_text

PAGE_SIZE = 50


class AssessmentListView(AdminPage, TemplateView):
    template_name = "certification/admin/assessments.html"
    page_title = "Skill assessments"
    header_icon = "tasks"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = SkillAssessment.objects.select_related("trainee", "assessor").order_by(
            "-created_at"
        )
        if self.request.GET.get("mine") != "0":
            queryset = queryset.filter(assessor=self.request.user)
        status = query_choice(self.request.GET, "status", AssessmentStatus.values)
        if status:
            queryset = queryset.filter(status=status)
        context["assessments"] = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("p"))
        context["mine"] = self.request.GET.get("mine") != "0"
        context["status"] = status
        return context


class AssessmentCreateView(AdminPage, FormView):
    template_name = "certification/admin/assessment_start.html"
    page_title = "Record a skill assessment"
    header_icon = "tasks"
    form_class = StartAssessmentForm
    parent_label, parent_url_name = "Skill assessments", "certification_admin:assessments"

    def get_initial(self):
        """ "Record a new assessment" on a signed one pre-selects its trainee and checklist."""
        return {
            key: value
            for key in ("trainee", "checklist")
            if (value := query_id(self.request.GET, key)) is not None
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        kwargs["search"] = query_text(data, "q")
        return kwargs

    def form_valid(self, form):
        try:
            assessment = services.start_assessment(
                form.cleaned_data["trainee"],
                self.request.user,
                form.cleaned_data["checklist"],
                assessed_on=form.cleaned_data["assessed_on"],
            )
        except services.CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return redirect("certification_admin:assessment", assessment_id=assessment.pk)


class OneAssessmentPage(AdminPage, FormView):
    """An admin page about one assessment (`self.assessment`), under *Skill assessments*."""

    header_icon = "tasks"
    parent_label, parent_url_name = "Skill assessments", "certification_admin:assessments"

    def load_assessment(self, assessment_id) -> None:
        self.assessment = get_object_or_404(
            SkillAssessment.objects.select_related("trainee", "assessor"), pk=assessment_id
        )


class AssessmentView(OneAssessmentPage):
    """A draft: record results and sign. A signed assessment: read only."""

    template_name = "certification/admin/assessment.html"
    form_class = AssessmentForm

    def dispatch(self, request, *args, **kwargs):
        self.load_assessment(kwargs["assessment_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return (
            f"{self.assessment.checklist_snapshot['title']}: {self.assessment.trainee.display_name}"
        )

    def get_form_kwargs(self):
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assessment"] = self.assessment
        context["items"] = items = list(self.assessment.item_results.select_related("competency"))
        form = context["form"]
        context["item_rows"] = [
            (i, form[f"item_{i.position}"], form[f"item_{i.position}_comment"]) for i in items
        ]
        context["main_fields"] = [form["assessed_on"], form["global_rating"], form["comments"]]
        context["can_edit"] = (
            not self.assessment.is_signed and self.assessment.assessor_id == self.request.user.pk
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.assessment.is_signed:
            messages.error(
                request, "This assessment is signed and cannot change; record a new one instead."
            )
            return redirect("certification_admin:assessment", assessment_id=self.assessment.pk)
        if self.assessment.assessor_id != request.user.pk:
            raise PermissionDenied("Only the assessor who recorded this assessment can change it.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.update_assessment(
                self.assessment.pk,
                self.request.user,
                results=form.results(),
                global_rating=form.cleaned_data["global_rating"],
                comments=form.cleaned_data["comments"],
                assessed_on=form.cleaned_data["assessed_on"],
            )
        except services.CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if "sign" in self.request.POST:
            # Signing is final, so it happens only on the confirmation page.
            return redirect("certification_admin:assessment_sign", assessment_id=self.assessment.pk)
        messages.success(self.request, "Draft saved.")
        return redirect("certification_admin:assessment", assessment_id=self.assessment.pk)


class AssessmentSignView(OneAssessmentPage):
    """Confirm a signature: the draft as it stands, its outcome, and that signing is final."""

    template_name = "certification/admin/assessment_sign.html"
    form_class = SignForm

    def dispatch(self, request, *args, **kwargs):
        self.load_assessment(kwargs["assessment_id"])
        if self.assessment.is_signed:
            messages.info(request, "This assessment is already signed.")
            return redirect("certification_admin:assessment", assessment_id=self.assessment.pk)
        if self.assessment.assessor_id != request.user.pk:
            raise PermissionDenied("Only the assessor who recorded this assessment can sign it.")
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"Sign: {self.assessment.checklist_snapshot['title']}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "assessment": self.assessment}

    def get_context_data(self, **kwargs):
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

    def form_invalid(self, form):
        """A stale confirmation is shown the draft as it is now, to review again."""
        for error in form.errors.get("reviewed", []):
            messages.error(self.request, error)
        return redirect("certification_admin:assessment_sign", assessment_id=self.assessment.pk)

    def form_valid(self, form):
        try:
            signed = services.sign_assessment(self.assessment.pk, self.request.user)
        except services.CertificationError as exc:
            messages.error(self.request, str(exc))
            return redirect("certification_admin:assessment", assessment_id=self.assessment.pk)
        outcome = "passed" if signed.passed else "did not pass"
        messages.success(
            self.request, f"Assessment signed: {signed.trainee.display_name} {outcome}."
        )
        return redirect("certification_admin:assessment", assessment_id=self.assessment.pk)


class CertificateListView(AdminPage, TemplateView):
    template_name = "certification/admin/certificates.html"
    page_title = "Certificates"
    header_icon = "success"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        queryset = Certificate.objects.select_related("user", "programme").order_by("-issued_at")
        status = self.request.GET.get("status", "")
        if status == CertificateStatus.REVOKED:
            queryset = queryset.revoked()
        elif status == CertificateStatus.EXPIRED:
            queryset = queryset.expired(now)
        elif status == CertificateStatus.EXPIRING:
            queryset = queryset.expiring_within(at=now)
        elif status == CertificateStatus.ACTIVE:
            queryset = queryset.valid(now)
        q = query_text(self.request.GET, "q")
        if q:
            queryset = queryset.filter(
                Q(holder_name__icontains=q) | Q(user__username__icontains=q) | Q(code__startswith=q)
            )
        context.update(
            {
                "certificates": Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("p")),
                "status": status,
                "q": q,
                "statuses": CertificateStatus.choices,
                "can_revoke": self.request.user.has_perm("certification.revoke_certificate"),
            }
        )
        return context


class RevokeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="Recorded in the audit log and shown to the holder.",
    )


class CertificateRevokeView(AdminPage, FormView):
    template_name = "certification/admin/revoke.html"
    header_icon = "warning"
    form_class = RevokeForm
    parent_label, parent_url_name = "Certificates", "certification_admin:certificates"

    def dispatch(self, request, *args, **kwargs):
        self.certificate = get_object_or_404(
            Certificate.objects.select_related("programme", "user"), pk=kwargs["certificate_id"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"Revoke: {self.certificate}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["certificate"] = self.certificate
        return context

    def form_valid(self, form):
        try:
            services.revoke_certificate(
                self.certificate.pk, self.request.user, form.cleaned_data["reason"]
            )
        except services.CertificationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"Certificate {self.certificate.code[:8]}… revoked.")
        return redirect("certification_admin:certificates")
