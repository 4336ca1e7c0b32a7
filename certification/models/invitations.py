"""Invitations: how a person gets an account (there is no open sign-up).

A clinic's manager invites staff into their clinic (with programmes to hold by a due date); an
admin invites instructors, reviewers and other staff roles into a site role (a group) instead of
a clinic. The link in the e-mail is `/invitations/<token>/`, where the token is the row's id and
a random nonce signed with the site's secret key (certification.invitations): the database alone
cannot produce a link that works, a resend replaces the nonce (the old link stops working), and
the row records when it was accepted or revoked, so a link works once and only until it expires.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from certification.models.certificates import Programme
from certification.models.clinics import Clinic, ClinicRole


class InvitationState(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    ADDED = "added", "Added to an existing account"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Withdrawn"


PENDING = Q(accepted_at__isnull=True, revoked_at__isnull=True)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now: datetime | None = None) -> InvitationQuerySet:
        """Neither accepted nor withdrawn, and not yet expired."""
        return self.filter(PENDING, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """One person invited by e-mail into a clinic (with its role) or into a site role."""

    email = models.EmailField(max_length=150)  # stored lower-cased; it becomes the username
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    clinic_role = models.CharField(
        max_length=10, choices=ClinicRole.choices, default=ClinicRole.STAFF
    )
    # The name of the group (core.roles) an admin invites into, for people who have no clinic.
    site_role = models.CharField(max_length=150, blank=True)
    programmes = models.ManyToManyField(Programme, blank=True, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Replaced on every (re)send: the signed link carries it, so an older link stops working.
    nonce = models.CharField(max_length=64)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # True when the address already had an account: it was added at once, nothing to accept.
    existing_account = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "clinic"],
                condition=PENDING & Q(clinic__isnull=False),
                name="invitation_one_open_per_clinic",
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=PENDING & Q(clinic__isnull=True),
                name="invitation_one_open_per_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.clinic or self.site_role}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def state_at(self, now: datetime | None = None) -> InvitationState:
        """Pending, accepted, added, expired or withdrawn at `now`."""
        if self.accepted_at is not None:
            return InvitationState.ADDED if self.existing_account else InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    @property
    def state(self) -> InvitationState:
        return self.state_at()

    @property
    def is_pending(self) -> bool:
        return self.state == InvitationState.PENDING

    @property
    def joins(self) -> str:
        """What accepting gives, in words: "Riverside (staff)" or "Instructors"."""
        if self.clinic_id is None:
            return self.site_role
        return f"{self.clinic} ({self.get_clinic_role_display().lower()})"
