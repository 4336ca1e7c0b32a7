"""Assessment requests: a trainee asks to be observed on a checklist, the assessor answers.

A trainee asks an eligible assessor (certification.permissions.may_assess) or proposes an
external supervisor, who waits for a manager's or an admin's approval
(certification.external_approval). The assessor accepts or declines with a reason; the trainee
may withdraw while the request is open; the chair-side screen completes it when the assessment
is signed (`complete_request`). Each step is an action in Wagtail's shape: `check()` raises
PermissionDenied or CertificationError and writes nothing, `execute()` writes once under a row
lock, records the audit entry and tells the person concerned (certification.events).

At most one request is open per trainee, checklist and assessor (or external supervisor): the
trainee's own row is locked while a request is made, so two at once make one.

Which checklists: any published checklist. A trainee may want an observation for practice as
well as for a programme; the request page lists first those their assigned programmes need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log

from certification import request_events as events
from certification.external_approval import send_link
from certification.models import (
    OPEN_REQUEST_STATUSES,
    AssessmentRequest,
    Clinic,
    ClinicMembership,
    ExternalAssessor,
    ExternalAssessorStatus,
    RequestStatus,
    SkillAssessment,
    SkillChecklist,
)
from certification.permissions import may_answer_request, may_assess, may_withdraw_request
from certification.rules import CertificationError

REQUEST = "certification.assessment_request.create"
ACCEPT = "certification.assessment_request.accept"
DECLINE = "certification.assessment_request.decline"
WITHDRAW = "certification.assessment_request.withdraw"
COMPLETE = "certification.assessment_request.complete"

MESSAGE_LENGTH = 2000
REASON_LENGTH = 2000


@dataclass(frozen=True)
class ExternalProposal:
    """The external supervisor a trainee proposes, and the clinic whose managers approve them
    (None: an admin approves)."""

    name: str
    email: str
    registration_body: str
    registration_number: str
    profession: str = ""
    clinic: Clinic | None = None


def trainee_clinics(trainee: Any) -> list[Clinic]:
    """The clinics `trainee` belongs to (any role), by name: those that may approve their
    external supervisor (one query)."""
    return list(Clinic.objects.filter(memberships__user=trainee).distinct().order_by("name"))


class RequestAssessmentAction(BaseAction):
    """`user` (the trainee) asks `assessor`, or proposes `external`, to observe them on
    `checklist`. Returns the new request."""

    action_name = "request_assessment"

    def __init__(
        self,
        checklist: SkillChecklist,
        user: Any,
        *,
        assessor: Any = None,
        external: ExternalProposal | None = None,
        message: str = "",
        now: datetime | None = None,
    ) -> None:
        super().__init__(checklist, user=user)
        self.checklist = checklist
        self.assessor = assessor
        self.external = external
        self.message = (message or "").strip()
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        """Signed-in, active trainees; a published checklist; one eligible assessor who is not
        the trainee, or one complete proposal naming one of the trainee's own clinics."""
        user = self.user
        if not skip_permission_checks and not (user.is_authenticated and user.is_active):
            raise PermissionDenied("Sign in to ask for an assessment.")
        if not self.checklist.live:
            raise CertificationError("This checklist is not published.")
        if (self.assessor is None) == (self.external is None):
            raise CertificationError("Choose an assessor or propose an external supervisor.")
        if len(self.message) > MESSAGE_LENGTH:
            raise CertificationError(f"Keep the message under {MESSAGE_LENGTH} characters.")
        if self.assessor is not None:
            if self.assessor.pk == user.pk:
                raise CertificationError("You cannot assess yourself.")
            if not may_assess(self.assessor, self.checklist):
                raise CertificationError(
                    f"{self.assessor.display_name} may not assess “{self.checklist.title}”."
                )
            return
        proposal = self.external
        if proposal is None:  # unreachable: exactly one of the two was checked above
            raise CertificationError("Choose an assessor or propose an external supervisor.")
        if not all(
            value.strip()
            for value in (
                proposal.name,
                proposal.email,
                proposal.registration_body,
                proposal.registration_number,
            )
        ):
            raise CertificationError(
                "Give the supervisor's name, e-mail, registration body and registration number."
            )
        if proposal.email.strip().lower() == (user.email or "").strip().lower():
            raise CertificationError("You cannot propose yourself as your supervisor.")
        if (
            proposal.clinic is not None
            and not ClinicMembership.objects.filter(clinic=proposal.clinic, user=user).exists()
        ):
            raise CertificationError("Choose one of your own clinics to approve the supervisor.")

    def execute(self, skip_permission_checks: bool = False) -> AssessmentRequest:
        self.check(skip_permission_checks=skip_permission_checks)
        now = self.now or timezone.now()
        with transaction.atomic():
            # One request at a time per trainee: two submits at once cannot both pass the
            # duplicate check below.
            get_user_model().objects.select_for_update().filter(pk=self.user.pk).first()
            external = self._external(now) if self.external is not None else None
            open_requests = AssessmentRequest.objects.filter(
                trainee=self.user, checklist=self.checklist, status__in=OPEN_REQUEST_STATUSES
            )
            if self.assessor is not None:
                duplicate = open_requests.filter(assessor=self.assessor).exists()
            else:
                duplicate = open_requests.filter(external_assessor=external).exists()
            if duplicate:
                raise CertificationError(
                    "You already have an open request to this assessor for "
                    f"“{self.checklist.title}”: withdraw it first, or wait for their answer."
                )
            request = AssessmentRequest.objects.create(
                trainee=self.user,
                checklist=self.checklist,
                assessor=self.assessor,
                external_assessor=external,
                message=self.message,
                created_at=now,
            )
            log(
                instance=request,
                action=REQUEST,
                user=self.user,
                data={
                    "checklist": self.checklist.pk,
                    "assessor": self.assessor.pk if self.assessor is not None else None,
                    "external_assessor": external.pk if external is not None else None,
                },
            )
            if external is None:
                events.request_made(request)
            elif external.approved:
                # Approved before (for another request): the link goes out at once.
                send_link(request, by=None, now=now)
            else:
                events.supervisor_proposed(external, request)
        return request

    def _external(self, now: datetime) -> ExternalAssessor:
        """The supervisor proposed: the same address already waiting or approved for the same
        clinic is reused (approval is of the person); otherwise a new one waits for approval."""
        proposal = self.external
        if proposal is None:
            raise CertificationError("No external supervisor was proposed.")
        email = proposal.email.strip().lower()
        existing = (
            ExternalAssessor.objects.select_for_update()
            .filter(
                email__iexact=email,
                clinic=proposal.clinic,
                status__in=(ExternalAssessorStatus.PENDING, ExternalAssessorStatus.APPROVED),
            )
            .order_by("status", "pk")  # "approved" sorts before "pending"
            .first()
        )
        if existing is not None:
            return existing
        return ExternalAssessor.objects.create(
            name=proposal.name.strip()[:200],
            email=email,
            profession=proposal.profession.strip()[:200],
            registration_body=proposal.registration_body.strip()[:200],
            registration_number=proposal.registration_number.strip()[:100],
            clinic=proposal.clinic,
            proposed_by=self.user,
            proposed_at=now,
        )


