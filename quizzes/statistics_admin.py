"""Reports > Item statistics in the Wagtail admin, and its "send back to Clinical review" action.

Who may see it: holders of `quizzes.view_item_statistics` (instructors, clinical reviewers,
admins; granted in quizzes.apps). Sending a question back also needs the right to change
questions. The page is a GET form (quiz, first or all attempts, by stage for a case quiz), so a
filtered report is a link to share; `?export=csv` is the same figures as a spreadsheet-safe CSV.
The figures are computed by the task queue and stored (quizzes.statistics_store): a visit reads
them, or enqueues their computation and says so, showing the previous figures meanwhile; the CSV
is only of current figures. Queries are a fixed number whatever the number of attempts.
"""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.views import View
from django.views.generic import TemplateView

from core.admin import AdminPage
from core.exports import spreadsheet_safe
from quizzes import statistics_report as report
from quizzes.item_statistics import Statistics
from quizzes.item_statistics_data import statistics_for_quiz
from quizzes.models import Question, QuizPage
from quizzes.review_requests import ReviewUnavailable, in_review_ids, send_to_review
from quizzes.statistics_store import stored_statistics

STATISTICS_PERMISSION = "quizzes.view_item_statistics"
SEND_TO_REVIEW_PERMISSION = "quizzes.change_question"
ATTEMPTS = [("first", "First attempt of each learner"), ("all", "All attempts")]


def can_send_to_review(user) -> bool:
    """Who may send a question back from the report: report readers who may change questions."""
    return user.has_perm(STATISTICS_PERMISSION) and user.has_perm(SEND_TO_REVIEW_PERMISSION)


