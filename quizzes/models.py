"""The question bank (snippets), quiz pages, and learner attempts with their responses.

Question and QuestionCategory are snippets (quizzes/wagtail_hooks.py); QuizPage lives under a
ModulePage. Attempt and Response are learner data: they keep a snapshot of every question as
shown and graded, so editing or deleting a question never changes a past result.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    Page,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index
from wagtail.url_routing import RouteResult

from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES
from core.models import EvidenceLevel
from quizzes.grading import RubricScale, rubric_scale


class QuestionType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_RESPONSE = "multiple_response", "Multiple response (partial credit)"
    TRUE_FALSE = "true_false", "True / false"
    NUMERIC = "numeric", "Numeric (tolerance and unit)"
    ORDERING = "ordering", "Ordering"
    MATCHING = "matching", "Matching"
    SHORT_ANSWER = "short_answer", "Short answer"
    ESSAY = "essay", "Essay (graded by an instructor)"


CHOICE_TYPES = {QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_RESPONSE, QuestionType.TRUE_FALSE}


class ReviewPolicy(models.TextChoices):
    SCORE = "score", "Score only"
    CORRECTNESS = "correctness", "Score and which answers were right"
    ANSWERS = "answers", "Score, right answers and feedback"


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
    """Checks that a question's options fit its type (the admin's inline options)."""

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


TITLE_MIN_WORDS = 3
TITLE_MAX_LENGTH = 100
TITLE_EXAMPLE = 'Name what the question is about, for example "Depth limit on the cheek".'
# Instructions and stock openings that say nothing about the question they head.
BOILERPLATE_TITLE = re.compile(
    r"^[\W_]*(?:"
    r"(?:select|choose|tick|mark|pick)\b.*\b(?:apply|applies|correct|true|best|answers?|options?)\b"
    r"|which\s+(?:one\s+|two\s+|three\s+)?(?:of|among)\s+(?:the\s+following|these|them)\b"
    r"|(?:true\s+or\s+false|false\s+or\s+true)\b"
    r"|(?:in\s+)?(?:about|around|approximately|up\s+to|at\s+most)?\s*\d+\s*(?:(?:-|\u2013|to)\s*\d+\s*)?words?\b"
    r"|(?:new\s+|untitled\s+)?(?:question|item)\s*\d*[\W_]*$"
    r")",
    re.IGNORECASE,
)
# Sentences joined without a space ("unaffected.Which"): text pasted or cut from a stem.
RUN_TOGETHER = re.compile(r"[a-z]{2}[.?!;:][A-Z]")


def validate_question_title(value: str) -> None:
    """Refuse a question title that does not name its question (the admin form and the loader).

    A title is what the bank list, the grading queue and the grading page show: a few words
    on the topic, not an instruction copied from the stem ("Select all that apply."), a word
    count ("(About 200-300 words.)") or sentences run together.
    """
    title = " ".join(value.split())
    words = re.findall(r"[^\W\d_]+", title)
    if BOILERPLATE_TITLE.match(title):
        raise ValidationError(
            f'"{title[:60]}" is boilerplate (an instruction or placeholder), not a title. '
            f"{TITLE_EXAMPLE}",
            code="boilerplate",
        )
    if RUN_TOGETHER.search(title):
        raise ValidationError(
            f"The title runs sentences together; write a short label instead. {TITLE_EXAMPLE}",
            code="run_together",
        )
    if len(words) < TITLE_MIN_WORDS:
        raise ValidationError(
            f"A title needs at least {TITLE_MIN_WORDS} words. {TITLE_EXAMPLE}", code="too_short"
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            f"Keep the title to {TITLE_MAX_LENGTH} characters or fewer: the stem asks the "
            "question, the title only names it.",
            code="too_long",
        )


def _has_text(html: str | None) -> bool:
    return bool(strip_tags(html or "").strip())


def validate_options(kind: str, rows: list[dict], fields: dict) -> None:
    """Raise ValidationError unless the option rows and the type's own fields (numeric answer,
    model answer, rubric points) make a well-formed question of `kind`."""
    correct = [r for r in rows if r.get("is_correct")]
    texts = [r.get("text", "").strip() for r in rows]
    if kind in CHOICE_TYPES:
        if len(rows) < 2:
            raise ValidationError("A choice question needs at least two options.")
        if any(not t for t in texts):
            raise ValidationError("Every option needs text.")
        if any(not (r.get("feedback") or "").strip() for r in rows):
            raise ValidationError("Every option needs feedback saying why it is right or wrong.")
        if kind == QuestionType.MULTIPLE_RESPONSE:
            if not correct:
                raise ValidationError("Mark at least one option correct.")
        elif len(correct) != 1:
            raise ValidationError("Mark exactly one option correct.")
        if kind == QuestionType.TRUE_FALSE and len(rows) != 2:
            raise ValidationError("A true/false question has exactly two options, True and False.")
    elif kind == QuestionType.ORDERING:
        if len(rows) < 2 or any(not t for t in texts):
            raise ValidationError(
                "An ordering question needs at least two items, in the correct order."
            )
    elif kind == QuestionType.MATCHING:
        prompts = [r for r in rows if (r.get("text") or "").strip()]
        if len(prompts) < 2:
            raise ValidationError(
                "A matching question needs at least two prompts, each with its match."
            )
        if any(not (r.get("match") or "").strip() for r in rows):
            raise ValidationError(
                "Every matching row needs a match (a row without a prompt is a distractor)."
            )
    elif kind == QuestionType.SHORT_ANSWER:
        if not rows or any(not t for t in texts):
            raise ValidationError("List at least one accepted answer.")
        if not _has_text(fields.get("model_answer")):
            raise ValidationError(
                {
                    "model_answer": "A short-answer question needs a model answer: trainees "
                    "see it after submitting, never the accepted answers."
                }
            )
    elif kind == QuestionType.NUMERIC:
        if fields.get("numeric_answer") is None:
            raise ValidationError({"numeric_answer": "A numeric question needs its answer."})
    elif kind == QuestionType.ESSAY:
        if rows:
            raise ValidationError(
                "An essay question has no options; use the model answer and rubric."
            )
        validate_rubric_points(fields.get("rubric_points"), fields.get("rubric_pass_points"))


def validate_rubric_points(total: Decimal | None, pass_points: Decimal | None) -> None:
    """An essay's rubric scale: a total above 0, and a pass mark (optional) within it."""
    if total is None or total <= 0:
        raise ValidationError(
            {
                "rubric_points": "An essay question needs the rubric's total points: the "
                "grader marks out of it."
            }
        )
    if pass_points is not None and not 0 < pass_points <= total:
        raise ValidationError(
            {"rubric_pass_points": f"The pass mark must be above 0 and at most {total}."}
        )


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
        features=RICH_TEXT_FEATURES,
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
        FieldRowPanel([FieldPanel("question_type"), FieldPanel("points")]),
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
        FieldPanel("key"),
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
    ]

    class Meta:
        ordering = ["category__name", "key"]
        permissions = [("grade_response", "Can grade essay answers")]

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
    feedback = models.CharField(
        max_length=1000, blank=True, help_text="Why this option is right or wrong."
    )
    match = models.CharField(
        max_length=500, blank=True, help_text="Matching only: the answer this prompt pairs with."
    )

    panels = [
        FieldRowPanel([FieldPanel("text"), FieldPanel("is_correct")]),
        FieldPanel("feedback"),
        FieldPanel("match"),
    ]

    def __str__(self) -> str:
        return self.text or self.match


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

    A QuizPage bound to a case discloses the stages one at a time (quizzes/services.py).
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