class _RequestAction(BaseAction):
    """An action on one request, taken under a lock on its row."""

    refusal = ""

    def __init__(self, request: AssessmentRequest, user: Any, now: datetime | None = None) -> None:
        super().__init__(request, user=user)
        self.now = now

    @property
    def request(self) -> AssessmentRequest:
        return self.instance

    def allowed(self) -> bool:  # pragma: no cover - each action says
        raise NotImplementedError

    def check(self, skip_permission_checks: bool = False) -> None:
        if not skip_permission_checks and not self.allowed():
            raise PermissionDenied(self.refusal)

    def _lock(self) -> AssessmentRequest:
        self.instance = (
            AssessmentRequest.objects.select_for_update(of=("self",))
            .select_related("trainee", "assessor", "checklist")
            .get(pk=self.request.pk)
        )
        return self.instance


class AcceptRequestAction(_RequestAction):
    """The assessor asked accepts a pending request (accepting it again changes nothing)."""

    action_name = "accept_request"
    refusal = "Only the assessor asked can accept this request."

    def allowed(self) -> bool:
        return may_answer_request(self.user, self.request)

    def execute(self, skip_permission_checks: bool = False) -> AssessmentRequest:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            request = self._lock()
            if request.status == RequestStatus.ACCEPTED:
                return request
            if request.status != RequestStatus.PENDING:
                raise CertificationError(
                    f"This request is {request.get_status_display().lower()}: "
                    "it cannot be accepted."
                )
            request.status = RequestStatus.ACCEPTED
            request.responded_at = self.now or timezone.now()
            request.save(update_fields=["status", "responded_at"])
            log(instance=request, action=ACCEPT, user=self.user)
            events.request_accepted(request)
        return request


