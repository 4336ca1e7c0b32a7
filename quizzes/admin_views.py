"""Instructors' essay grading queue in the Wagtail admin (permission quizzes.grade_response)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView

from core.admin import AdminPage
from quizzes.actions import GradeEssayAction
from quizzes.answers import decimal_text
from quizzes.errors import QuizError
from quizzes.grading import RubricScale
from quizzes.models import AttemptState, Response

QUEUE_PAGE_SIZE = 25


def pending_essays():
    return (
        Response.objects.filter(needs_grading=True, attempt__state=AttemptState.AWAITING_GRADING)
        .select_related("attempt__user", "attempt__quiz", "question")
        .order_by("attempt__submitted_at", "position")
    )


class GradingQueueView(AdminPage, TemplateView):
    """Ungraded essay answers, oldest submission first; the grader's own are shown, not offered."""

    template_name = "quizzes/admin/grading_queue.html"
    page_title = "Essay grading"
    header_icon = "edit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(pending_essays(), QUEUE_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        for response in page:
            response.refusal = GradeEssayAction(response, user=self.request.user).refusal()
        context["responses"] = page
        return context


def points_text(points: Decimal) -> str:
    return f"{decimal_text(points)} point{'' if points == 1 else 's'}"


class GradeForm(forms.Form):
    """A mark on the essay's rubric scale, and a comment for the trainee."""

    mark = forms.DecimalField(min_value=Decimal(0), decimal_places=2, max_digits=7)
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=5000
    )

    def __init__(self, *args, scale: RubricScale, weight: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale
        field = self.fields["mark"]
        field.label = f"Mark (out of {points_text(scale.total)} on the rubric)"
        passing = (
            f"; {decimal_text(scale.pass_points)} or more passes the rubric"
            if scale.pass_points
            else ""
        )
        field.help_text = (
            f"From 0 to {decimal_text(scale.total)}{passing}. The mark counts for its share "
            f"of this question's {points_text(weight)} in the quiz."
        )
        field.widget.attrs.update({"max": decimal_text(scale.total), "min": "0", "step": "0.5"})

    def clean_mark(self):
        mark = self.cleaned_data["mark"]
        if mark > self.scale.total:
            raise forms.ValidationError(
                f"At most {points_text(self.scale.total)}: the rubric's total."
            )
        return mark


class GradeResponseView(AdminPage, FormView):
    """One essay answer beside the question, model answer and rubric; a score and a comment."""

    template_name = "quizzes/admin/grade_response.html"
    header_icon = "edit"
    form_class = GradeForm
    parent_label, parent_url_name = "Essay grading", "quizzes_grading:queue"

    def dispatch(self, request, *args, **kwargs):
        self.response_obj = get_object_or_404(
            Response.objects.select_related(
                "attempt__user", "attempt__quiz", "graded_by", "question"
            ),
            pk=kwargs["response_id"],
            question_snapshot__type="essay",
        )
        self.scale = self.response_obj.rubric_scale
        self.refusal = GradeEssayAction(self.response_obj, user=request.user).refusal()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.refusal:
            return self.render_to_response(self.get_context_data(), status=403)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.refusal:
            return self.render_to_response(self.get_context_data(), status=403)
        return super().post(request, *args, **kwargs)

    def get_page_title(self):
        return f"Grade: {self.response_obj.question_title}"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["scale"] = self.scale
        kwargs["weight"] = self.response_obj.max_score
        if self.response_obj.rubric_score is not None and not self.response_obj.needs_grading:
            kwargs["initial"] = {
                "mark": self.response_obj.rubric_score,
                "comment": self.response_obj.grader_comment,
            }
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["r"] = self.response_obj
        context["snapshot"] = self.response_obj.question_snapshot
        context["scale"] = self.scale
        context["refusal"] = self.refusal
        return context

    def form_valid(self, form):
        try:
            GradeEssayAction(
                self.response_obj,
                user=self.request.user,
                mark=form.cleaned_data["mark"],
                comment=form.cleaned_data["comment"],
            ).execute()
        except QuizError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        attempt = self.response_obj.attempt
        messages.success(
            self.request, f"Graded {attempt.user.display_name}'s answer to {attempt.quiz.title}."
        )
        following = GradeEssayAction.gradable(pending_essays(), self.request.user).first()
        if following:
            return redirect("quizzes_grading:grade", response_id=following.pk)
        return redirect("quizzes_grading:queue")
