"""Learning objectives: what a learner can do after a module (inline on ModulePage).

Questions name the objectives they assess (quizzes.Question.objectives), which is what the
blueprint report cross-tabulates. An objective keeps its row (and so its questions) while its
module's file or admin form changes its wording: the loader matches rows by `key`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel
from wagtail.models import Orderable

from core.curriculum import KEY_PATTERN


class LearningObjective(Orderable):
    """One objective of a module: a stable key (files and questions cite it) and its wording."""

    page = ParentalKey("courses.ModulePage", on_delete=models.CASCADE, related_name="objectives")
    key = models.SlugField(
        max_length=100,
        help_text="Stable identifier, unique in the course; questions name the objective by it.",
    )
    text = models.CharField(
        max_length=300,
        help_text='What the learner will be able to do, starting with a verb, e.g. "Recognise …".',
    )

    panels = [FieldPanel("key"), FieldPanel("text")]

    def __str__(self) -> str:
        return f"{self.key}: {self.text}"

    def clean(self) -> None:
        super().clean()
        if self.key and not KEY_PATTERN.match(self.key):
            raise ValidationError({"key": "Lowercase letters, digits and single hyphens only."})


class ModulePageForm(WagtailAdminPageForm):
    """Refuses two objectives with one key in a module (questions would not know which)."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("objectives")
        if formset is None or not formset.is_valid():
            return cleaned
        keys = [
            f.cleaned_data.get("key")
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        repeated = sorted({k for k in keys if k and keys.count(k) > 1})
        if repeated:
            self.add_error(None, f"Objective keys must differ: {', '.join(repeated)} is repeated.")
        return cleaned


def objectives_of(module_path: str) -> list[LearningObjective]:
    """The objectives of the module at this tree path, in order (one query), for the module
    page and its lessons (a lesson passes its parent's path, so no page is fetched)."""
    return list(
        LearningObjective.objects.filter(page__path=module_path).order_by("sort_order", "pk")
    )
