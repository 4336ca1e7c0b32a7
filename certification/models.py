"""Observed skill assessment, programmes, certificates and clinics.

SkillChecklist and Programme are snippets (certification/wagtail_hooks.py). SkillAssessment,
Certificate, Clinic, ClinicMembership, ProgrammeAssignment and Reminder are records: a signed
assessment never changes, a certificate is revoked (with a reason) rather than deleted, and a
renewal is a new certificate that keeps the old one in the history.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, Orderable, RevisionMixin, WorkflowMixin
from wagtail.search import index

EXPIRING_WITHIN_DAYS = 60


# Skill checklists (DOPS-style) ------------------------------------------------------------------


class ChecklistForm(WagtailAdminModelForm):
    """Every item on a safety competency must be must-pass; the pass rating fits the scale."""

    def clean(self):
        cleaned = super().clean()
        items = self.formsets.get("items")
        if (
            cleaned.get("pass_rating")
            and cleaned.get("rating_max")
            and cleaned["pass_rating"] > cleaned["rating_max"]
        ):
            self.add_error("pass_rating", "The pass rating cannot exceed the top of the scale.")
        if items is None or not items.is_valid():
            return cleaned
        for form in items.forms:
            data = form.cleaned_data
            kept = data and not data.get("DELETE")
            if (
                kept
                and data.get("competency")
                and data["competency"].domain == "safety"
                and not data.get("must_pass")
            ):
                form.add_error("must_pass", "Items on a safety competency must be must-pass.")
                self.add_error(None, "Every item on a safety competency must be must-pass.")
        return cleaned


class SkillChecklist(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """An observed practical assessment form: items (some must-pass) and a global rating (snippet)."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    rating_max = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
        help_text="Top of the global rating scale.",
    )
    pass_rating = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(1)],
        help_text="Lowest global rating that can pass.",
    )

    base_form_class = ChecklistForm
    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldRowPanel(
            [FieldPanel("rating_max"), FieldPanel("pass_rating")], heading="Global rating"
        ),
        InlinePanel(
            "items", label="Item", heading="Items, in the order they are observed", min_num=1
        ),
        FieldPanel("key"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("live"),
    ]

    class Meta:
        ordering = ["title"]
        permissions = [("assess_skills", "Can record and sign skill assessments")]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(Orderable):
    """One observed behaviour; must-pass items fail the assessment if not met (inline)."""

    checklist = ParentalKey(SkillChecklist, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(max_length=300)
    competency = models.ForeignKey(
        "courses.Competency", on_delete=models.PROTECT, related_name="checklist_items"
    )
    must_pass = models.BooleanField(default=False)
    guidance = models.TextField(blank=True, help_text="What the assessor looks for.")

    panels = [
        FieldRowPanel([FieldPanel("text"), FieldPanel("must_pass")]),
        FieldPanel("competency"),
        FieldPanel("guidance"),
    ]

    def __str__(self) -> str:
        return self.text


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class ItemResult(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    NOT_OBSERVED = "not_observed", "Not observed"


class SignedRecordError(ValidationError):
    """A signed assessment was about to change."""


class SkillAssessment(models.Model):
    """An assessor's observation of a trainee against a checklist; immutable once signed."""

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="skill_assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_made"
    )
    checklist = models.ForeignKey(
        SkillChecklist, on_delete=models.PROTECT, related_name="assessments"
    )
    checklist_snapshot = models.JSONField(
        help_text="The checklist's title, scale and items as assessed."
    )
    assessed_on = models.DateField(default=timezone.localdate)
    global_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comments = models.TextField(
        blank=True, help_text="Stored as typed; shown through the HTML sanitizer."
    )
    status = models.CharField(
        max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    passed = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [models.Index(fields=["trainee", "checklist", "status"])]

    def __str__(self) -> str:
        return f"{self.checklist_snapshot.get('title', 'Assessment')} — {self.trainee} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        if (
            self.pk
            and SkillAssessment.objects.filter(pk=self.pk, status=AssessmentStatus.SIGNED).exists()
        ):
            raise SignedRecordError(
                "A signed assessment cannot change; record a new assessment instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_signed:
            raise SignedRecordError("A signed assessment cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == AssessmentStatus.SIGNED


class AssessmentItem(models.Model):
    """One checklist item's result within an assessment (item text copied at creation)."""

    assessment = models.ForeignKey(
        SkillAssessment, on_delete=models.CASCADE, related_name="item_results"
    )
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)
    competency = models.ForeignKey("courses.Competency", on_delete=models.PROTECT, related_name="+")
    must_pass = models.BooleanField(default=False)
    result = models.CharField(max_length=15, choices=ItemResult.choices, blank=True)
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["assessment", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "position"], name="assessment_item_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}: {self.get_result_display() or 'not recorded'}"

    def save(self, *args, **kwargs):
        if SkillAssessment.objects.filter(
            pk=self.assessment_id, status=AssessmentStatus.SIGNED
        ).exists():
            raise SignedRecordError(
                "A signed assessment cannot change; record a new assessment instead."
            )
        super().save(*args, **kwargs)


# Programmes and certificates ----------------------------------------------------------------------


class Programme(RevisionMixin, ClusterableModel):
    """What a certificate needs (courses, quizzes, checklists) and how long it is valid (snippet)."""

    key = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    validity_months = models.PositiveSmallIntegerField(
        default=24, validators=[MinValueValidator(1)]
    )
    required_courses = ParentalManyToManyField("courses.CoursePage", blank=True, related_name="+")
    required_quizzes = ParentalManyToManyField("quizzes.QuizPage", blank=True, related_name="+")
    required_checklists = ParentalManyToManyField(
        SkillChecklist, blank=True, related_name="programmes"
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("validity_months"),
        MultiFieldPanel(
            [
                FieldPanel("required_courses", widget=forms.CheckboxSelectMultiple),
                FieldPanel("required_quizzes", widget=forms.CheckboxSelectMultiple),
                FieldPanel("required_checklists", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Requirements",
        ),
        FieldPanel("key"),
    ]

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def validity(self) -> timedelta:
        """Months counted as 30.44 days, so a 24-month certificate lasts two calendar years."""
        return timedelta(days=round(self.validity_months * 30.4375))


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRING = "expiring", "Expiring soon"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


def new_certificate_code() -> str:
    """128 bits from the OS's random source, URL-safe: unguessable, and no sequence to walk."""
    return secrets.token_urlsafe(16)


class CertificateQuerySet(models.QuerySet):
    def valid(self, at=None):
        """Not revoked and not yet expired (active or expiring)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())

    def expiring_within(self, days: int = EXPIRING_WITHIN_DAYS, at=None):
        at = at or timezone.now()
        return self.valid(at).filter(expires_at__lte=at + timedelta(days=days))

    def expired(self, at=None):
        return self.filter(revoked_at__isnull=True, expires_at__lte=at or timezone.now())

    def revoked(self):
        return self.filter(revoked_at__isnull=False)


class Certificate(models.Model):
    """A certificate of a programme: issued once per cycle, public by its code, revocable."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="certificates")
    cycle = models.PositiveSmallIntegerField(
        help_text="1 for the first certificate, 2 for the first renewal, ..."
    )
    code = models.CharField(
        max_length=32, unique=True, default=new_certificate_code, editable=False
    )
    holder_name = models.CharField(
        max_length=300, help_text="The name printed, as it was at issue."
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme", "cycle"], name="certificate_once_per_cycle"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="revocation_needs_reason",
            ),
        ]
        permissions = [
            ("revoke_certificate", "Can revoke certificates"),
            ("view_certificates", "Can see every certificate"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} — {self.holder_name} ({self.code[:6]}…)"

    def get_absolute_url(self) -> str:
        return reverse("certificates:verify", args=[self.code])

    def status_at(self, at=None) -> str:
        at = at or timezone.now()
        if self.revoked_at:
            return CertificateStatus.REVOKED
        if self.expires_at <= at:
            return CertificateStatus.EXPIRED
        if self.expires_at <= at + timedelta(days=EXPIRING_WITHIN_DAYS):
            return CertificateStatus.EXPIRING
        return CertificateStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return CertificateStatus(self.status).label


# Clinics ------------------------------------------------------------------------------------------


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
