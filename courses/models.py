"""Course content pages (CourseIndexPage > CoursePage > ModulePage > LessonPage) and competencies.

Pages are edited in the Wagtail admin and go live through the "Clinical review" workflow
(core.roles). Competency is a snippet registered in courses/wagtail_hooks.py.
"""

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, RevisionMixin
from wagtail.search import index

from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES, ContentStreamBlock
from courses.navigation import course_trail


class CompetencyDomain(models.TextChoices):
    KNOWLEDGE = "knowledge", "Knowledge"
    SKILL = "skill", "Skill"
    SAFETY = "safety", "Safety"


class Competency(RevisionMixin, index.Indexed, models.Model):
    """Something a practitioner must know or be able to do; tagged on modules, lessons, questions."""

    code = models.CharField(
        max_length=30, unique=True, help_text="Short stable code, e.g. HFS-SAFE1."
    )
    title = models.CharField(max_length=200)
    domain = models.CharField(max_length=20, choices=CompetencyDomain.choices)
    description = models.TextField(blank=True)

    panels = [
        FieldPanel("code"),
        FieldPanel("title"),
        FieldPanel("domain"),
        FieldPanel("description"),
    ]
    search_fields = [
        index.SearchField("code"),
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("domain"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class LoginRequiredPageMixin:
    """Pages whose content is for signed-in learners: anonymous visitors go to sign in and back."""

    def serve(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)


def child_path_parent(path: str) -> str:
    """The materialised path of a page's parent (treebeard: four characters per level)."""
    return path[: -Page.steplen]


class CourseIndexPage(Page):
    """The catalogue of courses at /courses/ (one per site)."""

    intro = RichTextField(blank=True, features=INLINE_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    parent_page_types = ["core.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.objects.child_of(self).live().public().order_by("path")
        return context


class CoursePage(Page):
    """A course: an overview open to everyone, made of ordered modules."""

    summary = models.CharField(max_length=400, help_text="One or two sentences for listings.")
    audience = models.CharField(
        max_length=300,
        blank=True,
        help_text="Who the course is for, e.g. 'licensed acupuncturists'.",
    )
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("audience"),
        FieldPanel("intro"),
        FieldPanel("image"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("intro")]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    def modules(self):
        """Live modules in order."""
        return ModulePage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        modules = list(self.modules())
        lessons_by_module: dict[str, list[LessonPage]] = {m.path: [] for m in modules}
        for lesson in (
            LessonPage.objects.descendant_of(self)
            .live()
            .order_by("path")
            .only("id", "path", "title", "url_path", "estimated_minutes", "depth")
        ):
            lessons_by_module.setdefault(child_path_parent(lesson.path), []).append(lesson)
        for number, module in enumerate(modules, start=1):
            module.number = number
            module.lesson_list = lessons_by_module.get(module.path, [])
            module.total_minutes = sum(lesson.estimated_minutes for lesson in module.lesson_list)
        context["modules"] = modules
        context["lesson_count"] = sum(len(m.lesson_list) for m in modules)
        context["total_minutes"] = sum(m.total_minutes for m in modules)
        return context


class ModulePage(Page):
    """A module of a course: an overview open to everyone and its ordered lessons."""

    summary = models.CharField(max_length=400)
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    requires_previous = models.BooleanField(
        default=False,
        help_text="Learners must complete the previous module before starting this one.",
    )
    competencies = ParentalManyToManyField(Competency, blank=True, related_name="modules")

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("intro"),
        FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
        FieldPanel("requires_previous"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]

    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage", "quizzes.QuizPage"]

    def lessons(self):
        """Live lessons in order."""
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lessons = list(
            self.lessons().only(
                "id", "path", "title", "url_path", "summary", "estimated_minutes", "depth"
            )
        )
        siblings = list(
            ModulePage.objects.sibling_of(self).live().order_by("path").only("id", "path")
        )
        context["module_number"] = next(
            (i for i, m in enumerate(siblings, 1) if m.pk == self.pk), 1
        )
        context["lessons"] = lessons
        context["total_minutes"] = sum(lesson.estimated_minutes for lesson in lessons)
        context["competency_list"] = list(self.competencies.all())
        context["course"] = self.get_parent()
        return context


class LessonPage(LoginRequiredPageMixin, Page):
    """A lesson: a StreamField body, estimated minutes, competencies and the Sources it cites."""

    summary = models.CharField(
        max_length=400, help_text="One or two sentences for listings and search."
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    body = StreamField(ContentStreamBlock())
    competencies = ParentalManyToManyField(Competency, related_name="lessons")

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("estimated_minutes"),
        FieldPanel("body"),
        FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(
            [InlinePanel("citations", min_num=1, label="Source")],
            heading="Sources cited (at least one)",
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
    ]

    parent_page_types = ["courses.ModulePage"]
    subpage_types: list[str] = []

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        trail = course_trail(self)
        siblings = list(
            LessonPage.objects.sibling_of(self)
            .live()
            .order_by("path")
            .only("id", "path", "title", "url_path", "depth")
        )
        index_in_module = next((i for i, s in enumerate(siblings) if s.pk == self.pk), 0)
        context.update(
            {
                **trail,
                "siblings": siblings,
                "lesson_number": index_in_module + 1,
                "previous_lesson": siblings[index_in_module - 1] if index_in_module > 0 else None,
                "next_lesson": siblings[index_in_module + 1]
                if index_in_module + 1 < len(siblings)
                else None,
                "citation_list": list(self.citations.select_related("source")),
                "competency_list": list(self.competencies.all()),
            }
        )
        return context


class LessonCitation(Orderable):
    """A Source a lesson relies on, with the passage it uses (inline on LessonPage)."""

    page = ParentalKey(LessonPage, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(
        "core.Source", on_delete=models.PROTECT, related_name="lesson_citations"
    )
    passage = models.CharField(
        max_length=300, help_text="Which passage, e.g. 'case report, treatment paragraph'."
    )

    panels = [FieldPanel("source"), FieldPanel("passage")]

    def __str__(self) -> str:
        return f"{self.source} — {self.passage}"
