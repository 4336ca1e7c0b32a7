"""Skill checklists (DOPS-style) and the assessments recorded against them.

SkillChecklist is a snippet; SkillAssessment is a record that never changes once signed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index


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
    requires_countersign = models.BooleanField(
        "safety items need a countersignature",
        default=False,
        help_text=(
            "Two-person rule: a second, different assessor must countersign the must-pass "
            "items before an assessment of this checklist counts toward a certificate."
        ),
    )

    base_form_class = ChecklistForm
    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldRowPanel(
            [FieldPanel("rating_max"), FieldPanel("pass_rating")], heading="Global rating"
        ),
        FieldPanel("requires_countersign"),
        InlinePanel(
            "items", label="Item", heading="Items, in the order they are observed", min_num=1
        ),
        InlinePanel(
            "eligible_assessors",
            label="Assessor",
            heading="Eligible assessors",
            help_text=(
                "Who may observe and sign this checklist. Nobody listed: anyone allowed to "
                "assess skills (the Assessors and Instructors groups)."
            ),
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


def assessor_display_name(user: Any, external: Any) -> str:
    """An assessor as printed: an external supervisor's name, or the account's full name (its
    username when it has none); "" for neither."""
    if external is not None:
        return external.name
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


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
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments_made",
        help_text="The assessor with an account; empty when an external supervisor assessed.",
    )
    external_assessor = models.ForeignKey(
        "certification.ExternalAssessor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        help_text="The approved external supervisor who assessed through a one-time link.",
    )
    needs_countersign = models.BooleanField(
        default=False,
        help_text="Copied from the checklist at the start: counts only once countersigned.",
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assessor__isnull=False, external_assessor__isnull=True)
                | models.Q(assessor__isnull=True, external_assessor__isnull=False),
                name="assessment_has_one_assessor",
            )
        ]

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

    @property
    def assessor_name(self) -> str:
        """Who assessed, as printed: the account's name, or the external supervisor's."""
        return assessor_display_name(self.assessor, self.external_assessor)


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
