"""A trainee's signed assessment, `/learn/assessments/<id>/`: read it, then acknowledge it
with a reflection or dispute it (certification.acknowledgements). Who may read it is
`permissions.may_read_assessment` (the trainee, their clinic's managers, admins); others are
told it does not exist. Only the trainee acts; a bad form says why and writes nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from certification.acknowledgements import (
    TEXT_LIMIT,
    AcknowledgeAssessmentAction,
    DisputeAssessmentAction,
    detail_url,
    refusal,
)
from certification.models import SkillAssessment
from certification.permissions import may_acknowledge, may_read_assessment
from certification.rules import CertificationError


class ReflectionForm(forms.Form):
    reflection = forms.CharField(
        label="Your reflection (optional)",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What went well, what you will do differently. Saved with your acknowledgement.",
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label="Why you dispute this assessment",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="An admin reads it and decides; the assessment itself is never edited.",
    )


def _assessment(request: AuthenticatedHttpRequest, pk: int) -> SkillAssessment:
    assessment = get_object_or_404(
        SkillAssessment.objects.select_related(
            "trainee",
            "assessor",
            "external_assessor",
            "acknowledgement",
            "countersignature__countersigned_by",
        ),
        pk=pk,
    )
    if not may_read_assessment(request.user, assessment):
        raise Http404("No such assessment.")
    return assessment


def _page(
    request: AuthenticatedHttpRequest,
    assessment: SkillAssessment,
    *,
    reflection: ReflectionForm | None = None,
    dispute: DisputeForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    mine = may_acknowledge(request.user, assessment)
    disputes = list(assessment.disputes.select_related("resolved_by"))
    context = {
        "assessment": assessment,
        "items": list(assessment.item_results.all()),
        "acknowledgement": getattr(assessment, "acknowledgement", None),
        "countersignature": getattr(assessment, "countersignature", None),
        "disputes": disputes,
        "mine": mine,
        "refusal": refusal(assessment) if mine else "",
        "reflection_form": reflection or ReflectionForm(),
        "dispute_form": dispute or DisputeForm(),
    }
    return TemplateResponse(
        request, "certification/acknowledgements/detail.html", context, status=status
    )


@login_required
@require_GET
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> TemplateResponse:
    return _page(request, _assessment(request, pk))


@login_required
@require_POST
def acknowledge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    form = ReflectionForm(request.POST)
    if form.is_valid():
        action = AcknowledgeAssessmentAction(
            assessment, request.user, form.cleaned_data["reflection"]
        )
        try:
            action.execute()
        except CertificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Acknowledged. Thank you for your reflection.")
            return HttpResponseRedirect(detail_url(assessment))
    return _page(request, assessment, reflection=form, status=400)


@login_required
@require_POST
def dispute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    form = DisputeForm(request.POST)
    if form.is_valid():
        action = DisputeAssessmentAction(assessment, request.user, form.cleaned_data["reason"])
        try:
            action.execute()
        except CertificationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your dispute is sent to an admin, who will decide.")
            return HttpResponseRedirect(detail_url(assessment))
    return _page(request, assessment, dispute=form, status=400)
