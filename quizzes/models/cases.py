"""Clinical cases (snippets) told in ordered stages, disclosed one at a time by a case quiz."""

from __future__ import annotations

from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES
from core.models import EvidenceLevel


class CaseKind(models.TextChoices):
    PUBLISHED = "published", "Published case"
    CONSTRUCTED = "constructed", "Constructed teaching case"


class StageKind(models.TextChoices):
    PRESENTATION = "presentation", "Presentation"
    HISTORY = "history", "History"
    EXAMINATION = "examination", "Examination"
    INVESTIGATIONS = "investigations", "Investigations"
    DIAGNOSIS = "diagnosis", "Diagnosis"
    TREATMENT = "treatment", "Treatment"
    OUTCOME = "outcome", "Outcome"
    DISCUSSION = "discussion", "Discussion"
    OTHER = "other", "Other"


class ClinicalCase(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    index.Indexed,
    ClusterableModel,
):
    """A clinical case told in ordered stages, with its Source and evidence level (snippet).

    A QuizPage bound to a case discloses the stages one at a time (quizzes.actions.AdvanceStageAction).
    """

    key = models.SlugField(max_length=80, unique=True, help_text="Stable identifier; never reused.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CaseKind.choices, default=CaseKind.PUBLISHED)
    summary = RichTextField(features=INLINE_FEATURES, help_text="Shown before the case starts.")
    source = models.ForeignKey("core.Source", on_delete=models.PROTECT, related_name="cases")
    evidence_level = models.CharField(max_length=20, choices=EvidenceLevel.choices)
    evidence_note = models.TextField(
        help_text="What this case can and cannot show; shown with the case."
    )

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("evidence_level")]),
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("source"), FieldPanel("evidence_note")], heading="Source and evidence"
        ),
        InlinePanel(
            "stages", label="Stage", heading="Stages, in the order they are disclosed", min_num=2
        ),
        FieldPanel("key"),
    ]
    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("key"),
        index.AutocompleteField("key"),
        index.FilterField("kind"),
        index.FilterField("live"),
    ]

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_preview_template(self, request, mode_name):
        return "quizzes/case_preview.html"

    def get_preview_context(self, request, mode_name):
        from quizzes.snapshots import snapshot_case

        context = super().get_preview_context(request, mode_name)
        context["case"] = snapshot_case(self, stages=list(self.stages.all()))
        return context


class CaseStage(Orderable):
    """One stage of a ClinicalCase: what the clinician learns at that point (inline)."""

    case = ParentalKey(ClinicalCase, on_delete=models.CASCADE, related_name="stages")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=StageKind.choices, default=StageKind.OTHER)
    narrative = RichTextField(features=RICH_TEXT_FEATURES)
    findings = models.TextField(blank=True, help_text="One finding per line; shown as a list.")
    passage = models.CharField(
        max_length=300, help_text="Where in the source this stage comes from."
    )

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("kind")]),
        FieldPanel("narrative"),
        FieldPanel("findings"),
        FieldPanel("passage"),
    ]

    def __str__(self) -> str:
        return self.title

    @property
    def finding_list(self) -> list[str]:
        return [line.strip() for line in self.findings.splitlines() if line.strip()]