class QuizPageForm(WagtailAdminPageForm):
    """A case quiz asks fixed questions only, each at a stage the case has."""

    def clean(self):
        cleaned = super().clean()
        case = cleaned.get("case")
        fixed, draws = self.formsets.get("fixed_questions"), self.formsets.get("random_draws")
        if (
            not case
            or fixed is None
            or draws is None
            or not (fixed.is_valid() and draws.is_valid())
        ):
            return cleaned
        live_draws = [f for f in draws.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if live_draws:
            self.add_error(None, "A case quiz asks fixed questions only: remove the random draws.")
        stages = case.stages.count()
        for form in fixed.forms:
            data = form.cleaned_data
            if (
                data
                and not data.get("DELETE")
                and not (data.get("stage") and 1 <= data["stage"] <= stages)
            ):
                form.add_error(
                    "stage", f"Choose the stage (1 to {stages}) at which this question is asked."
                )
                self.add_error(None, "Every question of a case quiz needs its stage.")
        return cleaned


def _to_view(name: str):
    """A QuizPage route method that calls quizzes.views.<name>(request, quiz, ...)."""

    def route(self, request, *args, **kwargs):
        from quizzes import views

        return getattr(views, name)(request, self, *args, **kwargs)

    route.__name__ = f"{name}_route"
    return route


class QuizPage(RoutablePageMixin, Page):
    """A quiz at the end of a module: fixed questions and/or random draws, with its rules.

    Routes (quizzes/views.py): intro, start, attempt, save, confirm, submit, result.
    """

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    attempts_allowed = models.PositiveSmallIntegerField(default=3, help_text="0 means unlimited.")
    time_limit_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="0 means no time limit."
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_options = models.BooleanField(default=True)
    review_policy = models.CharField(
        max_length=20, choices=ReviewPolicy.choices, default=ReviewPolicy.ANSWERS
    )
    case = models.ForeignKey(
        ClinicalCase,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quizzes",
        help_text="Makes this a case quiz: the case's stages are disclosed one at a time.",
    )

    base_form_class = QuizPageForm

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("case"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("pass_mark"),
                        FieldPanel("attempts_allowed"),
                        FieldPanel("time_limit_minutes"),
                    ]
                ),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldPanel("review_policy"),
            ],
            heading="Rules",
        ),
        InlinePanel("fixed_questions", label="Question", heading="Fixed questions"),
        InlinePanel(
            "random_draws", label="Random draw", heading="Random questions from a category"
        ),
    ]

    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []
    template = "quizzes/quiz_page.html"

    class Meta:
        verbose_name = "quiz"

    @property
    def is_case_quiz(self) -> bool:
        return self.case_id is not None

    @cached_property
    def time_limit(self) -> timedelta | None:
        return timedelta(minutes=self.time_limit_minutes) if self.time_limit_minutes else None

    def serve(self, request, *args, **kwargs):
        # Signed-in users only; the intro and start check enrolment and module locks
        # (courses.access), and every attempt route checks the attempt is the user's own.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)

    def route(self, request, path_components):
        # An unpublished quiz takes no new attempts, but its learners' past results stay
        # readable at the same address: Wagtail would 404 every route of a page that is not live.
        if not self.live and path_components:
            try:
                match = self.resolve_subpage("/" + "/".join(path_components) + "/")
            except Http404:
                pass
            else:
                if match.url_name == "result":
                    request.routable_resolver_match = match
                    view, args, kwargs = match
                    return RouteResult(self, args=(view, args, kwargs))
        return super().route(request, path_components)

    def serve_preview(self, request, mode_name):
        from quizzes import views

        return views.intro(request, self)

    # Routes: each hands over to the view of the same name in quizzes/views.py.
    intro_route = path("", name="intro")(_to_view("intro"))
    start_route = path("start/", name="start")(_to_view("start"))
    attempt_route = path("attempt/<id:attempt_id>/", name="attempt")(_to_view("attempt_page"))
    save_route = path("attempt/<id:attempt_id>/save/", name="save")(_to_view("save"))
    advance_route = path("attempt/<id:attempt_id>/advance/", name="advance")(_to_view("advance"))
    confirm_route = path("attempt/<id:attempt_id>/confirm/", name="confirm")(_to_view("confirm"))
    submit_route = path("attempt/<id:attempt_id>/submit/", name="submit")(_to_view("submit"))
    result_route = path("attempt/<id:attempt_id>/result/", name="result")(_to_view("result"))


