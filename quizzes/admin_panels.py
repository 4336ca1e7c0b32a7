"""Admin panels: the dashboard's essay-grading summary; the question editor's item-writing checks."""

from django.urls import reverse
from django.utils.html import format_html
from wagtail.admin.panels import Panel
from wagtail.admin.ui.components import Component


class GradingSummaryPanel(Component):
    name = "essay_grading"
    order = 90

    def __init__(self, waiting: int):
        self.waiting = waiting

    def render_html(self, parent_context=None):
        if not self.waiting:
            return ""
        return format_html(
            '<section class="panel summary nice-padding"><h2>Essay grading</h2><p>{} essay answer{} waiting. <a href="{}">Open the grading queue</a>.</p></section>',
            self.waiting,
            "" if self.waiting == 1 else "s",
            reverse("quizzes_grading:queue"),
        )


class ItemWritingPanel(Panel):
    """Read-only "Item-writing checks" in the question editor: the findings of
    quizzes.item_writing for the question as saved. Never blocks saving; a bound (just posted)
    form shows a note instead, since the findings describe the saved question."""

    def __init__(self, heading: str = "Item-writing checks", **kwargs):
        super().__init__(heading=heading, **kwargs)

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        del kwargs["help_text"]
        return kwargs

    @property
    def clean_name(self):
        return super().clean_name or "item_writing"

    class BoundPanel(Panel.BoundPanel):
        template_name = "quizzes/admin/includes/item_writing_panel.html"

        def get_context_data(self, parent_context=None):
            from quizzes.item_writing import CODES, check_question

            context = super().get_context_data(parent_context)
            saved = self.instance is not None and self.instance.pk is not None
            unsaved_edits = self.form is not None and self.form.is_bound
            context["saved"] = saved and not unsaved_edits
            context["findings"] = (
                [(f.code, CODES[f.code], f.message) for f in check_question(self.instance)]
                if context["saved"]
                else []
            )
            return context
