"""Assessment request pages: a trainee's requests (`/learn/assessments/`), asking for an
assessment, withdrawing; the assessor's queue (`/assess/`) with accept and decline.

Views are thin: who may open a page is asked of certification.permissions, the writes are
certification.requests' actions. A request that is not the person's own does not exist for them
(404); a page their role cannot use is refused (403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from certification.models import (
    OPEN_REQUEST_STATUSES,
    AssessmentRequest,
    AssessmentStatus,
    ProgrammeAssignment,
    RequestStatus,
    SkillAssessment,
    SkillChecklist,
)
from certification.my_programmes import learner_certification
from certification.permissions import may_use_assessor_queue
from certification.request_forms import (
    KIND_EXTERNAL,
    AssessorRequestForm,
    DeclineForm,
    ExternalProposalForm,
)
from certification.requests import (
    AcceptRequestAction,
    DeclineRequestAction,
    RequestAssessmentAction,
    WithdrawRequestAction,
    trainee_clinics,
)
from certification.rules import CertificationError
from core.params import query_id

PAST_SHOWN = 50
ANSWERED_SHOWN = 20


# A trainee's own requests ---------------------------------------------------------------------


@login_required
@require_GET
def my_requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's open and past requests, and their signed assessments."""
    user = request.user
    mine = list(
        AssessmentRequest.objects.filter(trainee=user)
        .select_related("checklist", "assessor", "external_assessor")
        .order_by("-created_at", "-pk")[: PAST_SHOWN * 2]
    )
    assessments = (
        SkillAssessment.objects.filter(trainee=user, status=AssessmentStatus.SIGNED)
        .select_related("assessor", "external_assessor")
        .order_by("-signed_at", "-pk")
    )
    return TemplateResponse(
        request,
        "certification/requests/my_requests.html",
        {
            "open_requests": [r for r in mine if r.is_open],
            "past_requests": [r for r in mine if not r.is_open][:PAST_SHOWN],
            "assessments": list(assessments),
        },
    )


def learn_requests(request: AuthenticatedHttpRequest, progress: Any) -> dict[str, int]:
    """The /learn/ panel's numbers: the person's requests waiting and accepted (read with their
    assignments, in the query the page's certification panels share)."""
    counts = learner_certification(request).requests
    return {
        "pending": counts.get(RequestStatus.PENDING, 0),
        "accepted": counts.get(RequestStatus.ACCEPTED, 0),
    }


