"""Dashboard panel telling graders how many essays wait."""

from django.urls import reverse
from django.utils.html import format_html
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
