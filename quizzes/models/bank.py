"""The question bank (snippets): categories, questions of eight types, and their options."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
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
from quizzes.admin_panels import ItemWritingPanel
from quizzes.models.choices import CognitiveLevel, QuestionType, ReviewPolicy
from quizzes.models.validation import validate_options, validate_question_title


class QuestionCategory(RevisionMixin, models.Model):
    """A bank category; quizzes draw random questions from one (snippet)."""

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    panels = [FieldPanel("name"), FieldPanel("key"), FieldPanel("description")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "question categories"

    def __str__(self) -> str:
        return self.name


class QuestionForm(WagtailAdminModelForm):
    """Checks that a question's options fit its type (the admin's inline options); lists the
    objectives to pick from by module, in course order, in one query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("objectives")
        if field is not None:
            field.queryset = field.queryset.select_related("page").order_by(
                "page__path", "sort_order", "pk"
            )
            field.label_from_instance = lambda o: f"{o.page.title}: {o.text} ({o.key})"

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("question_type")
        formset = self.formsets.get("options")
        if not kind or formset is None or not formset.is_valid():
            return cleaned
        rows = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            validate_options(kind, rows, cleaned)
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


class Question(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    index.Indexed,
    ClusterableModel,
):
    """A bank question of one of eight types, with feedback, a cited Source and competencies (snippet)."""

    key = models.SlugField(max_length=80, unique=True, help_text="Stable identifier; never reused.")
    question_type = models.CharField("type", max_length=20, choices=QuestionType.choices)
    title = models.CharField(
        max_length=200,
        validators=[validate_question_title],
        help_text=(
            'A few words naming the question, e.g. "Depth limit on the cheek", for the bank, '
            "the grading queue and the grading page; trainees do not see it."
        ),
    )
    stem = RichTextField(
        features=[*RICH_TEXT_FEATURES, "image"],  # images: only the stem shows them
        help_text="The question, with a clinical vignette where it fits.",
    )
    explanation = RichTextField(
        features=INLINE_FEATURES,
        help_text="Why the answer is right; shown after submitting if the quiz allows.",
    )
    category = models.ForeignKey(
        QuestionCategory, on_delete=models.PROTECT, related_name="questions"
    )
    competencies = ParentalManyToManyField("courses.Competency", related_name="questions")
    objectives = ParentalManyToManyField(
        "courses.LearningObjective",
        related_name="questions",
        help_text="The module learning objectives this question assesses (at least one).",
    )
    level = models.CharField(
        "cognitive level",
        max_length=20,
        choices=CognitiveLevel.choices,
        default=CognitiveLevel.RECALL,
        help_text="Recall a fact, apply it to a case, or decide what to do.",
    )
    source = models.ForeignKey("core.Source", on_delete=models.PROTECT, related_name="questions")
    passage = models.CharField(
        max_length=300, help_text="Which passage of the source the question rests on."
    )
    points = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="What the question counts for in the quiz; an essay's rubric mark is scaled to it.",
    )
    critical = models.BooleanField(
        "critical",
        default=False,
        help_text=(
            "A safety decision: an attempt that does not get full credit on it does not pass, "
            "whatever its score. Trainees see the question marked critical."
        ),
    )
    numeric_answer = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    numeric_tolerance = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    numeric_unit = models.CharField(max_length=20, blank=True)
    model_answer = RichTextField(
        features=INLINE_FEATURES,
        blank=True,
        help_text=(
            "Essay: what a full answer contains. Short answer: the answer trainees see after "
            "submitting (the accepted answers are never shown to them)."
        ),
    )
    case_sensitive = models.BooleanField(
        "case matters",
        default=False,
        help_text="Short answer: accepted answers must match upper and lower case exactly.",
    )
    external_id = models.CharField(
        "external id",
        max_length=100,
        blank=True,
        db_index=True,
        help_text=(
            "The question's id in the bank it was imported from (Moodle's idnumber): importing "
            "the same file again updates this question rather than adding another."
        ),
    )
    rubric = models.TextField(blank=True, help_text="Essay: how marks are given.")
    rubric_points = models.DecimalField(
        "rubric total",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Essay: the rubric's total points; the grader marks out of this.",
    )
    rubric_pass_points = models.DecimalField(
        "rubric pass mark",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Essay: the rubric points that pass, shown to the grader and the trainee.",
    )

    base_form_class = QuestionForm

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("question_type"), FieldPanel("points"), FieldPanel("critical")]),
        ItemWritingPanel(),
        FieldPanel("category"),
        FieldPanel("stem"),
        InlinePanel(
            "options",
            label="Option",
            heading="Options",
            help_text=(
                "Choice and true/false: each option with its feedback, correct ones ticked. "
                "Ordering: the items in the correct order. Matching: prompt and its match (no prompt = distractor). "
                "Short answer: each accepted answer (case-insensitive; * matches anything)."
            ),
        ),
        FieldPanel("case_sensitive"),
        MultiFieldPanel(
            [
                FieldPanel("numeric_answer"),
                FieldPanel("numeric_tolerance"),
                FieldPanel("numeric_unit"),
            ],
            heading="Numeric answer",
        ),
        MultiFieldPanel(
            [
                FieldPanel("model_answer"),
                FieldPanel("rubric"),
                FieldRowPanel([FieldPanel("rubric_points"), FieldPanel("rubric_pass_points")]),
            ],
            heading="Model answer and rubric",
        ),
        FieldPanel("explanation"),
        MultiFieldPanel([FieldPanel("source"), FieldPanel("passage")], heading="Source cited"),
        FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(
            [FieldPanel("objectives", widget=forms.CheckboxSelectMultiple), FieldPanel("level")],
            heading="Blueprint",
        ),
        FieldPanel("key"),
        FieldPanel("external_id"),
    ]
    # The admin's question bank searches the AutocompleteFields (as the words are typed).
    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.SearchField("stem"),
        index.AutocompleteField("stem"),
        index.SearchField("key"),
        index.AutocompleteField("key"),
        index.FilterField("question_type"),
        index.FilterField("category"),
        index.FilterField("live"),
        index.FilterField("critical"),
    ]

    class Meta:
        ordering = ["category__name", "key"]
        permissions = [
            ("grade_response", "Can grade essay answers"),
            ("view_blueprint_report", "Can see the assessment blueprint report"),
            ("view_item_statistics", "Can see the item statistics report"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_question_type_display()})"

    def clean(self):
        super().clean()
        if self.question_type == QuestionType.NUMERIC and self.numeric_answer is None:
            raise ValidationError({"numeric_answer": "A numeric question needs its answer."})

    # Preview ---------------------------------------------------------------------------

    preview_modes = [("", "As a trainee sees it"), ("answers", "With answers and feedback")]

    def get_preview_template(self, request, mode_name):
        return "quizzes/question_preview.html"

    def get_preview_context(self, request, mode_name):
        from quizzes.presentation import public_view, review_view
        from quizzes.snapshots import make_display, snapshot_question

        snapshot = snapshot_question(self, options=list(self.options.all()))
        display = make_display(snapshot, shuffle=False)
        context = super().get_preview_context(request, mode_name)
        context["view"] = public_view(snapshot, display, position=1)
        if mode_name == "answers":
            context["review"] = review_view(
                snapshot, display, None, ReviewPolicy.ANSWERS, position=1
            )
        return context


class QuestionOption(Orderable):
    """One option, item, pair or accepted answer of a Question (inline; meaning depends on type)."""

    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(
        max_length=500, blank=True, help_text="Option, item, prompt or accepted answer."
    )
    is_correct = models.BooleanField("correct", default=False)
    fraction = models.DecimalField(
        "credit",
        max_digits=8,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-1)), MaxValueValidator(Decimal(1))],
        help_text=(
            "Choice and short answer: the share of the marks this answer earns, from -1 to 1 "
            "(Moodle's grade, e.g. 0.5 for half). Empty: full marks if correct, none if not."
        ),
    )
    feedback = models.CharField(
        max_length=1000, blank=True, help_text="Why this option is right or wrong."
    )
    match = models.CharField(
        max_length=500, blank=True, help_text="Matching only: the answer this prompt pairs with."
    )

    panels = [
        FieldRowPanel([FieldPanel("text"), FieldPanel("is_correct"), FieldPanel("fraction")]),
        FieldPanel("feedback"),
        FieldPanel("match"),
    ]

    def __str__(self) -> str:
        return self.text or self.match
