"""Approving the external supervisors trainees propose, and e-mailing them their links.

A supervisor proposed for a clinic is approved (or not) by that clinic's managers; one proposed
by a trainee with no clinic, by an admin (certification.permissions.may_decide_external).
Approving issues a one-time link (certification.external_links) for each of the supervisor's
open requests and e-mails it to them from a background task; rejecting, with a note, declines
those requests and tells each trainee why. Both are recorded in the audit log.

A link e-mail is sent once per link address: the task records the send in the audit log under
a lock on the link, and a link that was replaced, used or closed meanwhile is not sent.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from accounts.notifications import email_subject, is_permanent_refusal
from certification import request_events as events
from certification.external_links import LinkState, issue_link, link_state, link_url
from certification.models import (
    OPEN_REQUEST_STATUSES,
    AssessmentRequest,
    ExternalAssessor,
    ExternalAssessorStatus,
    ExternalLink,
    RequestStatus,
)
from certification.permissions import may_decide_external
from certification.rules import CertificationError
from core.tasks import enqueue_after_write, retry_later

logger = logging.getLogger(__name__)

APPROVE = "certification.external_assessor.approve"
REJECT = "certification.external_assessor.reject"
LINK_SENT = "certification.external_link.send"
NOTE_LENGTH = 2000


def _open_requests(external: ExternalAssessor) -> list[AssessmentRequest]:
    return list(
        AssessmentRequest.objects.select_for_update(of=("self",))
        .filter(external_assessor=external, status__in=OPEN_REQUEST_STATUSES)
        .select_related("trainee", "checklist", "external_assessor")
        .order_by("pk")
    )


def send_link(request: AssessmentRequest, by: Any, now: datetime | None = None) -> ExternalLink:
    """Issue (or reissue) `request`'s link and e-mail it to its approved supervisor after the
    write; tell the trainee. The caller has checked who may do this."""
    link = issue_link(request, by, now=now)
    enqueue_after_write(send_external_link_email, link.pk, link.nonce)
    events.supervisor_approved(request)
    return link


class _DecideAction(BaseAction):
    """A decision on one proposed supervisor, by a manager of their clinic or an admin."""

    refusal = "Only a manager of the trainee's clinic, or an admin, can decide on this supervisor."

    def __init__(self, external: ExternalAssessor, user: Any, now: datetime | None = None) -> None:
        super().__init__(external, user=user)
        self.external_id: int = external.pk
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        if not skip_permission_checks and not may_decide_external(self.user, self.instance):
            raise PermissionDenied(self.refusal)

    def _lock(self) -> ExternalAssessor:
        locked: ExternalAssessor = (
            ExternalAssessor.objects.select_for_update(of=("self",))
            .select_related("clinic")
            .get(pk=self.external_id)
        )
        self.instance = locked
        return locked


class ApproveExternalAssessorAction(_DecideAction):
    """Approve a waiting supervisor; each of their open requests gets its link by e-mail.
    Approving an approved supervisor changes nothing."""

    action_name = "approve_external_assessor"

    def execute(self, skip_permission_checks: bool = False) -> ExternalAssessor:
        self.check(skip_permission_checks=skip_permission_checks)
        now = self.now or timezone.now()
        with transaction.atomic():
            external = self._lock()
            if external.status == ExternalAssessorStatus.APPROVED:
                return external
            if external.status != ExternalAssessorStatus.PENDING:
                raise CertificationError("This supervisor was not approved; the decision stands.")
            external.status = ExternalAssessorStatus.APPROVED
            external.decided_by = self.user
            external.decided_at = now
            external.save(update_fields=["status", "decided_by", "decided_at"])
            requests = _open_requests(external)
            for request in requests:
                send_link(request, by=self.user, now=now)
            log(
                instance=external,
                action=APPROVE,
                user=self.user,
                data={"requests": [r.pk for r in requests]},
            )
        return external


class RejectExternalAssessorAction(_DecideAction):
    """Do not approve a waiting supervisor, with a note: their open requests are declined and
    each trainee is told the note."""

    action_name = "reject_external_assessor"

    def __init__(
        self, external: ExternalAssessor, user: Any, note: str, now: datetime | None = None
    ) -> None:
        super().__init__(external, user=user, now=now)
        self.note = (note or "").strip()

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks=skip_permission_checks)
        if not self.note:
            raise CertificationError("Say why the supervisor is not approved: the trainee is told.")
        if len(self.note) > NOTE_LENGTH:
            raise CertificationError(f"Keep the note under {NOTE_LENGTH} characters.")

    def execute(self, skip_permission_checks: bool = False) -> ExternalAssessor:
        self.check(skip_permission_checks=skip_permission_checks)
        now = self.now or timezone.now()
        with transaction.atomic():
            external = self._lock()
            if external.status != ExternalAssessorStatus.PENDING:
                raise CertificationError(
                    f"This supervisor is already {external.get_status_display().lower()}."
                )
            external.status = ExternalAssessorStatus.REJECTED
            external.decided_by = self.user
            external.decided_at = now
            external.decision_note = self.note
            external.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
            requests = _open_requests(external)
            for request in requests:
                request.status = RequestStatus.DECLINED
                request.decline_reason = f"The supervisor was not approved: {self.note}"
                request.responded_at = now
                request.save(update_fields=["status", "decline_reason", "responded_at"])
                events.request_declined(request)
            log(
                instance=external,
                action=REJECT,
                user=self.user,
                data={"note": self.note, "requests": [r.pk for r in requests]},
            )
        return external


# The link e-mail ------------------------------------------------------------------------------


def _fingerprint(nonce: str) -> str:
    """Names a link address in the audit log without recording the address itself."""
    return hashlib.sha256(nonce.encode()).hexdigest()[:16]


def deliver(link_id: int, nonce: str) -> bool:
    """E-mail the link whose current address carries `nonce` to its supervisor; False when
    there is nothing to send (sent already, replaced by a later issue, used, expired or its
    request closed). The link row is locked while sending, so two tries never both send."""
    with transaction.atomic():
        link = (
            ExternalLink.objects.select_for_update(of=("self",))
            .select_related(
                "request__trainee", "request__checklist", "request__external_assessor__clinic"
            )
            .filter(pk=link_id, nonce=nonce)
            .first()
        )
        if link is None or link_state(link) != LinkState.USABLE:
            return False
        request = link.request
        supervisor = request.external_assessor
        if supervisor is None:
            return False
        sent = ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ExternalLink),
            object_id=str(link.pk),
            action=LINK_SENT,
            data__link=_fingerprint(nonce),
        )
        if sent.exists():
            return False
        context = {
            "request": request,
            "supervisor": supervisor,
            "link": link,
            "url": link_url(link),
            "site_name": settings.WAGTAIL_SITE_NAME,
        }
        send_mail(
            email_subject(
                f"{request.trainee.display_name} asks you to observe them: "
                f"{request.checklist.title}"
            ),
            render_to_string("certification/requests/external_link_email.txt", context),
            None,
            [supervisor.email],
        )
        log(instance=link, action=LINK_SENT, data={"link": _fingerprint(nonce)})
    return True


@task()
def send_external_link_email(link_id: int, nonce: str, attempt: int = 1) -> bool:
    """E-mail one external supervisor their link, once; a mail failure is raised (the try is
    recorded as failed) and, unless the address was refused for good, tried again later."""
    try:
        return deliver(link_id, nonce)
    except (smtplib.SMTPException, OSError) as exc:
        if is_permanent_refusal(exc):
            logger.warning("External link %s e-mail refused for good: %s", link_id, exc)
        else:
            logger.warning("External link %s e-mail failed (try %s): %s", link_id, attempt, exc)
            retry_later(send_external_link_email, link_id, nonce, attempt=attempt)
        raise
