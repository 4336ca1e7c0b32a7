"""Programmes (what a certificate needs) and certificates (issued, expiring, revoked).

A certificate is revoked (with a reason) rather than deleted, and a renewal is a new certificate
that keeps the old one in the history.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable, RevisionMixin

from certification.models.assessments import SkillChecklist

EXPIRING_WITHIN_DAYS = 60


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
    recertification_window_days = models.PositiveSmallIntegerField(
        "recertification window (days)",
        default=90,
        validators=[MinValueValidator(1)],
        help_text=(
            "How long before a certificate expires its holder is asked to recertify: the "
            "renewal path is assigned and the holder and their managers are told."
        ),
    )
    renewal_courses = ParentalManyToManyField(
        "courses.CoursePage", blank=True, related_name="+", verbose_name="renewal courses"
    )
    renewal_quizzes = ParentalManyToManyField(
        "quizzes.QuizPage", blank=True, related_name="+", verbose_name="renewal quizzes"
    )
    renewal_checklists = ParentalManyToManyField(
        SkillChecklist,
        blank=True,
        related_name="renewal_programmes",
        verbose_name="renewal checklists",
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
        InlinePanel(
            "evidence_rules",
            label="Evidence rule",
            heading="How much observed evidence",
            help_text=(
                "For a required checklist: how many passed observations within the validity "
                "period, by how many different assessors. Without a rule: one observation."
            ),
        ),
        MultiFieldPanel(
            [
                FieldPanel("recertification_window_days"),
                FieldPanel("renewal_courses", widget=forms.CheckboxSelectMultiple),
                FieldPanel("renewal_quizzes", widget=forms.CheckboxSelectMultiple),
                FieldPanel("renewal_checklists", widget=forms.CheckboxSelectMultiple),
            ],
            heading="Recertification",
            help_text=(
                "What a holder does to renew. Nothing ticked: the first path again. Renewal "
                "evidence counts from the window's opening."
            ),
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


class ProgrammeEvidenceRule(Orderable):
    """How much observed evidence of one required checklist a programme needs (inline)."""

    programme = ParentalKey(Programme, on_delete=models.CASCADE, related_name="evidence_rules")
    checklist = models.ForeignKey(SkillChecklist, on_delete=models.CASCADE, related_name="+")
    min_observations = models.PositiveSmallIntegerField(
        "passed observations", default=1, validators=[MinValueValidator(1)]
    )
    min_assessors = models.PositiveSmallIntegerField(
        "different assessors", default=1, validators=[MinValueValidator(1)]
    )

    panels = [
        FieldPanel("checklist"),
        FieldPanel("min_observations"),
        FieldPanel("min_assessors"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "checklist"], name="evidence_rule_once_per_checklist"
            ),
            models.CheckConstraint(
                condition=Q(min_assessors__lte=models.F("min_observations")),
                name="evidence_rule_assessors_within_observations",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.checklist}: {self.min_observations} observations by "
            f"{self.min_assessors} assessors"
        )


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRING = "expiring", "Expiring soon"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


def certificate_status(
    revoked_at: datetime | None, expires_at: datetime, now: datetime
) -> CertificateStatus:
    """The one rule for a certificate's status at `now` (pure).

    Revoked whenever it carries a revocation; otherwise expired from its expiry on, expiring
    within EXPIRING_WITHIN_DAYS of it, active before that. `CertificateQuerySet` below is the
    same rule in SQL, boundary for boundary (tests/certification/test_rules_agree.py).
    """
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if expires_at <= now:
        return CertificateStatus.EXPIRED
    if expires_at <= now + timedelta(days=EXPIRING_WITHIN_DAYS):
        return CertificateStatus.EXPIRING
    return CertificateStatus.ACTIVE


def new_certificate_code() -> str:
    """128 bits from the OS's random source, URL-safe: unguessable, and no sequence to walk."""
    return secrets.token_urlsafe(16)


class CertificateQuerySet(models.QuerySet):
    """`certificate_status` as SQL filters, for lists and jobs that select by status."""

    def valid(self, at: datetime | None = None) -> CertificateQuerySet:
        """ACTIVE or EXPIRING: not revoked, and `expires_at > at`."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=at or timezone.now())

    def expiring_within(
        self, days: int = EXPIRING_WITHIN_DAYS, at: datetime | None = None
    ) -> CertificateQuerySet:
        """EXPIRING (with the default `days`): valid, and `expires_at <= at + days`."""
        at = at or timezone.now()
        return self.valid(at).filter(expires_at__lte=at + timedelta(days=days))

    def expired(self, at: datetime | None = None) -> CertificateQuerySet:
        """EXPIRED: not revoked, and `expires_at <= at`."""
        return self.filter(revoked_at__isnull=True, expires_at__lte=at or timezone.now())

    def revoked(self) -> CertificateQuerySet:
        """REVOKED: a revocation is recorded."""
        return self.filter(revoked_at__isnull=False)

    def active(self, at: datetime | None = None) -> CertificateQuerySet:
        """ACTIVE: valid, and `expires_at > at + EXPIRING_WITHIN_DAYS`."""
        at = at or timezone.now()
        return self.valid(at).filter(expires_at__gt=at + timedelta(days=EXPIRING_WITHIN_DAYS))

    def with_status(self, status: str, at: datetime | None = None) -> CertificateQuerySet:
        """The certificates whose `certificate_status` at `at` is `status`."""
        at = at or timezone.now()
        return {
            CertificateStatus.ACTIVE: lambda: self.active(at),
            CertificateStatus.EXPIRING: lambda: self.expiring_within(at=at),
            CertificateStatus.EXPIRED: lambda: self.expired(at),
            CertificateStatus.REVOKED: self.revoked,
        }[CertificateStatus(status)]()


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

    def status_at(self, at: datetime | None = None) -> CertificateStatus:
        """This certificate's status at `at` (now by default): see `certificate_status`."""
        return certificate_status(self.revoked_at, self.expires_at, at or timezone.now())

    def is_valid_at(self, at: datetime) -> bool:
        """Whether it certifies its holder at `at` (active or expiring)."""
        return self.status_at(at) in (CertificateStatus.ACTIVE, CertificateStatus.EXPIRING)

    @property
    def status(self) -> CertificateStatus:
        return self.status_at()

    @property
    def status_label(self) -> str:
        return self.status.label


class RecertificationReason(models.TextChoices):
    WINDOW = "window", "The certificate is within its recertification window"
    MATERIAL_CHANGE = "material_change", "A required course changed materially"


class Recertification(models.Model):
    """A holder's recertification of one certificate, opened once, closed by the next cycle.

    Opening it (the window reached, or a material change to a required course) assigns the
    renewal path and tells the holder and their managers; the certificate of the next cycle,
    once issued, is recorded in `next_certificate`. Renewal evidence counts from `opened_at`.
    """

    certificate = models.OneToOneField(
        Certificate, on_delete=models.CASCADE, related_name="recertification"
    )
    reason = models.CharField(max_length=20, choices=RecertificationReason.choices)
    note = models.CharField(max_length=300, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    next_certificate = models.OneToOneField(
        Certificate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renews",
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"Recertification of {self.certificate} ({self.get_reason_display()})"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None
