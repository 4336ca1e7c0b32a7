"""What a trainee does with a signed assessment of them, and how an admin settles a dispute.

A signed assessment never changes; everything here is a row beside it:

- the trainee **acknowledges** it once, with an optional reflection (`Acknowledgement`); after
  that the page is read-only;
- or **disputes** it to an admin with a reason (`AssessmentDispute`, one open at a time); the
  admins are told (`assessment.disputed`);
- an admin **resolves** an open dispute, upholding it (the assessment no longer counts toward
  any programme: `certification.observations`) or dismissing it, with a resolution text; the
  trainee and the assessor are told, and the trainee's programmes are evaluated again.

Each is an action in Wagtail's shape: `check()` raises PermissionDenied (asking
certification.permissions) or CertificationError and writes nothing; `execute()` checks again
under a lock on the assessment (or the dispute) row, writes once and records the audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log

from accounts.notifications import notify
from certification.models import (
    Acknowledgement,
    AssessmentDispute,
    DisputeStatus,
    SkillAssessment,
)
from certification.permissions import (
    dispute_resolvers,
    may_acknowledge,
    may_resolve_disputes,
)
from certification.rules import CertificationError
from courses.evaluation import request_evaluation

ACKNOWLEDGE = "certification.assessment.acknowledge"
DISPUTE = "certification.assessment.dispute"
RESOLVE = "certification.dispute.resolve"
TEXT_LIMIT = 4000


def detail_url(assessment: SkillAssessment) -> str:
    return reverse("my_assessments:detail", args=[assessment.pk])


def _text(value: str, what: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise CertificationError(f"Please give {what}.")
    if len(text) > TEXT_LIMIT:
        raise CertificationError(f"Please keep {what} under {TEXT_LIMIT} characters.")
    return text


def _title(assessment: SkillAssessment) -> str:
    return assessment.checklist_snapshot.get("title") or str(assessment.checklist)


def open_dispute(assessment: SkillAssessment) -> AssessmentDispute | None:
    return assessment.disputes.filter(status=DisputeStatus.OPEN).first()


def refusal(assessment: SkillAssessment) -> str:
    """Why the trainee can no longer acknowledge or dispute `assessment` ("" if they can)."""
    if not assessment.is_signed:
        return "This assessment is not signed yet."
    if Acknowledgement.objects.filter(assessment=assessment).exists():
        return "You have already acknowledged this assessment."
    disputes = {d.status for d in assessment.disputes.all()}
    if DisputeStatus.OPEN in disputes:
        return "Your dispute of this assessment is with an admin."
    if DisputeStatus.UPHELD in disputes:
        return "Your dispute was upheld: this assessment no longer counts."
    return ""


class _TraineeAction(BaseAction):
    """An action of the trainee on a signed assessment of them."""

    def __init__(self, assessment: SkillAssessment, user: Any, text: str = "") -> None:
        super().__init__(assessment, user=user)
        self.assessment = assessment
        self.text = text

    def check(self, skip_permission_checks: bool = False) -> None:
        if not skip_permission_checks and not may_acknowledge(self.user, self.assessment):
            raise PermissionDenied("Only the trainee assessed may do this.")
        reason = refusal(self.assessment)
        if reason:
            raise CertificationError(reason)

    def _locked(self) -> SkillAssessment:
        """The assessment row, locked, with the checks made again under the lock."""
        self.assessment = SkillAssessment.objects.select_for_update().get(pk=self.assessment.pk)
        self.check(skip_permission_checks=True)
        return self.assessment


class AcknowledgeAssessmentAction(_TraineeAction):
    """The trainee acknowledges a signed assessment, once, with an optional reflection."""

    action_name = "acknowledge_assessment"

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks)
        _text(self.text, "a shorter reflection", required=False)

    def execute(self, skip_permission_checks: bool = False) -> Acknowledgement:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            assessment = self._locked()
            acknowledgement = Acknowledgement.objects.create(
                assessment=assessment,
                reflection=_text(self.text, "a reflection", required=False),
            )
            log(
                instance=assessment,
                action=ACKNOWLEDGE,
                user=self.user,
                data={"reflection": bool(acknowledgement.reflection)},
            )
        return acknowledgement


class DisputeAssessmentAction(_TraineeAction):
    """The trainee disputes a signed assessment to an admin, giving a reason."""

    action_name = "dispute_assessment"

    def check(self, skip_permission_checks: bool = False) -> None:
        super().check(skip_permission_checks)
        _text(self.text, "the reason you dispute it", required=True)

    def execute(self, skip_permission_checks: bool = False) -> AssessmentDispute:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            assessment = self._locked()
            dispute = AssessmentDispute.objects.create(
                assessment=assessment,
                raised_by=self.user,
                reason=_text(self.text, "the reason you dispute it", required=True),
            )
            log(instance=assessment, action=DISPUTE, user=self.user, data={"dispute": dispute.pk})
            assessment_disputed(dispute)
        return dispute


class ResolveDisputeAction(BaseAction):
    """An admin upholds or dismisses an open dispute, with a resolution text."""

    action_name = "resolve_dispute"

    def __init__(
        self,
        dispute: AssessmentDispute,
        user: Any,
        *,
        upheld: bool,
        resolution: str,
        now: datetime | None = None,
    ) -> None:
        super().__init__(dispute, user=user)
        self.dispute = dispute
        self.upheld = upheld
        self.resolution = resolution
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        if not skip_permission_checks and not may_resolve_disputes(self.user):
            raise PermissionDenied("Only an admin resolves disputes.")
        if self.dispute.status != DisputeStatus.OPEN:
            raise CertificationError("This dispute is already resolved.")
        _text(self.resolution, "a resolution", required=True)

    def execute(self, skip_permission_checks: bool = False) -> AssessmentDispute:
        self.check(skip_permission_checks=skip_permission_checks)
        with transaction.atomic():
            self.dispute = AssessmentDispute.objects.select_for_update().get(pk=self.dispute.pk)
            self.check(skip_permission_checks=True)
            dispute = self.dispute
            dispute.status = DisputeStatus.UPHELD if self.upheld else DisputeStatus.DISMISSED
            dispute.resolution = _text(self.resolution, "a resolution", required=True)
            dispute.resolved_by = self.user
            dispute.resolved_at = self.now or timezone.now()
            dispute.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
            log(
                instance=dispute.assessment,
                action=RESOLVE,
                user=self.user,
                data={"dispute": dispute.pk, "status": dispute.status},
            )
            dispute_resolved(dispute)
            trainee = dispute.assessment.trainee
            # An upheld dispute can take a requirement away; evaluation only ever issues.
            transaction.on_commit(lambda: request_evaluation(trainee))
        return dispute


# Notifications (in the writing transaction, keyed so a repeat says nothing) ----------------------


def assessment_disputed(dispute: AssessmentDispute) -> None:
    """Tell every admin who resolves disputes that a trainee disputes an assessment."""
    assessment = dispute.assessment
    url = reverse("certification_disputes:edit", args=[dispute.pk])
    for admin in dispute_resolvers():
        notify(
            admin,
            "assessment.disputed",
            f"{assessment.trainee.display_name} disputes the assessment “{_title(assessment)}”.",
            url=url,
            key=f"assessment.disputed:{dispute.pk}",
        )


def dispute_resolved(dispute: AssessmentDispute) -> None:
    """Tell the trainee, and the assessor with an account, how the dispute was resolved."""
    assessment = dispute.assessment
    outcome = "upheld" if dispute.status == DisputeStatus.UPHELD else "dismissed"
    title = _title(assessment)
    notify(
        assessment.trainee,
        "assessment.dispute_resolved",
        f"Your dispute of “{title}” was {outcome}.",
        url=detail_url(assessment),
        key=f"assessment.dispute_resolved:{dispute.pk}",
    )
    if assessment.assessor is not None:
        notify(
            assessment.assessor,
            "assessment.dispute_resolved",
            f"A dispute of your assessment “{title}” of {assessment.trainee.display_name} "
            f"was {outcome}.",
            key=f"assessment.dispute_resolved:{dispute.pk}:assessor",
        )
