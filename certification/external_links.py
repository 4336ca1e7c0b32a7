"""The one-time links that let an approved external supervisor complete one assessment.

A link is `/assess/external/<token>/`: the signed id of an `ExternalLink` row and the nonce kept
on it. Issuing a link again replaces the nonce, so only the latest works; a link works until it
expires (`EXTERNAL_LINK_DAYS`, 14 by default) and stops working once the assessment it leads to
is signed (`used_at`). Whoever holds the link acts as the external supervisor the request names,
for that one request only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from certification.models import AssessmentRequest, ExternalLink, new_link_nonce
from core.links import link_token as core_link_token
from core.links import read_link_token

SALT = "certification.external-link"


class LinkState(Enum):
    USABLE = "usable"
    EXPIRED = "expired"
    USED = "used"
    CLOSED = "closed"  # the request was withdrawn, declined or the supervisor not approved


def link_days() -> int:
    return int(getattr(settings, "EXTERNAL_LINK_DAYS", 14))


def link_token(link: ExternalLink) -> str:
    """The signed token of the link's current address."""
    return core_link_token(SALT, link.pk, link.nonce)


def link_url(link: ExternalLink) -> str:
    """The full address of the link, for the e-mail to the supervisor."""
    path = reverse("assess:external", args=[link_token(link)])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def find_link(token: str) -> ExternalLink | None:
    """The link a token names, or None when it is forged, altered or replaced by a later issue."""
    found = read_link_token(SALT, token)
    if found is None:
        return None
    pk, nonce = found
    link = (
        ExternalLink.objects.select_related(
            "request__trainee", "request__checklist", "request__external_assessor"
        )
        .filter(pk=pk)
        .first()
    )
    if link is None or not constant_time_compare(link.nonce, nonce):
        return None
    return link


def link_state(link: ExternalLink, now: datetime | None = None) -> LinkState:
    """Whether the link may be used now, and if not, why (said to whoever holds it)."""
    now = now or timezone.now()
    request = link.request
    if link.used_at is not None:
        return LinkState.USED
    supervisor = request.external_assessor
    if not request.is_open or supervisor is None or not supervisor.approved:
        return LinkState.CLOSED
    if link.expires_at <= now:
        return LinkState.EXPIRED
    return LinkState.USABLE


def issue_link(request: AssessmentRequest, by: Any, now: datetime | None = None) -> ExternalLink:
    """Create the request's link, or give the existing one a new nonce and expiry (the old
    address stops working). The caller checks who may issue it and sends the e-mail after
    the commit."""
    now = now or timezone.now()
    expires = now + timedelta(days=link_days())
    with transaction.atomic():
        link = ExternalLink.objects.select_for_update().filter(request=request).first()
        if link is None:
            return ExternalLink.objects.create(
                request=request, created_by=by, created_at=now, expires_at=expires
            )
        link.nonce = new_link_nonce()
        link.expires_at = expires
        link.created_by = by
        link.created_at = now
        link.save(update_fields=["nonce", "expires_at", "created_by", "created_at"])
        return link