class QuizQuestion(Orderable):
    """A question always asked by a quiz (inline on QuizPage)."""

    page = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    stage = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Case quizzes: the stage (1 = first) at which the question is asked.",
    )

    panels = [FieldRowPanel([FieldPanel("question"), FieldPanel("stage")])]


class QuizRandomDraw(Orderable):
    """N questions drawn at random from a category for each attempt (inline on QuizPage)."""

    page = ParentalKey(QuizPage, on_delete=models.CASCADE, related_name="random_draws")
    category = models.ForeignKey(QuestionCategory, on_delete=models.PROTECT, related_name="+")
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    panels = [FieldRowPanel([FieldPanel("category"), FieldPanel("count")])]


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    AWAITING_GRADING = "awaiting_grading", "Submitted, awaiting grading"
    GRADED = "graded", "Graded"


class AttemptQuerySet(models.QuerySet):
    def for_user(self, user) -> AttemptQuerySet:
        return self.filter(user=user)

    def finished(self) -> AttemptQuerySet:
        return self.exclude(state=AttemptState.IN_PROGRESS)

    def open(self) -> AttemptQuerySet:
        return self.filter(state=AttemptState.IN_PROGRESS)

    def passed(self) -> AttemptQuerySet:
        return self.filter(state=AttemptState.GRADED, passed=True)


