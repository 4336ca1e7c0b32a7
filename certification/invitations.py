"""Invitations: inviting, resending, withdrawing and accepting (the only way to an account).

A clinic's managers invite staff into their clinic, optionally with programmes to hold by a due
date; admins invite people into a site role (a group of core.roles). Inviting an address that
already has an account adds that account at once (membership, programme assignments through
certification.actions' AssignProgrammeAction, role) and tells them by e-mail; inviting an address
with an open invitation refreshes that invitation (new link, new expiry) instead of making a
second one.

The link is `/invitations/<token>/`: the invitation's id and a random nonce kept on the row,
signed with the site's secret key. Without the key the database cannot make a working link; a
resend replaces the nonce, so only the latest link works; acceptance is recorded under a row
lock, so a link works once. The e-mail is sent by a background task after the write commits.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from wagtail.log_actions import log

from accounts.notifications import email_subject as one_line
from accounts.notifications import is_permanent_refusal
from certification.actions import AssignProgrammeAction
from certification.models import (
    Clinic,
    ClinicMembership,
    ClinicRole,
    Invitation,
    InvitationState,
    Programme,
)
from certification.models.invitations import PENDING
from certification.permissions import may_invite_site_staff, may_invite_to_clinic
from certification.rules import CertificationError
from core import roles
from core.links import link_token, read_link_token
from core.tasks import enqueue_after_write, retry_later

logger = logging.getLogger(__name__)

SALT = "certification.invitation"
INVITE = "certification.invitation.send"
WITHDRAW = "certification.invitation.revoke"
ACCEPT = "certification.invitation.accept"


class InvitationError(Exception):
    """An invitation the rules refuse (said to the person, nothing written)."""


# Tokens -----------------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The signed token of the invitation's current link."""
    return link_token(SALT, invitation.pk, invitation.nonce)


def invitation_url(invitation: Invitation) -> str:
    """The full address of the invitation's current link, for the e-mail."""
    path = reverse("invitations:accept", args=[invitation_token(invitation)])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def find_invitation(token: str) -> Invitation | None:
    """The invitation a link's token names, or None when the token is forged, altered or
    replaced by a later send. Whether it is still pending is for the caller to ask."""
    found = read_link_token(SALT, token)
    if found is None:
        return None
    pk, nonce = found
    invitation = (
        Invitation.objects.select_related("clinic", "invited_by")
        .prefetch_related("programmes")
        .filter(pk=pk)
        .first()
    )
    if invitation is None or not constant_time_compare(invitation.nonce, nonce):
        return None
    return invitation


def _new_nonce() -> str:
    return secrets.token_urlsafe(24)


# Rules ------------------------------------------------------------------------------------------


def site_roles() -> list[str]:
    """The site roles (group names) an admin may invite into: the staff groups of core.roles."""
    return list(roles.ROLE_MODEL_PERMISSIONS)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def who_to_ask(invitation: Invitation) -> str:
    """Whom a person whose link no longer works should ask for a new one."""
    inviter = invitation.invited_by
    if inviter is not None:
        name = inviter.get_full_name() or inviter.username
        whom = f"{name} ({inviter.email})" if inviter.email else name
    elif invitation.clinic is not None:
        whom = f"a manager of {invitation.clinic}"
    else:
        whom = "the site's administrator"
    return f"Ask {whom} for a new invitation."


def _check_invite(
    clinic: Clinic | None,
    clinic_role: str,
    site_role: str,
    programmes: list[Programme],
    due_date: date | None,
    today: date,
) -> None:
    if (clinic is None) == (not site_role):
        raise InvitationError("Invite into either a clinic or a site role.")
    if site_role and site_role not in site_roles():
        raise InvitationError(f"There is no site role {site_role!r}.")
    if clinic_role not in ClinicRole.values:
        raise InvitationError(f"There is no clinic role {clinic_role!r}.")
    if programmes and (clinic is None or clinic_role != ClinicRole.STAFF):
        raise InvitationError("Programmes are assigned to a clinic's staff only.")
    if programmes and due_date is None:
        raise InvitationError("Give a due date for the programmes.")
    if due_date is not None and due_date < today:
        raise InvitationError("Choose a due date from today on.")


# Inviting ---------------------------------------------------------------------------------------


