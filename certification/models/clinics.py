"""Clinics, their staff and managers, programme assignments, and reminder e-mails sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from certification.models.certificates import Programme


class Clinic(models.Model):
    """A clinic whose managers track their staff's certification."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ClinicRole(models.TextChoices):
    STAFF = "staff", "Staff"
    MANAGER = "manager", "Manager"


class ClinicMembership(models.Model):
    """A person's place in a clinic: staff (tracked) or manager (sees the clinic's dashboard)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clinic_memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=ClinicRole.choices, default=ClinicRole.STAFF)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="clinic_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.clinic} ({self.get_role_display()})"


class ProgrammeAssignment(models.Model):
    """A clinic asks a staff member to hold a programme's certificate by a due date."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_assignments"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="assignments")
    due_date = models.DateField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user", "programme"], name="assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.programme} by {self.due_date}"


class ReminderStatus(models.TextChoices):
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed, tried again next run"
    REFUSED = "refused", "Address refused by the mail server"
    GAVE_UP = "gave_up", "Failed too often, not tried again"


class Reminder(models.Model):
    """One reminder e-mail and what became of it; its key makes sending it twice impossible.

    certification/reminders.py decides from `status`, `attempts` and `address` whether a
    reminder that was not sent is tried again.
    """

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.SENT
    )
    # The address last tried: a refusal holds for that address, not for a corrected one.
    address = models.EmailField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
