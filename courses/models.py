"""Course content pages (CourseIndexPage > CoursePage > ModulePage > LessonPage) and competencies.

Pages are edited in the Wagtail admin and go live through the "Clinical review" workflow
(core.roles). Competency is a snippet registered in courses/wagtail_hooks.py.
"""

from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, RevisionMixin
from wagtail.search import index

from core.blocks import INLINE_FEATURES, RICH_TEXT_FEATURES, ContentStreamBlock
from core.view_restrictions import KnownRestrictionsMixin
from courses.navigation import course_trail
from courses.objectives import LearningObjective as LearningObjective
from courses.objectives import ModulePageForm, objectives_of
from courses.structure_cache import shared_content


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
        index.AutocompleteField("code"),
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("domain"),
    ]

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


if TYPE_CHECKING:
    _ServedPage: TypeAlias = Page  # the mixin is only ever mixed into pages, whose serve() it wraps
else:
    _ServedPage = object


class LearnerPageMixin(_ServedPage):
    """Pages for enrolled learners (lessons, quizzes): see courses.access.learner_gate."""

    def serve(self, request, *args, **kwargs):
        from courses.access import learner_gate

        return learner_gate(request, self) or super().serve(request, *args, **kwargs)


class CurriculumKeyedPage(KnownRestrictionsMixin, Page):
    """A page loaded from a curriculum file, known to the loader by the file's stable `key`.

    The key is the page's identity across file renames and moves; pages made in the admin have
    none. Uniqueness is per course (a tree cannot express that as a database constraint): the
    loader refuses duplicate keys, and a copied page does not inherit its original's key.
    """

    key = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_index=True,
        editable=False,
        help_text="Stable identifier from the curriculum files (empty for pages made here).",
    )

    exclude_fields_in_copy = ["key"]

    class Meta:
        abstract = True

    def with_content_json(self, content):
        # Restoring an old revision must not change which file the page belongs to.
        page = super().with_content_json(content)
        page.key = self.key
        return page


def child_path_parent(path: str) -> str:
    """The materialised path of a page's parent (treebeard: four characters per level)."""
    return path[: -Page.steplen]


class CourseIndexPage(KnownRestrictionsMixin, Page):
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


class CoursePage(CurriculumKeyedPage):
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
    material_change = models.BooleanField(
        "material change",
        default=False,
        help_text=(
            "Tick when publishing a change that certificate holders must learn: publishing opens "
            "recertification at once for everyone certified in a programme requiring this course. "
            "Untick it for later edits."
        ),
    )
    material_change_note = models.CharField(
        max_length=300,
        blank=True,
        help_text="What changed, told to the holders asked to recertify.",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("audience"),
        FieldPanel("intro"),
        FieldPanel("image"),
    ]
    settings_panels = [
        *Page.settings_panels,
        MultiFieldPanel(
            [FieldPanel("material_change"), FieldPanel("material_change_note")],
            heading="Recertification",
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("intro")]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]

    def get_context(self, request, *args, **kwargs):
        from courses.progress import course_progress

        context = super().get_context(request, *args, **kwargs)
        progress = course_progress(request.user, self)
        context["progress"] = progress
        context["lesson_count"] = sum(
            1 for m in progress.modules for step in m.steps if step.kind == "lesson"
        )
        context["quiz_count"] = sum(
            1 for m in progress.modules for step in m.steps if step.kind == "quiz"
        )
        context["total_minutes"] = sum(
            step.minutes or 0 for m in progress.modules for step in m.steps
        )
        context.update(shared_content(request))
        return context


