"""Instructors' essay grading queue in the Wagtail admin (permission quizzes.grade_response)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView

from core.admin import AdminPage
from quizzes import services
from quizzes.answers import decimal_text
from quizzes.models import AttemptState, Response

QUEUE_PAGE_SIZE = 25


def pending_essays():
    return (
        Response.objects.filter(needs_grading=True, attempt__state=AttemptState.AWAITING_GRADING)
        .select_related("attempt__user", "attempt__quiz")
        .order_by("attempt__submitted_at", "position")
    )


class GradingQueueView(AdminPage, TemplateView):
    """Ungraded essay answers, oldest submission first."""

    template_name = "quizzes/admin/grading_queue.html"
    page_title = "Essay grading"
    header_icon = "edit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(pending_essays(), QUEUE_PAGE_SIZE)
        context["responses"] = paginator.get_page(self.request.GET.get("p"))
        return context


class GradeForm(forms.Form):
    score = forms.DecimalField(min_value=Decimal(0), decimal_places=2, max_digits=6)
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000
    )

    def __init__(self, *args, max_score: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_score = max_score
        self.fields["score"].help_text = f"Between 0 and {decimal_text(max_score)} points."
        self.fields["score"].widget.attrs.update(
            {"max": str(max_score), "min": "0", "step": "0.25"}
        )

    def clean_score(self):
        score = self.cleaned_data["score"]
        if score > self.max_score:
            raise forms.ValidationError(f"At most {decimal_text(self.max_score)} points.")
        return score


class GradeResponseView(AdminPage, FormView):
    """One essay answer beside the question, model answer and rubric; a score and a comment."""

    template_name = "quizzes/admin/grade_response.html"
    header_icon = "edit"
    form_class = GradeForm
    parent_label, parent_url_name = "Essay grading", "quizzes_grading:queue"

    def dispatch(self, request, *args, **kwargs):
        self.response_obj = get_object_or_404(
            Response.objects.select_related("attempt__user", "attempt__quiz", "graded_by"),
            pk=kwargs["response_id"],
            question_snapshot__type="essay",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return f"Grade: {self.response_obj.question_snapshot['title']}"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["max_score"] = self.response_obj.max_score
        if self.response_obj.score is not None and not self.response_obj.needs_grading:
            kwargs["initial"] = {
                "score": self.response_obj.score,
                "comment": self.response_obj.grader_comment,
            }
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["r"] = self.response_obj
        context["snapshot"] = self.response_obj.question_snapshot
        return context

    def form_valid(self, form):
        try:
            services.grade_essay(
                self.response_obj.pk,
                self.request.user,
                form.cleaned_data["score"],
                form.cleaned_data["comment"],
            )
        except services.QuizError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        attempt = self.response_obj.attempt
        messages.success(
            self.request, f"Graded {attempt.user.display_name}'s answer to {attempt.quiz.title}."
        )
        following = pending_essays().first()
        if following:
            return redirect("quizzes_grading:grade", response_id=following.pk)
        return redirect("quizzes_grading:queue")