def invite(
    *,
    email: str,
    invited_by: Any,
    first_name: str = "",
    last_name: str = "",
    clinic: Clinic | None = None,
    clinic_role: str = ClinicRole.STAFF,
    site_role: str = "",
    programmes: Iterable[Programme] = (),
    due_date: date | None = None,
    now: datetime | None = None,
    check_permission: bool = True,
) -> Invitation:
    """Invite `email` into `clinic` (with `clinic_role`, programmes due by `due_date`) or into
    the site role `site_role`; return the invitation, its e-mail enqueued after the write.

    An address that already has an account is invited the same way (`existing_account` notes
    it): the account's owner accepts through the link, signed in, and nobody is added to a
    clinic or a role without that. Programme assignments go through AssignProgrammeAction,
    whose notifications apply. An open invitation for the same address
    and clinic (or site) is refreshed in place: new link, new expiry, the new choices.
    Raises PermissionDenied when `invited_by` may not invite there, InvitationError when the
    request breaks a rule (nothing written either way).
    """
    now = now or timezone.now()
    email = normalise_email(email)
    programmes = list(programmes)
    _check_invite(clinic, clinic_role, site_role, programmes, due_date, timezone.localdate(now))
    if check_permission:
        allowed = (
            may_invite_to_clinic(invited_by, clinic)
            if clinic is not None
            else may_invite_site_staff(invited_by)
        )
        if not allowed:
            raise PermissionDenied("You may not invite people here.")
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update()
                .filter(PENDING, email=email, clinic=clinic)
                .first()
            ) or Invitation(email=email, clinic=clinic, created_at=now)
            invitation.first_name = first_name.strip()[:150]
            invitation.last_name = last_name.strip()[:150]
            invitation.clinic_role = clinic_role if clinic is not None else ClinicRole.STAFF
            invitation.site_role = site_role if clinic is None else ""
            invitation.due_date = due_date
            invitation.invited_by = invited_by
            invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
            invitation.nonce = _new_nonce()
            invitation.sent_at = None
            # An existing account is invited like anyone else: nobody is added to a clinic or
            # a role without accepting, signed in to the account the address belongs to.
            invitation.existing_account = _account_for(email) is not None
            invitation.save()
            invitation.programmes.set(programmes)
            log(
                instance=invitation,
                action=INVITE,
                user=invited_by,
                data={"email": email, "existing_account": invitation.existing_account},
            )
            enqueue_after_write(_email_task(), invitation.pk, invitation.nonce)
    except IntegrityError:
        # Another request invited the same address at the same moment: theirs stands.
        raise InvitationError(f"{email} is being invited by someone else right now.") from None
    return invitation


def _account_for(email: str) -> Any | None:
    """The account already using `email` as its address, if any (a username that once was an
    address is not a claim to it)."""
    return get_user_model().objects.filter(email__iexact=email).order_by("pk").first()


def _grant(invitation: Invitation, user: Any, programmes: list[Programme]) -> None:
    """Give `user` what `invitation` offers: the clinic with its role (a manager stays a
    manager), the programme assignments with the due date, the site role."""
    if invitation.clinic is not None:
        membership, created = ClinicMembership.objects.get_or_create(
            user=user, clinic=invitation.clinic, defaults={"role": invitation.clinic_role}
        )
        if (
            not created
            and invitation.clinic_role == ClinicRole.MANAGER
            and membership.role != ClinicRole.MANAGER
        ):
            membership.role = ClinicRole.MANAGER
            membership.save(update_fields=["role"])
        due_date = invitation.due_date
        if due_date is None and programmes:
            raise InvitationError("Give a due date for the programmes.")
        for programme in programmes:
            if due_date is None:
                break
            try:
                AssignProgrammeAction(
                    invitation.clinic,
                    user=invitation.invited_by,
                    staff=[user],
                    programme=programme,
                    due_date=due_date,
                ).execute(skip_permission_checks=True)  # the invitation was the permission
            except CertificationError:
                raise InvitationError(
                    f"{invitation.email} manages {invitation.clinic}: programmes are assigned "
                    "to staff only."
                ) from None
    if invitation.site_role:
        group, _ = Group.objects.get_or_create(name=invitation.site_role)
        user.groups.add(group)


def resend(invitation: Invitation, by: Any, *, now: datetime | None = None) -> Invitation:
    """Send `invitation` again with a new link and a new expiry (the old link stops working).

    Raises InvitationError when it was accepted or withdrawn.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.revoked_at is not None:
            raise InvitationError("This invitation was already accepted or withdrawn.")
        locked.nonce = _new_nonce()
        locked.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
        locked.sent_at = None
        locked.save(update_fields=["nonce", "expires_at", "sent_at"])
        log(instance=locked, action=INVITE, user=by, data={"email": locked.email, "resend": True})
        enqueue_after_write(_email_task(), locked.pk, locked.nonce)
    return locked


def revoke(invitation: Invitation, by: Any, *, now: datetime | None = None) -> Invitation:
    """Withdraw `invitation`: its link then says so. Raises InvitationError once accepted."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None:
            raise InvitationError("This invitation was already accepted.")
        if locked.revoked_at is None:
            locked.revoked_at = now or timezone.now()
            locked.save(update_fields=["revoked_at"])
            log(instance=locked, action=WITHDRAW, user=by, data={"email": locked.email})
    return locked