class ModulePage(CurriculumKeyedPage):
    """A module of a course: an overview open to everyone and its ordered lessons."""

    summary = models.CharField(max_length=400)
    intro = RichTextField(features=RICH_TEXT_FEATURES, blank=True)
    requires_previous = models.BooleanField(
        default=False,
        help_text="Learners must complete the previous module before starting this one.",
    )
    competencies = ParentalManyToManyField(Competency, blank=True, related_name="modules")
    cpd_hours = models.DecimalField(
        "CPD hours",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25"))],
        help_text=(
            "Continuing professional development hours a learner earns by completing this "
            "module. Empty: its lessons' estimated minutes, in hours."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("intro"),
        FieldPanel("competencies", widget=forms.CheckboxSelectMultiple),
        FieldPanel("requires_previous"),
        FieldPanel("cpd_hours"),
        InlinePanel("objectives", label="Learning objective", heading="Learning objectives"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    base_form_class = ModulePageForm

    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage", "quizzes.QuizPage"]

    def get_context(self, request, *args, **kwargs):
        from courses.access import progress_on_request

        context = super().get_context(request, *args, **kwargs)
        progress = progress_on_request(request, self)
        module = progress.module_for(self) if progress else None
        context.update(
            {
                "progress": progress,
                "module_progress": module,
                "module_number": module.number if module else 1,
                "total_minutes": sum(step.minutes or 0 for step in module.steps) if module else 0,
                **shared_content(
                    request,
                    competency_list=lambda: list(self.competencies.all()),
                    objective_list=lambda: objectives_of(self.path),
                ),
                "course": progress.course if progress else self.get_parent(),
            }
        )
        return context


class LessonPage(LearnerPageMixin, CurriculumKeyedPage):
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
        from courses.access import progress_on_request

        context = super().get_context(request, *args, **kwargs)
        progress = progress_on_request(request, self)
        module = progress.module_for(self) if progress else None
        steps = module.steps if module else []
        here = next((i for i, step in enumerate(steps) if step.page_id == self.pk), 0)
        lessons = [step for step in steps if step.kind == "lesson"]
        context.update(
            {
                **course_trail(self),
                "progress": progress,
                "module_progress": module,
                "steps": steps,
                "step": steps[here] if steps else None,
                "lesson_number": next(
                    (n for n, step in enumerate(lessons, 1) if step.page_id == self.pk), 1
                ),
                "lesson_total": len(lessons),
                "previous_step": steps[here - 1] if here > 0 else None,
                "next_step": steps[here + 1] if here + 1 < len(steps) else None,
                **shared_content(
                    request,
                    citation_list=lambda: list(self.citations.select_related("source")),
                    competency_list=lambda: list(self.competencies.all()),
                    objective_list=lambda: objectives_of(child_path_parent(self.path)),
                ),
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


# Learner data ---------------------------------------------------------------------------------
# Kept apart from the content pages above: per user, high volume, and it must survive content
# edits (a moved or renamed page keeps its records; progress counts only live pages).


class EnrollmentSource(models.TextChoices):
    SELF = "self", "Enrolled themselves"
    CLINIC = "clinic", "Assigned by their clinic"
    STAFF = "staff", "Enrolled by staff"


class EnrollmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(completed_at__isnull=True)

    def completed(self):
        return self.filter(completed_at__isnull=False)


class Enrollment(models.Model):
    """A learner enrolled in a course; completed_at is set the first time every module is done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(CoursePage, on_delete=models.PROTECT, related_name="enrollments")
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(
        max_length=10, choices=EnrollmentSource.choices, default=EnrollmentSource.SELF
    )

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="enrollment_unique_per_user_course"
            )
        ]
        ordering = ["-last_activity_at"]
        permissions = [("view_progress_report", "Can see learners' progress reports")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class LessonCompletion(models.Model):
    """A learner marked a lesson complete (once; repeating it changes nothing)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions"
    )
    # PROTECT: deleting content never takes learner records with it (courses.learner_records).
    lesson = models.ForeignKey(LessonPage, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_completion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} completed {self.lesson_id}"


class ModuleCompletion(models.Model):
    """The first time a learner had every live lesson of a module done and its quizzes passed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_completions"
    )
    module = models.ForeignKey(ModulePage, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="module_completion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} completed module {self.module_id}"
