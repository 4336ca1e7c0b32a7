"""The chair-side assessment screen, for a tablet: start, record (saved as it goes), sign.

Thin: who may act is certification.permissions (asked by the actions), the writes are
certification.assessing and the actions. The screen, the save endpoint and the signing
confirmation are shared with the external supervisor's link (certification.external_views):
each takes the actor and the addresses to post to.

An assessor sees only their own drafts: anyone else's is a 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from certification import assessing
from certification.actions import StartAssessmentAction, UpdateAssessmentAction
from certification.assess_forms import StartForm
from certification.forms import AssessmentForm, SignForm
from certification.models import AssessmentRequest, RequestStatus, SkillAssessment
from certification.permissions import assessment_policy, may_use_assessor_queue
from certification.rules import CertificationError, assessment_passes, signing_gaps
from core.params import query_id, query_text


@dataclass(frozen=True)
class ScreenUrls:
    """Where the screen's forms post, and where it goes back to."""

    screen: str
    save: str
    sign: str


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _assessor(request: HttpRequest) -> Any:
    if not may_use_assessor_queue(request.user):
        raise PermissionDenied("Only assessors record observed assessments.")
    return request.user


def _urls(assessment: SkillAssessment) -> ScreenUrls:
    return ScreenUrls(
        screen=reverse("assess:screen", args=[assessment.pk]),
        save=reverse("assess:save", args=[assessment.pk]),
        sign=reverse("assess:sign", args=[assessment.pk]),
    )


def _own_assessment(request: HttpRequest, assessment_id: int) -> SkillAssessment:
    """The signed-in assessor's own assessment (draft or signed); anyone else's is a 404."""
    _assessor(request)
    assessment = get_object_or_404(
        SkillAssessment.objects.select_related("trainee", "external_assessor"), pk=assessment_id
    )
    if assessment.assessor_id != request.user.pk:
        raise Http404("No such assessment.")
    return assessment


# Shared with the external link ------------------------------------------------------------------