# Accepting --------------------------------------------------------------------------------------


def refusal(invitation: Invitation, now: datetime | None = None) -> str | None:
    """Why `invitation` cannot be accepted (in words for its holder), or None when it can."""
    state = invitation.state_at(now)
    if state in (InvitationState.ACCEPTED, InvitationState.ADDED):
        return (
            "This invitation has already been used. Sign in with the account it created; if you "
            "have forgotten the password, reset it from the sign-in page."
        )
    if state == InvitationState.REVOKED:
        return f"This invitation was withdrawn. {who_to_ask(invitation)}"
    if state == InvitationState.EXPIRED:
        return (
            f"This invitation expired on {invitation.expires_at:%d %b %Y}. {who_to_ask(invitation)}"
        )
    return None


def accept(
    invitation: Invitation,
    *,
    first_name: str,
    last_name: str,
    password: str,
    signed_in: Any | None = None,
    now: datetime | None = None,
) -> tuple[Any, bool]:
    """Accept `invitation`: create the account (username and address: the invited e-mail) with
    `password` (already checked against the password validators), join the clinic or role, make
    the assignments. Returns (user, created); `created` is False when an account with the
    address appeared meanwhile: it gets what the invitation gives, and signs in as before.

    Raises InvitationError when the invitation was used, withdrawn or has expired.
    """
    now = now or timezone.now()
    User = get_user_model()
    with transaction.atomic():
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("clinic", "invited_by")
            .get(pk=invitation.pk)
        )
        if locked.nonce != invitation.nonce:
            raise InvitationError("This link was replaced by a newer invitation e-mail.")
        reason = refusal(locked, now)
        if reason:
            raise InvitationError(reason)
        user = _account_for(locked.email)
        created = user is None
        if user is not None and (signed_in is None or signed_in.pk != user.pk):
            # Only the account's owner, signed in, may take what the link gives it.
            raise InvitationError(
                f"An account already uses {locked.email}: sign in to it, then open this link "
                "again to accept."
            )
        if user is not None and not user.is_active:
            raise InvitationError("This account is deactivated: ask the person who invited you.")
        if user is None:
            if User.objects.filter(username__iexact=locked.email).exists():
                raise InvitationError(
                    "This address cannot be used for a new account here: ask the person who "
                    "invited you."
                )
            user = User(
                username=locked.email,
                email=locked.email,
                first_name=first_name.strip()[:150],
                last_name=last_name.strip()[:150],
            )
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                raise InvitationError(
                    "An account for this address was created a moment ago: sign in to it, then "
                    "open this link again."
                ) from None
        locked.accepted_at = now
        locked.accepted_user = user
        locked.existing_account = not created
        locked.save(update_fields=["accepted_at", "accepted_user", "existing_account"])
        _grant(locked, user, list(locked.programmes.all()))
        log(instance=locked, action=ACCEPT, user=user, data={"email": locked.email})
    return user, created


# E-mail -----------------------------------------------------------------------------------------


def _email_task() -> Any:
    from certification.tasks import send_invitation_email

    return send_invitation_email


def email_subject(invitation: Invitation) -> str:
    site = settings.WAGTAIL_SITE_NAME
    return one_line(f"Your invitation to {site}")


def deliver(invitation_id: int, nonce: str) -> bool:
    """E-mail the invitation whose current link carries `nonce`; False when there is nothing
    to send (sent already, replaced by a later send, withdrawn, expired or accepted since —
    except that an existing account's notice is sent once it was added).

    The row is locked while sending, so a retry and a late first try never both send.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("clinic", "invited_by")
            .filter(pk=invitation_id, nonce=nonce, sent_at__isnull=True)
            .first()
        )
        if invitation is None:
            return False
        if not invitation.is_pending:
            return False
        context = {
            "invitation": invitation,
            "programmes": list(invitation.programmes.order_by("title")),
            "url": invitation_url(invitation),
            "base_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/"),
            "site_name": settings.WAGTAIL_SITE_NAME,
            "inviter": invitation.invited_by,
        }
        send_mail(
            email_subject(invitation),
            render_to_string("certification/email/invitation.txt", context),
            None,
            [invitation.email],
        )
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


def deliver_or_retry(task: Any, invitation_id: int, nonce: str, attempt: int) -> bool:
    """`deliver`, and on a mail failure the next try enqueued (then the error raised, so that
    this try is recorded as failed). The body of the invitation e-mail task."""
    try:
        return deliver(invitation_id, nonce)
    except (smtplib.SMTPException, OSError) as exc:
        if is_permanent_refusal(exc):
            logger.warning("Invitation %s e-mail refused for good: %s", invitation_id, exc)
        else:
            logger.warning("Invitation %s e-mail failed (try %s): %s", invitation_id, attempt, exc)
            retry_later(task, invitation_id, nonce, attempt=attempt)
        raise