class Attempt(models.Model):
    """One learner's attempt at a quiz: its rules copied at start, its total once graded."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    quiz = models.ForeignKey(QuizPage, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(
        max_length=20, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS
    )
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # Copied from the quiz at start, so editing the quiz never changes this attempt.
    pass_mark = models.PositiveSmallIntegerField()
    review_policy = models.CharField(max_length=20, choices=ReviewPolicy.choices)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # Case quizzes: the stage disclosed so far (1 = first), and the case as it was at start.
    current_stage = models.PositiveSmallIntegerField(default=0)
    case_snapshot = models.JSONField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique_per_user_quiz"
            ),
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=Q(state="in_progress"),
                name="one_open_attempt_per_user_quiz",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "state"]), models.Index(fields=["user", "state"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.quiz} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.IN_PROGRESS

    @property
    def is_case(self) -> bool:
        return self.case_snapshot is not None

    @property
    def stage_count(self) -> int:
        return len(self.case_snapshot["stages"]) if self.case_snapshot else 0

    def time_left(self, now=None):
        if self.deadline is None:
            return None
        return max(self.deadline - (now or timezone.now()), timedelta(0))


class Response(models.Model):
    """One question in an attempt: the question as shown (snapshot), the answer and its grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    position = models.PositiveSmallIntegerField()
    stage = models.PositiveSmallIntegerField(
        default=0, help_text="Case quizzes: the stage it belongs to."
    )
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    question_snapshot = models.JSONField()
    display = models.JSONField(
        default=dict, help_text="What the trainee saw: option order and opaque ids."
    )
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2)
    fraction = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    needs_grading = models.BooleanField(default=False)
    grader_comment = models.TextField(blank=True)
    rubric_score = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Essay: the grader's mark on the rubric's scale; `score` is it at the question's weight.",
    )
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="response_position_unique")
        ]
        indexes = [
            models.Index(
                fields=["needs_grading"],
                condition=Q(needs_grading=True),
                name="response_needs_grading",
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt} Q{self.position}"

    @property
    def question_type(self) -> str:
        return self.question_snapshot["type"]

    @property
    def rubric_scale(self) -> RubricScale:
        """Essays: the scale a grader marks this answer on (quizzes.grading.rubric_scale)."""
        return rubric_scale(self.question_snapshot)

    @property
    def question_title(self) -> str:
        """The question's admin title as it is now; the snapshot's once the question is gone.

        Trainees never see titles, so an old attempt may show a title corrected since.
        """
        if self.question_id is not None:
            return self.question.title
        return self.question_snapshot["title"]
