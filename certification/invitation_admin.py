"""The admin's Invitations page (Settings > Invitations): superusers and those who may add
users invite instructors, reviewers and the other site roles, see, resend and withdraw them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView

from certification import invitations
from certification.invitation_forms import SiteInviteForm
from certification.invitation_views import RESENT, WITHDRAWN, change_invitation, sent_message
from certification.models import Invitation
from certification.permissions import may_invite_site_staff
from core.admin import AdminPage

INDEX = "certification_invitations"


class SiteInvitationsView(AdminPage, FormView):
    template_name = "certification/admin/invitations.html"
    page_title = "Invitations"
    header_icon = "mail"
    form_class = SiteInviteForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_invite_site_staff(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["invitations"] = list(
            Invitation.objects.filter(clinic__isnull=True).select_related("invited_by")[:200]
        )
        return context

    def form_valid(self, form: SiteInviteForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            invitation = invitations.invite(
                email=data["email"],
                invited_by=self.request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                site_role=data["site_role"],
            )
        except invitations.InvitationError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, sent_message(invitation))
        return redirect(INDEX)


def _change(request: HttpRequest, pk: int, change: Any, done: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405)
    if not may_invite_site_staff(request.user):
        raise PermissionDenied
    invitation = get_object_or_404(Invitation, pk=pk, clinic__isnull=True)
    change_invitation(request, invitation, change, done)
    return redirect(INDEX)


def resend(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, invitations.resend, RESENT)


def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, invitations.revoke, WITHDRAWN)
