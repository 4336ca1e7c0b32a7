"""The quiz page under a module: its rules, fixed questions, random draws and routes."""

from __future__ import annotations

from types import ModuleType

from django.contrib.auth.views import redirect_to_login
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.url_routing import RouteResult

from core.blocks import RICH_TEXT_FEATURES
from core.view_restrictions import KnownRestrictionsMixin
from quizzes.models.bank import Question, QuestionCategory
from quizzes.models.cases import ClinicalCase
from quizzes.models.choices import ReviewPolicy


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


def _views() -> ModuleType:
    """quizzes.views, imported when a route is served: the views import these models."""
    from quizzes import views

    return views


class QuizPage(KnownRestrictionsMixin, RoutablePageMixin, Page):
    """A quiz at the end of a module: fixed questions and/or random draws, with its rules.

    Routes, each a method handing over to its view in quizzes/views.py: intro, start, attempt,
    save, advance, confirm, submit, result. Previews: the intro, a sample attempt and a sample
    result, built without writing anything (quizzes.preview).
    """

    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        default=70, validators=[MaxValueValidator(100)], help_text="Percent needed to pass."
    )
    attempts_allowed = models.PositiveSmallIntegerField(default=3, help_text="0 means unlimited.")
    time_limit_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="0 means no time limit."
    )
    closes_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name="close date",
        help_text=(
            "Optional. No attempt starts after it, and an open attempt ends at it at the latest. "
            "Accommodations may give a learner a later one."
        ),
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
                FieldPanel("closes_at"),
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

    def asks_critical_questions(self) -> bool:
        """Whether an attempt may be asked a critical question (fixed, or drawn); one query.

        The intro states the critical rule when it applies, without saying which questions.
        """
        return (
            Question.objects.filter(live=True, critical=True)
            .filter(asked_by(QuizPage.objects.filter(pk=self.pk)))
            .exists()
        )

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

    # Preview ---------------------------------------------------------------------------

    preview_modes = [
        ("", "Intro"),
        ("attempt", "An attempt, as a trainee sees it"),
        ("result", "A result"),
    ]

    def serve_preview(self, request: HttpRequest, mode_name: str) -> HttpResponse:
        """The intro, or a sample attempt or result built in memory (no Attempt is written)."""
        from quizzes import preview

        return preview.serve_preview(request, self, mode_name)

    # Routes ----------------------------------------------------------------------------

    @path("", name="intro")
    def intro_route(self, request: HttpRequest) -> HttpResponse:
        """The quiz's intro: rules, past attempts, and the button that starts one."""
        return _views().intro(request, self)

    @path("start/", name="start")
    def start_route(self, request: HttpRequest) -> HttpResponse:
        """POST: start (or resume) the learner's attempt."""
        return _views().start(request, self)

    @path("attempt/<id:attempt_id>/", name="attempt")
    def attempt_route(self, request: HttpRequest, attempt_id: int) -> HttpResponse:
        """The learner's open attempt, its questions to answer."""
        return _views().attempt_page(request, self, attempt_id)

    @path("attempt/<id:attempt_id>/save/", name="save")
    def save_route(self, request: HttpRequest, attempt_id: int) -> HttpResponse:
        """POST: save answers (the form, or the page's autosave as JSON)."""
        return _views().save(request, self, attempt_id)

    @path("attempt/<id:attempt_id>/advance/", name="advance")
    def advance_route(self, request: HttpRequest, attempt_id: int) -> HttpResponse:
        """POST: commit a case stage and disclose the next."""
        return _views().advance(request, self, attempt_id)

    @path("attempt/<id:attempt_id>/confirm/", name="confirm")
    def confirm_route(self, request: HttpRequest, attempt_id: int) -> HttpResponse:
        """What is answered and what is not, before submitting."""
        return _views().confirm(request, self, attempt_id)

    @path("attempt/<id:attempt_id>/submit/", name="submit")
    def submit_route(self, request: HttpRequest, attempt_id: int) -> HttpResponse:
        """POST: submit the attempt."""
        return _views().submit(request, self, attempt_id)

    @path("attempt/<id:attempt_id>/result/", name="result")
    def result_route(self, request: HttpRequest, attempt_id: int) -> HttpResponse:
        """A finished attempt's result (served even once the quiz is unpublished)."""
        return _views().result(request, self, attempt_id)


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


def asked_by(quizzes: models.QuerySet[QuizPage]) -> models.Q:
    """A filter on Question: what `quizzes` may ask, their fixed questions and the live
    questions of the categories they draw from (subqueries: no query of its own)."""
    fixed = QuizQuestion.objects.filter(page__in=quizzes.values("pk")).values("question_id")
    drawn = QuizRandomDraw.objects.filter(page__in=quizzes.values("pk")).values("category_id")
    return models.Q(pk__in=fixed) | models.Q(category_id__in=drawn, live=True)