class DeclineRequestAction(_RequestAction):
    """The assessor asked declines an open request, always giving the trainee a reason."""

    action_name = "decline_request"
    refusal = "Only the assessor asked can decline this request."

    def __init__(
        self, request: AssessmentRequest, user: Any, reason: str, now: datetime | None = None
    ) -> None:
        super().__init__(request, user=user, now=now)
        self.reason = (reason or "").strip()

    def allowed(self) -> bool:
        return may_answer_request(self.user, self.request)

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks=skip_permission_checks)
        if not self.reason:
            raise CertificationError("Give the trainee a reason for declining.")
        if len(self.reason) > REASON_LENGTH:
            raise CertificationError(f"Keep the reason under {REASON_LENGTH} characters.")

    def execute(self, skip_permission_checks: bool = False) -> AssessmentRequest:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            request = self._lock()
            if not request.is_open:
                raise CertificationError(
                    f"This request is {request.get_status_display().lower()}: "
                    "it cannot be declined."
                )
            request.status = RequestStatus.DECLINED
            request.decline_reason = self.reason
            request.responded_at = self.now or timezone.now()
            request.save(update_fields=["status", "decline_reason", "responded_at"])
            log(instance=request, action=DECLINE, user=self.user, data={"reason": self.reason})
            events.request_declined(request)
        return request


class WithdrawRequestAction(_RequestAction):
    """The trainee withdraws their open request (withdrawing it again changes nothing); an
    external supervisor's link stops working with it."""

    action_name = "withdraw_request"
    refusal = "Only the trainee who asked can withdraw this request."

    def allowed(self) -> bool:
        return may_withdraw_request(self.user, self.request)

    def execute(self, skip_permission_checks: bool = False) -> AssessmentRequest:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            request = self._lock()
            if request.status == RequestStatus.WITHDRAWN:
                return request
            if not request.is_open:
                raise CertificationError(
                    f"This request is {request.get_status_display().lower()}: "
                    "it cannot be withdrawn."
                )
            request.status = RequestStatus.WITHDRAWN
            request.responded_at = self.now or timezone.now()
            request.save(update_fields=["status", "responded_at"])
            log(instance=request, action=WITHDRAW, user=self.user)
            events.request_withdrawn(request)
        return request


def complete_request(
    request: AssessmentRequest, assessment: SkillAssessment, now: datetime | None = None
) -> AssessmentRequest:
    """Record that `assessment` (signed) answered `request`: COMPLETED, when, and which
    assessment. Called by whoever signs it; calling it again changes nothing.

    Raises CertificationError when the assessment is not a signed one of the request's trainee
    and checklist, or the request was already completed by another assessment.
    """
    if (
        not assessment.is_signed
        or assessment.trainee_id != request.trainee_id
        or assessment.checklist_id != request.checklist_id
    ):
        raise CertificationError(
            "Only a signed assessment of this trainee and checklist completes it."
        )
    with transaction.atomic():
        locked = AssessmentRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status == RequestStatus.COMPLETED:
            if locked.assessment_id not in (None, assessment.pk):
                raise CertificationError("This request was completed by another assessment.")
            return locked
        locked.status = RequestStatus.COMPLETED
        locked.completed_at = assessment.signed_at or now or timezone.now()
        locked.assessment = assessment
        locked.save(update_fields=["status", "completed_at", "assessment"])
        log(
            instance=locked,
            action=COMPLETE,
            user=assessment.assessor,
            data={"assessment": assessment.pk, "passed": assessment.passed},
        )
    return locked
