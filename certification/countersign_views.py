"""Countersigning pages: the assessments waiting for me, and one assessment's must-pass items
to review (read only) and countersign. Thin: the rule is `permissions.may_countersign`, the
write `countersign.CountersignAssessmentAction`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from certification.assess_forms import CountersignForm
from certification.countersign import (
    CountersignAssessmentAction,
    awaiting_countersign,
    waiting_reason,
)
from certification.models import Countersignature, SkillAssessment
from certification.permissions import may_countersign, may_use_assessor_queue
from certification.rules import CertificationError

LISTED = 100


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The signed assessments waiting for a countersignature I may give, oldest first."""
    if not may_use_assessor_queue(request.user):
        raise PermissionDenied("Only assessors countersign assessments.")
    waiting = list(awaiting_countersign(request.user)[: LISTED + 1])
    return TemplateResponse(
        request,
        "certification/assess/countersign_queue.html",
        {"waiting": waiting[:LISTED], "more": len(waiting) > LISTED},
    )


@login_required
@require_http_methods(["GET", "POST"])
def countersign(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Review the must-pass items of a signed assessment, then countersign it."""
    if not may_use_assessor_queue(request.user):
        raise PermissionDenied("Only assessors countersign assessments.")
    assessment = get_object_or_404(
        SkillAssessment.objects.select_related(
            "trainee", "assessor", "external_assessor", "checklist"
        ),
        pk=assessment_id,
    )
    if not assessment.needs_countersign or not may_countersign(request.user, assessment):
        raise Http404("No such assessment to countersign.")
    form = CountersignForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            action = CountersignAssessmentAction(
                assessment, user=request.user, comment=form.cleaned_data["comment"]
            )
            try:
                action.execute()
            except CertificationError as exc:
                messages.error(request, str(exc))
                return redirect("assess:countersign", assessment.pk)
            messages.success(
                request,
                f"Countersigned: {assessment.checklist_snapshot['title']} for "
                f"{assessment.trainee.display_name}.",
            )
            return redirect("assess:countersign_queue")
        status = 400
    items = list(assessment.item_results.all())
    done = (
        Countersignature.objects.select_related("countersigned_by")
        .filter(assessment=assessment)
        .first()
    )
    context = {
        "assessment": assessment,
        "form": form,
        "must_pass": [i for i in items if i.must_pass],
        "others": [i for i in items if not i.must_pass],
        "done": done,
        "reason": "" if done else waiting_reason(assessment),
    }
    return TemplateResponse(
        request, "certification/assess/countersign.html", context, status=status
    )
