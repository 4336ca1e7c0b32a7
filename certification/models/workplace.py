"""Workplace-based assessment around a SkillAssessment: who may assess, requests, external
supervisors and their one-time links, countersignatures, and the trainee's acknowledgement.

A signed SkillAssessment never changes; what happens to it afterwards (a countersignature, the
trainee's reflection and acknowledgement, a dispute) is recorded beside it, in rows of its own.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

from certification.models.assessments import (
    SkillAssessment,
    SkillChecklist,
    assessor_display_name,
)


def new_link_nonce() -> str:
    """128 bits from the OS's random source; a link is the signed request id plus this."""
    return secrets.token_urlsafe(16)


class ChecklistAssessor(Orderable):
    """An assessor an admin has made eligible for one checklist (inline on the checklist).

    A checklist that lists nobody may be assessed by anyone holding `assess_skills`; one that
    lists assessors, only by them (certification.permissions.may_assess says it once).
    """

    checklist = ParentalKey(
        SkillChecklist, on_delete=models.CASCADE, related_name="eligible_assessors"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessable_checklists"
    )

    panels = [FieldPanel("user")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(fields=["checklist", "user"], name="checklist_assessor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} may assess {self.checklist}"


class ExternalAssessorStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Not approved"


class ExternalAssessor(models.Model):
    """A supervisor outside the site, proposed by a trainee, who assesses through a link once
    a manager of the trainee's clinic (or an admin) has approved them."""

    name = models.CharField(max_length=200)
    email = models.EmailField()
    profession = models.CharField(max_length=200, blank=True)
    registration_body = models.CharField(
        max_length=200,
        help_text="The professional register, e.g. the national acupuncture council.",
    )
    registration_number = models.CharField(max_length=100)
    clinic = models.ForeignKey(
        "certification.Clinic",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="external_assessors",
        help_text="The clinic whose managers approve; none: an admin approves.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10,
        choices=ExternalAssessorStatus.choices,
        default=ExternalAssessorStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_body} {self.registration_number})"

    @property
    def approved(self) -> bool:
        return self.status == ExternalAssessorStatus.APPROVED


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the assessor"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    COMPLETED = "completed", "Completed"


OPEN_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.ACCEPTED)


class AssessmentRequest(models.Model):
    """A trainee asks an assessor (or an external supervisor) to observe them on a checklist."""

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_requests"
    )
    checklist = models.ForeignKey(
        SkillChecklist, on_delete=models.PROTECT, related_name="assessment_requests"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_requests_received",
    )
    external_assessor = models.ForeignKey(
        ExternalAssessor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
    )
    message = models.TextField(blank=True, help_text="When and where; anything to prepare.")
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    assessment = models.OneToOneField(
        SkillAssessment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="request",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assessor__isnull=False, external_assessor__isnull=True)
                | Q(assessor__isnull=True, external_assessor__isnull=False),
                name="request_has_one_assessor",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="request_decline_needs_reason",
            ),
        ]
        indexes = [models.Index(fields=["assessor", "status"])]

    def __str__(self) -> str:
        return f"{self.trainee} asks for {self.checklist} ({self.get_status_display()})"

    @property
    def assessor_name(self) -> str:
        return assessor_display_name(self.assessor, self.external_assessor)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class ExternalLink(models.Model):
    """The one-time link that lets an approved external supervisor complete one assessment.

    The URL carries the signed id of this row and its nonce; it works until `expires_at` and
    only until the assessment it leads to is signed (`used_at`). Reissuing replaces the nonce.
    """

    request = models.OneToOneField(
        AssessmentRequest, on_delete=models.CASCADE, related_name="external_link"
    )
    nonce = models.CharField(max_length=64, default=new_link_nonce)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Link for {self.request}"


class Countersignature(models.Model):
    """A second, different assessor confirms a signed assessment's must-pass safety items.

    One per assessment (the unique key makes two at once give one); the assessment counts
    toward a programme only from this moment when its checklist asked for it.
    """

    assessment = models.OneToOneField(
        SkillAssessment, on_delete=models.PROTECT, related_name="countersignature"
    )
    countersigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="countersignatures"
    )
    countersigned_at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Countersigned by {self.countersigned_by} ({self.countersigned_at:%Y-%m-%d})"


class Acknowledgement(models.Model):
    """The trainee has read a signed assessment, with their reflection on it."""

    assessment = models.OneToOneField(
        SkillAssessment, on_delete=models.CASCADE, related_name="acknowledgement"
    )
    reflection = models.TextField(
        blank=True, help_text="Stored as typed; shown through the HTML sanitizer."
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Acknowledged {self.acknowledged_at:%Y-%m-%d}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld: the assessment no longer counts"
    DISMISSED = "dismissed", "Dismissed: the assessment stands"


class AssessmentDispute(models.Model):
    """A trainee disputes a signed assessment to an admin; the assessment itself never changes.

    An upheld dispute stops the assessment counting toward programmes (the evaluator skips it).
    """

    assessment = models.ForeignKey(
        SkillAssessment, on_delete=models.CASCADE, related_name="disputes"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(status="open"),
                name="one_open_dispute_per_assessment",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | ~Q(resolution=""),
                name="dispute_resolution_needs_text",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute on {self.assessment} ({self.get_status_display()})"
