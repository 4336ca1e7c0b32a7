"""Site-wide content: the home page, the Source (citation) snippet and the clinical review record.

Source's admin is in courses/wagtail_hooks.py (the Curriculum menu, beside Competencies);
HomePage is the root of the site's page tree, and higher apps fill its context through the
`construct_home_page_context` hook.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page, RevisionMixin
from wagtail.search import index


class EvidenceLevel(models.TextChoices):
    CASE_REPORT = "case_report", "Case report (single case)"
    CASE_SERIES = "case_series", "Case series"
    TRIAL = "trial", "Controlled trial"
    REVIEW = "review", "Systematic review"
    GUIDELINE = "guideline", "Clinical guideline"
    ARTICLE = "article", "Practice article"
    BOOK_EXCERPT = "book_excerpt", "Book excerpt"
    OTHER = "other", "Other"


class Source(RevisionMixin, index.Indexed, models.Model):
    """A published document that lessons, cases and questions cite (snippet, revisioned)."""

    key = models.SlugField(
        max_length=80,
        unique=True,
        help_text="Stable identifier used by the curriculum files, e.g. 'case-report'.",
    )
    title = models.CharField(max_length=300)
    authors = models.CharField(max_length=300, help_text="People or organisation.")
    publication = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = models.URLField(blank=True)
    evidence_level = models.CharField(max_length=20, choices=EvidenceLevel.choices)
    limitations = models.TextField(
        blank=True, help_text="What a reader must keep in mind when relying on this source."
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("key"),
        MultiFieldPanel(
            [
                FieldPanel("authors"),
                FieldPanel("publication"),
                FieldPanel("year"),
                FieldPanel("url"),
            ],
            heading="Publication",
        ),
        FieldPanel("evidence_level"),
        FieldPanel("limitations"),
    ]

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("authors"),
        index.AutocompleteField("authors"),
        index.FilterField("evidence_level"),
    ]

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def citation(self) -> str:
        """One-line reference: authors, title, publication, year."""
        parts = [self.authors, self.title, self.publication, str(self.year) if self.year else ""]
        return ". ".join(p.strip().rstrip(".") for p in parts if p) + "."


class HomePage(Page):
    """The site's home: headline, introduction and the course catalogue (root of the tree)."""

    headline = models.CharField(max_length=200, default="Clinical skills, taught and assessed")
    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("headline"), FieldPanel("intro")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The page's context, completed by every `construct_home_page_context` hook.

        Each hook is called as hook(page, request, context) and adds to the context in place
        (courses adds the catalogue, `courses`, and the learner's `continue_course`).
        """
        context = super().get_context(request, *args, **kwargs)
        for fn in hooks.get_hooks("construct_home_page_context"):
            fn(self, request, context)
        return context


class ScheduledRun(models.Model):
    """One period's run of a periodic job (core.tasks): the unique row lets one scheduler claim it."""

    name = models.CharField(max_length=100)
    slot = models.BigIntegerField(help_text="Period number since the Unix epoch.")
    enqueued_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="scheduled_run_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.slot}"


class ClinicalReview(models.Model):
    """One approval of the "Clinical review" workflow task: who approved what, and when.

    Written by core.reviews when a reviewer approves the task (Wagtail's `task_approved`
    signal), once per approved task state; a rejection writes nothing. The reviewer's name and
    role are copied as they were at the time, so the record keeps its meaning if the account
    changes. Pages and snippets are both reviewed: `base_content_type` and `object_id` name
    the object as Wagtail's revisions do, and `page` is set for pages (what the public pages
    show).
    """

    task_state = models.OneToOneField(
        "wagtailcore.TaskState",
        null=True,
        on_delete=models.SET_NULL,
        related_name="clinical_review",
        help_text="The approved workflow task this record was written from.",
    )
    base_content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=255)
    page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clinical_reviews",
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The revision the reviewer approved (and the workflow published).",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer_name = models.CharField(
        max_length=300, blank=True, help_text="The reviewer's full name when they approved."
    )
    reviewer_role = models.CharField(max_length=100, blank=True)
    reviewed_at = models.DateTimeField()
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        indexes = [
            models.Index(fields=["page", "-reviewed_at"], name="clinical_review_page_idx"),
            models.Index(fields=["base_content_type", "object_id"], name="clinical_review_obj_idx"),
        ]

    def __str__(self) -> str:
        who = self.reviewer_name or self.reviewer_role or "unknown reviewer"
        return f"Clinical review by {who} on {self.reviewed_at:%Y-%m-%d}"
