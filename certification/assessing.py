"""The chair-side assessment flow: start from an accepted request (or for a trainee found by
name), save as it goes, sign; and the same for an external supervisor holding a link.

Plain functions around the assessment actions (certification.actions), which check who may act
and write under a lock. These add what ties an assessment to its request and link: a request
leads to one assessment (starting again returns the draft already started), signing completes
the request (certification.requests.complete_request) and uses up the link, all in the
signature's transaction. Locks are taken link, then request, then assessment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from wagtail.log_actions import log

from certification.actions import SignAssessmentAction, StartAssessmentAction
from certification.actors import ExternalSupervisor, link_supervisor
from certification.external_links import LinkState, link_state
from certification.models import (
    AssessmentRequest,
    ExternalLink,
    RequestStatus,
    SkillAssessment,
)
from certification.requests import complete_request
from certification.rules import CertificationError

CONFIRM_EXTERNAL = "certification.external_link.confirm"
SEARCH_MIN = 2
SEARCH_LISTED = 20

LINK_REFUSALS = {
    LinkState.EXPIRED: "This link has expired. Ask the trainee to have a new one sent to you.",
    LinkState.USED: "This link has been used: the assessment it was for is signed.",
    LinkState.CLOSED: "This link no longer works: the request it was for is closed.",
}


def find_trainees(query: str, assessor: Any) -> list[Any]:
    """Active accounts matching every word of `query` (name, username or e-mail), never the
    assessor; nothing for fewer than SEARCH_MIN characters. At most SEARCH_LISTED, by name."""
    query = query.strip()
    if len(query) < SEARCH_MIN:
        return []
    people = get_user_model().objects.filter(is_active=True).exclude(pk=assessor.pk)
    for word in query.split()[:5]:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return list(people.order_by("first_name", "last_name", "username")[:SEARCH_LISTED])


def my_accepted_requests(user: Any) -> QuerySet[AssessmentRequest]:
    """The requests `user` accepted and has not completed yet, oldest first."""
    return (
        AssessmentRequest.objects.filter(assessor_id=user.pk, status=RequestStatus.ACCEPTED)
        .select_related("trainee", "checklist", "assessment")
        .order_by("created_at")
    )


def _draft_of(request: AssessmentRequest) -> SkillAssessment | None:
    """The request's assessment if one was started; refuses a request already answered."""
    if request.assessment_id is None:
        return None
    assessment = SkillAssessment.objects.get(pk=request.assessment_id)
    if assessment.is_signed:
        raise CertificationError("This request's assessment is already signed.")
    return assessment


def start_for_request(request_id: int, user: Any) -> SkillAssessment:
    """`user` starts (or returns to) the assessment an accepted request of theirs asks for."""
    with transaction.atomic():
        request = (
            AssessmentRequest.objects.select_for_update(of=("self",))
            .select_related("trainee", "checklist")
            .get(pk=request_id)
        )
        if request.assessor_id != user.pk:
            raise PermissionDenied("This request is addressed to another assessor.")
        if request.status != RequestStatus.ACCEPTED:
            raise CertificationError(
                f"This request is {request.get_status_display().lower()}: accept it first."
                if request.status == RequestStatus.PENDING
                else f"This request is {request.get_status_display().lower()}."
            )
        if (draft := _draft_of(request)) is not None:
            return draft
        assessment = StartAssessmentAction(
            request.checklist, user=user, trainee=request.trainee
        ).execute()
        request.assessment = assessment
        request.save(update_fields=["assessment"])
    return assessment


def _locked_link(link: ExternalLink) -> ExternalLink:
    """The link and its request, locked, refused unless usable now."""
    locked = ExternalLink.objects.select_for_update().get(pk=link.pk)
    locked.request = (
        AssessmentRequest.objects.select_for_update(of=("self",))
        .select_related("trainee", "checklist", "external_assessor")
        .get(pk=locked.request_id)
    )
    if (state := link_state(locked)) is not LinkState.USABLE:
        raise CertificationError(LINK_REFUSALS[state])
    return locked


def confirm_external(link: ExternalLink, name: str, body: str, number: str) -> SkillAssessment:
    """The supervisor holding `link` confirms who they are (recorded in the audit log, as typed,
    beside the approved details, which stay as approved) and starts, or returns to, the
    assessment the link is for."""
    with transaction.atomic():
        link = _locked_link(link)
        request = link.request
        supervisor = link_supervisor(link)
        log(
            instance=request,
            action=CONFIRM_EXTERNAL,
            user=None,
            data={
                "external_assessor": supervisor.pk,
                "approved": str(supervisor),
                "confirmed_name": name,
                "confirmed_registration_body": body,
                "confirmed_registration_number": number,
                "matches": (name, body, number)
                == (supervisor.name, supervisor.registration_body, supervisor.registration_number),
            },
        )
        if (draft := _draft_of(request)) is not None:
            return draft
        actor = ExternalSupervisor.from_link(link)
        assessment = StartAssessmentAction(
            request.checklist, user=actor, trainee=request.trainee
        ).execute()
        request.assessment = assessment
        request.save(update_fields=["assessment"])
    return assessment


def sign(assessment: SkillAssessment, user: Any, now: datetime | None = None) -> SkillAssessment:
    """`user` signs their draft; the request it answers, if any, is completed with it."""
    with transaction.atomic():
        signed = SignAssessmentAction(assessment, user=user, now=now).execute()
        request = AssessmentRequest.objects.filter(assessment_id=signed.pk).first()
        if request is not None:
            complete_request(request, signed, now=now)
    return signed


def sign_external(link: ExternalLink, now: datetime | None = None) -> SkillAssessment:
    """The supervisor holding `link` signs the assessment it leads to; the link is used up and
    the request completed in the same transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        link = _locked_link(link)
        request = link.request
        if request.assessment_id is None:
            raise CertificationError("Confirm your details to start the assessment first.")
        actor = ExternalSupervisor.from_link(link)
        signed = SignAssessmentAction(
            SkillAssessment.objects.get(pk=request.assessment_id), user=actor, now=now
        ).execute()
        link.used_at = now
        link.save(update_fields=["used_at"])
        complete_request(request, signed, now=now)
    return signed