def item_rows(form: AssessmentForm, snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """Each item with its guidance (from the snapshot), its result and comment as bound."""
    guidance = [i.get("guidance", "") for i in snapshot["items"]]
    rows = []
    for item in form.items:
        result, comment = form[f"item_{item.position}"], form[f"item_{item.position}_comment"]
        rows.append(
            {
                "item": item,
                "guidance": guidance[item.position - 1] if item.position <= len(guidance) else "",
                "name": result.html_name,
                "value": result.value() or "",
                "errors": result.errors + comment.errors,
                "comment": comment,
            }
        )
    return rows


def draft_form(assessment: SkillAssessment, data: Any = None) -> AssessmentForm:
    return AssessmentForm(
        data,
        assessment=assessment,
        initial={
            "assessed_on": assessment.assessed_on,
            "global_rating": assessment.global_rating,
            "comments": assessment.comments,
        },
    )


def render_screen(
    request: HttpRequest,
    assessment: SkillAssessment,
    urls: ScreenUrls,
    form: AssessmentForm | None = None,
    *,
    external: bool = False,
    status: int = 200,
) -> HttpResponse:
    """The chair-side form of a draft, or the signed record (read only)."""
    template = "certification/assess/signed.html"
    context: dict[str, Any] = {"assessment": assessment, "urls": urls, "external": external}
    if assessment.is_signed:
        context["items"] = list(assessment.item_results.all())
    else:
        template = "certification/assess/screen.html"
        form = form or draft_form(assessment)
        snapshot = assessment.checklist_snapshot
        context.update(
            form=form,
            rows=item_rows(form, snapshot),
            ratings=range(1, snapshot["rating_max"] + 1),
            rating=str(form["global_rating"].value() or ""),
            today=timezone.localdate(),
        )
    return TemplateResponse(request, template, context, status=status)


def save_draft(
    request: HttpRequest, assessment: SkillAssessment, actor: Any, urls: ScreenUrls, **kw: Any
) -> HttpResponse:
    """Save the posted draft (the autosave asks for JSON; the Save button for a page)."""
    form = draft_form(assessment, request.POST)
    error = ""
    if form.is_valid():
        try:
            UpdateAssessmentAction(
                assessment,
                user=actor,
                results=form.results(),
                global_rating=form.cleaned_data["global_rating"],
                comments=form.cleaned_data["comments"],
                assessed_on=form.cleaned_data["assessed_on"],
            ).execute()
        except CertificationError as exc:
            error = str(exc)
    else:
        error = "Nothing was saved: " + "; ".join(
            f"{form[name].label}: {' '.join(map(str, errs))}"
            if name != "__all__"
            else " ".join(map(str, errs))
            for name, errs in form.errors.items()
        )
    if wants_json(request):
        if error:
            return JsonResponse({"error": error, "signed": assessment.is_signed}, status=400)
        return JsonResponse({"saved": True, "at": timezone.now().isoformat()})
    if error:
        messages.error(request, error)
        return render_screen(request, assessment, urls, form, status=400, **kw)
    if "sign" in request.POST:
        return redirect(urls.sign)
    messages.success(request, "Draft saved.")
    return redirect(urls.screen)


def sign_context(assessment: SkillAssessment) -> dict[str, Any]:
    """What signing would record: the outcome, must-pass items not met, what is missing."""
    items = list(assessment.item_results.all())
    snapshot = assessment.checklist_snapshot
    return {
        "items": items,
        "unmet": [i for i in items if i.must_pass and i.result != "met"],
        "gaps": signing_gaps(items, assessment.global_rating),
        "passes": assessment_passes(
            [(i.must_pass, i.result) for i in items],
            assessment.global_rating,
            snapshot["pass_rating"],
        ),
    }


def render_sign(
    request: HttpRequest, assessment: SkillAssessment, urls: ScreenUrls, form: SignForm, **kw: Any
) -> HttpResponse:
    context = {"assessment": assessment, "urls": urls, "form": form, **kw}
    context.update(sign_context(assessment))
    return TemplateResponse(request, "certification/assess/sign.html", context)


# The assessor's pages ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Start from an accepted request (`?request=<id>`) or for a trainee found by name."""
    user = _assessor(request)
    data = request.POST if request.method == "POST" else request.GET
    request_id = query_id(data, "request")
    if request_id is not None:
        return _start_for_request(request, user, request_id)
    form = StartForm(request.POST or None, assessor=user)
    query = query_text(data, "q")
    if request.method == "POST" and form.is_valid():
        try:
            assessment = StartAssessmentAction(
                form.cleaned_data["checklist"],
                user=user,
                trainee=form.cleaned_data["trainee"],
                assessed_on=form.cleaned_data["assessed_on"],
            ).execute()
        except CertificationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("assess:screen", assessment.pk)
    context = {
        "form": form,
        "query": query,
        "found": assessing.find_trainees(query, user),
        "too_short": 0 < len(query) < assessing.SEARCH_MIN,
        "chosen": str(form["trainee"].value() or ""),
        "accepted": list(assessing.my_accepted_requests(user)[:50]),
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "certification/assess/start.html", context, status=status)


def _start_for_request(request: HttpRequest, user: Any, request_id: int) -> HttpResponse:
    asked = get_object_or_404(
        AssessmentRequest.objects.select_related("trainee", "checklist"), pk=request_id
    )
    if asked.assessor_id != user.pk:
        raise Http404("No such request.")
    if request.method == "POST":
        try:
            assessment = assessing.start_for_request(asked.pk, user)
        except CertificationError as exc:
            messages.error(request, str(exc))
            return redirect("assess:start")
        return redirect("assess:screen", assessment.pk)
    context = {"asked": asked, "ready": asked.status == RequestStatus.ACCEPTED}
    status = 200 if context["ready"] else 409
    return TemplateResponse(
        request, "certification/assess/start_request.html", context, status=status
    )


@login_required
@require_http_methods(["GET"])
def screen(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _own_assessment(request, assessment_id)
    return render_screen(request, assessment, _urls(assessment))


@login_required
@require_POST
def save(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = _own_assessment(request, assessment_id)
    return save_draft(request, assessment, request.user, _urls(assessment))


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Confirm, then sign: valid only for the draft exactly as it was shown."""
    assessment = _own_assessment(request, assessment_id)
    urls = _urls(assessment)
    if assessment.is_signed:
        messages.info(request, "This assessment is already signed.")
        return redirect(urls.screen)
    if not assessment_policy.user_has_permission_for_instance(request.user, "sign", assessment):
        raise PermissionDenied("Only the assessor who recorded this assessment can sign it.")
    form = SignForm(request.POST or None, assessment=assessment)
    if request.method == "GET":
        return render_sign(request, assessment, urls, form)
    if not form.is_valid():
        messages.error(request, " ".join(map(str, form.errors.get("reviewed", ["Review it."]))))
        return redirect(urls.sign)
    try:
        signed = assessing.sign(assessment, request.user)
    except CertificationError as exc:
        messages.error(request, str(exc))
        return redirect(urls.screen)
    outcome = "passed" if signed.passed else "did not pass"
    messages.success(request, f"Signed: {signed.trainee.display_name} {outcome}.")
    return redirect(urls.screen)
