"""The two-person rule for safety: a second, different assessor countersigns a signed assessment.

A checklist that `requires_countersign` copies the flag onto each assessment started from it
(`SkillAssessment.needs_countersign`); a passed assessment of it counts toward a programme only
once countersigned (certification.requirements waits for the Countersignature). Who may
countersign is `permissions.may_countersign`; the write is `CountersignAssessmentAction`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log

from certification.events import assessment_countersigned
from certification.models import AssessmentStatus, Countersignature, SkillAssessment
from certification.permissions import assessable_checklists, may_countersign
from certification.rules import CertificationError
from courses.evaluation import request_evaluation

COUNTERSIGN = "certification.assessment.countersign"
ALREADY = "This assessment is already countersigned; nothing was changed."
COMMENT_MAX = 2000


def waiting_reason(assessment: SkillAssessment) -> str:
    """Why `assessment` cannot be countersigned now ("" when it can). One query at most."""
    if not assessment.is_signed:
        return "Only a signed assessment can be countersigned."
    if not assessment.needs_countersign:
        return "This assessment does not need a countersignature."
    if not assessment.passed:
        return "Only a passed assessment is countersigned; this one did not pass."
    if Countersignature.objects.filter(assessment_id=assessment.pk).exists():
        return ALREADY
    return ""


def awaiting_countersign(user: Any) -> QuerySet[SkillAssessment]:
    """The signed, passed assessments waiting for a countersignature that `user` may give
    (`may_countersign`, for many assessments in one query), oldest first."""
    return (
        SkillAssessment.objects.filter(
            status=AssessmentStatus.SIGNED,
            passed=True,
            needs_countersign=True,
            countersignature__isnull=True,
            checklist__in=assessable_checklists(user),
        )
        .exclude(assessor_id=user.pk)
        .exclude(trainee_id=user.pk)
        .select_related("trainee", "assessor", "external_assessor")
        .order_by("signed_at", "pk")
    )


class CountersignAssessmentAction(BaseAction):
    """Countersign a signed, passed assessment that needs it, with an optional comment.

    Under a lock on the assessment; the one-to-one key makes a second countersignature at the
    same moment fail, which is reported as "already countersigned" with nothing written. The
    trainee is told, and their programmes are judged again once the write commits (the
    certificate waiting for this countersignature is issued then).
    """

    action_name = "countersign_assessment"
    instance: SkillAssessment

    def __init__(
        self, assessment: SkillAssessment, user: Any, comment: str = "", now: datetime | None = None
    ) -> None:
        super().__init__(assessment, user=user)
        self.comment = (comment or "").strip()
        self.now = now

    def check(self, skip_permission_checks: bool = False) -> None:
        """A different eligible assessor (`may_countersign`); an assessment awaiting it."""
        if not skip_permission_checks and not may_countersign(self.user, self.instance):
            raise PermissionDenied(
                "Only another assessor of this checklist, not the one who signed it, may "
                "countersign it."
            )
        if len(self.comment) > COMMENT_MAX:
            raise CertificationError(f"Keep the comment under {COMMENT_MAX} characters.")
        if reason := waiting_reason(self.instance):
            raise CertificationError(reason)

    def execute(self, skip_permission_checks: bool = False) -> Countersignature:
        try:
            with transaction.atomic():
                assessment = (
                    SkillAssessment.objects.select_for_update(of=("self",))
                    .select_related("trainee", "checklist")
                    .get(pk=self.instance.pk)
                )
                self.instance = assessment
                self.check(skip_permission_checks=skip_permission_checks)
                countersignature = Countersignature.objects.create(
                    assessment=assessment,
                    countersigned_by=self.user,
                    countersigned_at=self.now or timezone.now(),
                    comment=self.comment,
                )
                self.log(countersignature)
                assessment_countersigned(countersignature)
                request_evaluation(assessment.trainee)
        except IntegrityError as exc:
            raise CertificationError(ALREADY) from exc
        return countersignature

    def log(self, countersignature: Countersignature) -> None:
        assessment = countersignature.assessment
        log(
            instance=assessment,
            action=COUNTERSIGN,
            user=self.user,
            data={"trainee": assessment.trainee_id, "comment": countersignature.comment},
        )


def countersign_assessment(
    assessment_id: int, by: Any, comment: str = "", *, now: datetime | None = None
) -> Countersignature:
    """`by` countersigns an assessment (see CountersignAssessmentAction)."""
    return CountersignAssessmentAction(
        SkillAssessment.objects.get(pk=assessment_id), user=by, comment=comment, now=now
    ).execute()
