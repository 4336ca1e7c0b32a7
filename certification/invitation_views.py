"""Invitation pages: a clinic's managers invite staff (one at a time or from a CSV file), and
anyone with a link accepts it at /invitations/<token>/. A clinic someone does not manage does
not exist for them (404); the writes are certification.invitations' functions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods, require_POST

from certification import invitations
from certification.invitation_forms import (
    AcceptForm,
    ClinicInviteForm,
    ImportConfirmForm,
    ImportFileForm,
)
from certification.invitation_import import (
    MAX_BYTES,
    FileError,
    check_file,
    sign_rows,
    unsign_rows,
)
from certification.models import Clinic, Invitation
from certification.permissions import may_invite_to_clinic
from certification.tasks import import_invitations_task
from core.tasks import enqueue_after_write

PER_PAGE = 50


def _clinic_or_404(request: HttpRequest, slug: str) -> Clinic:
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None or not may_invite_to_clinic(request.user, clinic):
        raise Http404("No such clinic.")
    return clinic


def _list(
    request: HttpRequest, clinic: Clinic, form: ClinicInviteForm, status: int = 200
) -> TemplateResponse:
    invited = (
        Invitation.objects.filter(clinic=clinic)
        .select_related("invited_by", "accepted_user")
        .prefetch_related("programmes")
    )
    page = Paginator(invited, PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "certification/invitations.html",
        {"clinic": clinic, "invitations": page, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def clinic_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """The clinic's invitations, newest first, and the form inviting one person."""
    clinic = _clinic_or_404(request, slug)
    if request.method != "POST":
        return _list(request, clinic, ClinicInviteForm())
    form = ClinicInviteForm(request.POST)
    if not form.is_valid():
        return _list(request, clinic, form, status=400)
    data = form.cleaned_data
    try:
        invitation = invitations.invite(
            email=data["email"],
            invited_by=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            clinic=clinic,
            clinic_role=data["role"],
            programmes=data["programmes"],
            due_date=data["due_date"],
        )
    except invitations.InvitationError as exc:
        form.add_error(None, str(exc))
        return _list(request, clinic, form, status=400)
    messages.success(request, sent_message(invitation))
    return redirect("clinics:invitations", slug=clinic.slug)


def _clinic_invitation(request: HttpRequest, slug: str, pk: int) -> Invitation:
    clinic = _clinic_or_404(request, slug)
    return get_object_or_404(Invitation.objects.select_related("clinic"), pk=pk, clinic=clinic)


def sent_message(invitation: Invitation) -> str:
    """What the inviter is told once an invitation is on its way."""
    if invitation.existing_account:
        return (
            f"Invitation sent to {invitation.email}: they already have an account and join "
            "once they accept, signed in."
        )
    return f"Invitation sent to {invitation.email}."


# What a resend or a withdrawal says when it is done ({email} is the invitation's address).
RESENT = "Invitation sent again to {email}, with a new link."
WITHDRAWN = "Invitation to {email} withdrawn."


def change_invitation(request: HttpRequest, invitation: Invitation, change: Any, done: str) -> None:
    """Apply `change` (invitations.resend or invitations.revoke) as the signed-in user, and say
    what came of it: `done` on success, the refusal otherwise (nothing written then)."""
    try:
        change(invitation, request.user)
    except invitations.InvitationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done.format(email=invitation.email))


@login_required
@require_POST
def resend_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    change_invitation(request, _clinic_invitation(request, slug, pk), invitations.resend, RESENT)
    return redirect("clinics:invitations", slug=slug)


@login_required
@require_POST
def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    change_invitation(request, _clinic_invitation(request, slug, pk), invitations.revoke, WITHDRAWN)
    return redirect("clinics:invitations", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def import_invitations(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1: upload and check a file (nothing written); step 2: confirm the good rows."""
    clinic = _clinic_or_404(request, slug)
    context: dict[str, Any] = {"clinic": clinic, "form": ImportFileForm()}
    if request.method != "POST":
        return TemplateResponse(request, "certification/invitation_import.html", context)
    if "payload" in request.POST:
        return _confirm_import(request, clinic, context)
    form = ImportFileForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return TemplateResponse(
            request, "certification/invitation_import.html", context, status=400
        )
    try:
        # Read one byte past the limit at most: check_file refuses what is longer.
        rows = check_file(form.cleaned_data["file"].read(MAX_BYTES + 1), clinic)
    except FileError as exc:
        form.add_error("file", str(exc))
        return TemplateResponse(
            request, "certification/invitation_import.html", context, status=400
        )
    good = [row for row in rows if row.ok]
    context.update(
        {
            "rows": rows,
            "good": len(good),
            "bad": len(rows) - len(good),
            "confirm": ImportConfirmForm(initial={"payload": sign_rows(rows, clinic, request.user)})
            if good
            else None,
        }
    )
    return TemplateResponse(request, "certification/invitation_import.html", context)


def _confirm_import(request: HttpRequest, clinic: Clinic, context: dict[str, Any]) -> HttpResponse:
    confirm = ImportConfirmForm(request.POST)
    try:
        if not confirm.is_valid():
            raise FileError("The checked rows were missing; check the file again.")
        rows = unsign_rows(confirm.cleaned_data["payload"], clinic, request.user)
    except FileError as exc:
        context["payload_error"] = str(exc)
        return TemplateResponse(
            request, "certification/invitation_import.html", context, status=400
        )
    enqueue_after_write(import_invitations_task, clinic.pk, request.user.pk, rows)
    messages.success(
        request,
        f"Sending {len(rows)} invitation{'s' if len(rows) != 1 else ''}. They appear in the "
        "list below as they are sent.",
    )
    return redirect("clinics:invitations", slug=clinic.slug)


# Accepting ------------------------------------------------------------------------------------


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link: what the invitation gives, and a form for name and password.
    A forged, altered or replaced link is 404; a used, withdrawn or expired one says so."""
    invitation = invitations.find_invitation(token)
    if invitation is None:
        raise Http404("No such invitation.")
    context: dict[str, Any] = {
        "invitation": invitation,
        "programmes": sorted(invitation.programmes.all(), key=lambda p: p.title),
        "token": token,
    }
    reason = invitations.refusal(invitation)
    if reason:
        context["refusal"] = reason
        return _no_store(
            TemplateResponse(request, "certification/invitation_accept.html", context, status=410)
        )
    user = request.user
    if user.is_authenticated and (user.email or "").lower() != invitation.email:
        context["other_user"] = user
        return _no_store(TemplateResponse(request, "certification/invitation_accept.html", context))
    form = AcceptForm(request.POST or None, invitation=invitation)
    context["form"] = form
    if request.method == "POST" and (user.is_authenticated or form.is_valid()):
        data = form.cleaned_data if not user.is_authenticated else {}
        try:
            account, created = invitations.accept(
                invitation,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                password=data.get("password1", ""),
                signed_in=user if user.is_authenticated else None,
            )
        except invitations.InvitationError as exc:
            context["refusal"] = str(exc)
            return _no_store(
                TemplateResponse(
                    request, "certification/invitation_accept.html", context, status=410
                )
            )
        if created:
            login(request, account, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {account.display_name}. Your account is ready.")
            return redirect("learn:dashboard")
        messages.success(
            request,
            f"Your account ({invitation.email}) now has {invitation.joins}. "
            + ("" if user.is_authenticated else "Sign in with your existing password."),
        )
        return redirect("learn:dashboard" if user.is_authenticated else "accounts:login")
    status = 400 if request.method == "POST" else 200
    return _no_store(
        TemplateResponse(request, "certification/invitation_accept.html", context, status=status)
    )
