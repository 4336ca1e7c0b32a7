"""Approving external supervisors: a clinic's page (`/clinics/<slug>/external-assessors/`) for
its managers, and the admin's page (*External supervisors*) for admins, who also decide for
trainees with no clinic. The writes are certification.external_approval's actions.

A clinic someone does not manage does not exist for them (404), nor does a supervisor proposed
for another clinic.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from certification.clinics import managed_clinic
from certification.external_approval import (
    ApproveExternalAssessorAction,
    RejectExternalAssessorAction,
)
from certification.models import (
    OPEN_REQUEST_STATUSES,
    AssessmentRequest,
    Clinic,
    ExternalAssessor,
    ExternalAssessorStatus,
)
from certification.permissions import DECIDE_EXTERNAL, may_decide_external
from certification.request_forms import RejectSupervisorForm
from certification.rules import CertificationError
from core.admin import AdminPage

DECIDED_SHOWN = 50
ADMIN_INDEX = "certification_external_assessors"
NOTE_MISSING = "Say why the supervisor is not approved: the trainee is told."


def supervisors(queryset: QuerySet) -> dict[str, list[ExternalAssessor]]:
    """Those waiting (oldest first, each with its open requests) and the latest decided: three
    queries whatever the number."""
    open_requests = Prefetch(
        "requests",
        queryset=AssessmentRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
        .select_related("trainee", "checklist")
        .order_by("pk"),
        to_attr="open_requests",
    )
    base = queryset.select_related("clinic", "proposed_by", "decided_by")
    return {
        "waiting": list(
            base.filter(status=ExternalAssessorStatus.PENDING)
            .prefetch_related(open_requests)
            .order_by("proposed_at", "pk")
        ),
        "decided": list(
            base.exclude(status=ExternalAssessorStatus.PENDING).order_by("-decided_at", "-pk")[
                :DECIDED_SHOWN
            ]
        ),
    }


def posted_note(request: HttpRequest) -> str | None:
    """The note of a "do not approve", or None when it is missing or too long."""
    form = RejectSupervisorForm(request.POST)
    return form.cleaned_data["note"] if form.is_valid() else None


def decide(request: HttpRequest, external: ExternalAssessor, note: str | None) -> None:
    """Approve `external` (no `note`) or do not approve it (with `note`) as the signed-in user,
    and say what came of it; a refusal is said and nothing is written."""
    try:
        if note is None:
            ApproveExternalAssessorAction(external, user=request.user).execute()
            messages.success(
                request, f"{external.name} is approved: their link is on its way by e-mail."
            )
        else:
            RejectExternalAssessorAction(external, user=request.user, note=note).execute()
            messages.success(request, f"{external.name} is not approved; the trainee is told why.")
    except CertificationError as exc:
        messages.error(request, str(exc))


# A clinic's managers ---------------------------------------------------------------------------


def _clinic_or_404(request: HttpRequest, slug: str) -> Clinic:
    clinic = managed_clinic(request.user, slug)
    if clinic is None:
        raise Http404("No such clinic.")
    return clinic


def _clinic_page(
    request: HttpRequest, clinic: Clinic, *, error_for: int | None = None, status: int = 200
) -> TemplateResponse:
    found = supervisors(ExternalAssessor.objects.filter(clinic=clinic))
    return TemplateResponse(
        request,
        "certification/requests/clinic_external.html",
        {"clinic": clinic, "error_for": error_for, "note_missing": NOTE_MISSING, **found},
        status=status,
    )


@login_required
@require_GET
def clinic_external_assessors(request: HttpRequest, slug: str) -> HttpResponse:
    """The supervisors proposed for this clinic: waiting ones with approve / do not approve."""
    return _clinic_page(request, _clinic_or_404(request, slug))


def _clinic_decision(request: HttpRequest, slug: str, pk: int, approve: bool) -> HttpResponse:
    clinic = _clinic_or_404(request, slug)
    external = get_object_or_404(
        ExternalAssessor.objects.select_related("clinic"), pk=pk, clinic=clinic
    )
    if not may_decide_external(request.user, external):
        raise Http404("No such supervisor.")
    note = None if approve else posted_note(request)
    if not approve and note is None:
        return _clinic_page(request, clinic, error_for=external.pk, status=400)
    decide(request, external, note)
    return redirect("clinics:external_assessors", slug=clinic.slug)


@login_required
@require_POST
def approve_external(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _clinic_decision(request, slug, pk, approve=True)


@login_required
@require_POST
def reject_external(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _clinic_decision(request, slug, pk, approve=False)


# The admin's page ------------------------------------------------------------------------------


class ExternalAssessorsAdminView(AdminPage, TemplateView):
    """Every supervisor waiting for approval (those with no clinic first: only admins decide
    them), and the latest decisions."""

    template_name = "certification/admin/external_supervisors.html"
    page_title = "External supervisors"
    header_icon = "user"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(DECIDE_EXTERNAL):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = supervisors(ExternalAssessor.objects.all())
        found["waiting"].sort(key=lambda e: e.clinic_id is not None)
        context.update(found)
        return context


def _admin_decision(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    if not request.user.has_perm(DECIDE_EXTERNAL):
        raise PermissionDenied
    external = get_object_or_404(ExternalAssessor.objects.select_related("clinic"), pk=pk)
    note = None if approve else posted_note(request)
    if not approve and note is None:
        messages.error(request, NOTE_MISSING)
    else:
        decide(request, external, note)
    return redirect(ADMIN_INDEX)


def admin_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _admin_decision(request, pk, approve=True)


def admin_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _admin_decision(request, pk, approve=False)