def _needed_checklist_ids(user: Any) -> set[int]:
    """The checklists the programmes assigned to `user` require, first or on renewal."""
    programmes = ProgrammeAssignment.objects.filter(user=user).values("programme_id")
    return set(
        SkillChecklist.objects.filter(
            Q(programmes__in=programmes) | Q(renewal_programmes__in=programmes)
        ).values_list("pk", flat=True)
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_assessment(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Without `?checklist=`: the published checklists, those the person's assigned programmes
    need first. With it: ask one of its eligible assessors, or propose an external supervisor."""
    checklist_id = query_id(request.GET, "checklist")
    if checklist_id is None:
        if request.method == "POST":
            return HttpResponse("Choose a checklist first.", status=400)
        needed = _needed_checklist_ids(request.user)
        checklists = list(SkillChecklist.objects.filter(live=True).order_by("title"))
        return TemplateResponse(
            request,
            "certification/requests/choose_checklist.html",
            {
                "needed": [c for c in checklists if c.pk in needed],
                "others": [c for c in checklists if c.pk not in needed],
            },
        )
    checklist = get_object_or_404(SkillChecklist, pk=checklist_id, live=True)
    clinics = trainee_clinics(request.user)
    external = request.method == "POST" and request.POST.get(f"{KIND_EXTERNAL}-kind") == (
        KIND_EXTERNAL
    )
    data = request.POST if request.method == "POST" else None
    assessor_form = AssessorRequestForm(None if external else data, checklist=checklist)
    external_form = ExternalProposalForm(data if external else None, clinics=clinics)
    context = {
        "checklist": checklist,
        "assessor_form": assessor_form,
        "external_form": external_form,
        "clinics": clinics,
    }
    if request.method != "POST":
        return TemplateResponse(request, "certification/requests/request_form.html", context)
    form: AssessorRequestForm | ExternalProposalForm = external_form if external else assessor_form
    if not form.is_valid():
        return TemplateResponse(
            request, "certification/requests/request_form.html", context, status=400
        )
    action = RequestAssessmentAction(
        checklist,
        user=request.user,
        assessor=None if external else form.cleaned_data["assessor"],
        external=external_form.proposal() if external else None,
        message=form.cleaned_data["message"],
    )
    try:
        made = action.execute()
    except CertificationError as exc:
        form.add_error(None, str(exc))
        return TemplateResponse(
            request, "certification/requests/request_form.html", context, status=400
        )
    supervisor = made.external_assessor
    if supervisor is not None and not supervisor.approved:
        who = "your clinic's managers" if supervisor.clinic_id else "an administrator"
        messages.success(
            request, f"Request sent: {supervisor.name} is e-mailed a link once {who} approve them."
        )
    else:
        messages.success(request, f"Request sent to {made.assessor_name}.")
    return redirect("my_assessments:list")


@login_required
@require_POST
def withdraw_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The trainee withdraws one of their open requests."""
    own = get_object_or_404(AssessmentRequest, pk=pk, trainee=request.user)
    try:
        WithdrawRequestAction(own, user=request.user).execute()
    except CertificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Request for “{own.checklist.title}” withdrawn.")
    return redirect("my_assessments:list")


# The assessor's queue -------------------------------------------------------------------------


def _assessor_or_403(request: AuthenticatedHttpRequest) -> None:
    if not may_use_assessor_queue(request.user):
        raise PermissionDenied("Only assessors have a queue of assessment requests.")


def _queue(
    request: AuthenticatedHttpRequest, *, errors: dict[int, str] | None = None, status: int = 200
) -> TemplateResponse:
    received = (
        AssessmentRequest.objects.filter(assessor=request.user)
        .select_related("trainee", "checklist")
        .order_by("created_at", "pk")
    )
    open_requests = list(received.filter(status__in=OPEN_REQUEST_STATUSES))
    for item in open_requests:
        item.decline_error = (errors or {}).get(item.pk, "")  # type: ignore[attr-defined]
    return TemplateResponse(
        request,
        "certification/requests/queue.html",
        {
            "pending": [r for r in open_requests if r.status == RequestStatus.PENDING],
            "accepted": [r for r in open_requests if r.status == RequestStatus.ACCEPTED],
            "answered": list(
                received.exclude(status__in=OPEN_REQUEST_STATUSES).order_by(
                    Coalesce("completed_at", "responded_at", "created_at").desc(), "-pk"
                )[:ANSWERED_SHOWN]
            ),
        },
        status=status,
    )


@login_required
@require_GET
def assessor_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Requests to the signed-in assessor: waiting for an answer, accepted, recently answered."""
    _assessor_or_403(request)
    return _queue(request)


def _received(request: AuthenticatedHttpRequest, pk: int) -> AssessmentRequest:
    _assessor_or_403(request)
    found = (
        AssessmentRequest.objects.select_related("trainee", "checklist", "assessor")
        .filter(pk=pk, assessor=request.user)
        .first()
    )
    if found is None:
        raise Http404("No such request.")
    return found


@login_required
@require_POST
def accept_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    received = _received(request, pk)
    try:
        AcceptRequestAction(received, user=request.user).execute()
    except CertificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Accepted: {received.trainee.display_name}, “{received.checklist.title}”. "
            "Start the assessment when you observe them.",
        )
    return redirect("assess:queue")


@login_required
@require_POST
def decline_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    received = _received(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _queue(request, errors={received.pk: "Give the trainee a reason."}, status=400)
    try:
        DeclineRequestAction(
            received, user=request.user, reason=form.cleaned_data["reason"]
        ).execute()
    except CertificationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Declined: {received.trainee.display_name}, “{received.checklist.title}”."
        )
    return redirect("assess:queue")