class StatisticsFilterForm(forms.Form):
    """Which statistics: a quiz, first or all attempts, per question or per case stage."""

    quiz = forms.TypedChoiceField(label="Quiz", coerce=int, empty_value=None)
    attempts = forms.ChoiceField(
        label="Attempts", choices=ATTEMPTS, initial="first", required=False
    )
    by_stage = forms.BooleanField(
        label="By stage (case quizzes: one item per stage)", required=False
    )

    def __init__(self, *args: Any, quizzes: list[QuizPage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quizzes = {q.pk: q for q in quizzes}
        self.fields["quiz"].widget.attrs["style"] = "max-width: 100%"  # long titles on a phone
        self.fields["quiz"].choices = [  # type: ignore[attr-defined]  # a TypedChoiceField("", "Choose a quiz…")] + [
            (q.pk, f"{q.title} (case)" if q.is_case_quiz else q.title) for q in quizzes
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        quiz = self.quizzes.get(cleaned.get("quiz") or 0)
        if quiz is not None and cleaned.get("by_stage") and not quiz.is_case_quiz:
            self.add_error("by_stage", f"“{quiz.title}” is not a case quiz: it has no stages.")
        cleaned["quiz_page"] = quiz
        return cleaned


def report_url(quiz_id: int, attempts: str = "first", by_stage: bool = False, **extra: str) -> str:
    params = {"quiz": quiz_id, "attempts": attempts, **extra}
    if by_stage:
        params["by_stage"] = "on"
    return f"{reverse('quizzes_statistics:report')}?{urlencode(params)}"


def _rows(statistics: Statistics) -> list[report.Row]:
    """The rows, tied to bank questions, and which of those are in review (two queries)."""
    keys = [str(q.key) for q in statistics.questions]
    ids = dict(Question.objects.filter(key__in=keys).values_list("key", "pk"))
    return report.rows_of(statistics, ids, in_review_ids(ids.values()))


class ItemStatisticsView(AdminPage, TemplateView):
    """One quiz's item statistics: quiz figures, the chart, the sortable table, the CSV."""

    template_name = "quizzes/admin/item_statistics.html"
    page_title = "Item statistics"
    header_icon = "table"

    @cached_property
    def form(self) -> StatisticsFilterForm:
        quizzes = list(
            QuizPage.objects.order_by("path").only(
                "id", "title", "case_id", "path", "depth", "url_path"
            )
        )
        data = self.request.GET if "quiz" in self.request.GET else None
        return StatisticsFilterForm(data, quizzes=quizzes, initial={"attempts": "first"})

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = self.get_context_data(**kwargs)
        fresh = context.get("rows") is not None and not context.get("pending")
        if request.GET.get("export") == "csv" and fresh:
            return self.csv(context["quiz"], context["rows"])
        return self.render_to_response(context)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = self.form
        context.update(form=form, rows=None, can_send=can_send_to_review(self.request.user))
        if not form.is_bound or not form.is_valid() or form.cleaned_data["quiz_page"] is None:
            return context
        quiz = form.cleaned_data["quiz_page"]
        all_attempts = form.cleaned_data["attempts"] == "all"
        by_stage = form.cleaned_data["by_stage"]
        attempts = "all" if all_attempts else "first"
        stored = stored_statistics(quiz, attempts, by_stage)
        context.update(
            quiz=quiz,
            pending=stored.pending,
            computed_at=stored.computed_at,
            refresh_url=self.request.get_full_path(),
        )
        statistics = stored.statistics
        if statistics is None:
            return context
        key, descending = report.parse_ordering(self.request.GET.get("ordering"))
        rows = _rows(statistics)
        ordering = f"{'-' if descending else ''}{key}"
        context.update(
            statistics=statistics,
            figures=_quiz_figures(statistics),
            rows=report.sorted_rows(rows, key, descending),
            chart=report.chart(rows),
            headers=[
                (h, report_url(quiz.pk, attempts, by_stage, ordering=h.ordering))
                for h in report.headers(key, descending)
            ],
            csv_url=report_url(quiz.pk, attempts, by_stage, ordering=ordering, export="csv"),
            by_stage=by_stage,
            attempts=attempts,
        )
        return context

    def csv(self, quiz: QuizPage, rows: list[report.Row]) -> HttpResponse:
        """The rows as they are sorted on the page; every text cell spreadsheet-safe."""
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.DictWriter(response, fieldnames=report.CSV_COLUMNS)
        writer.writeheader()
        for row in (report.csv_row(r) for r in rows):
            writer.writerow(
                {k: spreadsheet_safe(v) if isinstance(v, str) else v for k, v in row.items()}
            )
        name = f"item-statistics-{slugify(quiz.title)[:50]}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _quiz_figures(statistics: Statistics) -> list[tuple[str, str]]:
    """The quiz-level figures as Moodle's report shows them (mean, median, sd in % of max)."""
    quiz = statistics.quiz

    def number(value: float | None, suffix: str = "", places: int = 2) -> str:
        return "—" if value is None else f"{value:.{places}f}{suffix}"

    return [
        ("Attempts", str(quiz.attempts)),
        ("Mean", number(quiz.percent(quiz.mean), "%")),
        ("Median", number(quiz.percent(quiz.median), "%")),
        ("Standard deviation", number(quiz.percent(quiz.standarddeviation), "%")),
        ("Skewness", number(quiz.skewness, places=4)),
        ("Kurtosis", number(quiz.kurtosis, places=4)),
        ("Coefficient of internal consistency (Cronbach's alpha)", number(quiz.cic, "%")),
        ("Error ratio", number(quiz.errorratio, "%")),
        ("Standard error", number(quiz.percent(quiz.standarderror), "%")),
    ]


class SendToReviewForm(forms.Form):
    question = forms.IntegerField(min_value=1)
    quiz = forms.IntegerField(min_value=1)
    attempts = forms.ChoiceField(choices=ATTEMPTS, required=False)


class SendToReviewView(View):
    """POST: send one flagged question back to Clinical review, then back to the report."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SendToReviewForm(request.POST)
        back = reverse("quizzes_statistics:report")
        if not form.is_valid():
            messages.error(request, "That request named no question and quiz to review.")
            return HttpResponseRedirect(back)
        quiz = QuizPage.objects.filter(pk=form.cleaned_data["quiz"]).first()
        question = Question.objects.filter(pk=form.cleaned_data["question"]).first()
        if quiz is None or question is None:
            messages.error(request, "That question or quiz no longer exists.")
            return HttpResponseRedirect(back)
        attempts = form.cleaned_data["attempts"] or "first"
        back = report_url(quiz.pk, attempts)
        if not can_send_to_review(request.user):
            messages.error(request, "You may read this report but not send questions to review.")
            return HttpResponseRedirect(back)
        statistics = statistics_for_quiz(quiz, all_attempts=attempts == "all")
        stats = next((q for q in statistics.questions if str(q.key) == question.key), None)
        if stats is None or not stats.flags:
            messages.error(request, f"“{question.title}” is not flagged in this quiz's figures.")
            return HttpResponseRedirect(back)
        try:
            outcome = send_to_review(question, request.user, list(stats.flags), quiz.title)
        except ReviewUnavailable as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(back)
        (messages.success if outcome.started else messages.info)(request, outcome.message)
        return HttpResponseRedirect(back)
