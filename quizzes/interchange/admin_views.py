"""Question bank > Import and Export in the Wagtail admin.

Import: upload (file, format, root category, Source) -> preview (a dry run: every question
with its type, category and whether it is new or an update, every skipped one with its
reason, the notes; nothing written) -> confirm (imports and shows the summary). The file waits
between the two in storage (quizzes.interchange.uploads). Export: a category and a format, and
the file downloads. Who may do either is quizzes.interchange.access.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.urls import reverse
from django.views.generic import FormView
from wagtail.admin.menu import MenuItem

from core.admin import AdminPage
from core.models import Source
from quizzes.interchange import detect, files
from quizzes.interchange.access import may_export_questions, may_import_questions
from quizzes.interchange.drafts import NoReviewWorkflow
from quizzes.interchange.exporting import UnknownCategory, export_file
from quizzes.interchange.importing import ImportSummary
from quizzes.interchange.records import InterchangeError
from quizzes.interchange.uploads import (
    ImportQuestionsAction,
    UploadRefused,
    discard,
    held_upload,
    hold,
)
from quizzes.models import Question, QuestionCategory

REFUSED = (InterchangeError, NoReviewWorkflow, UploadRefused)
FORMAT_CHOICES = [("", "Recognise it from the content"), *files.FORMATS.items()]


class AccessMenuItem(MenuItem):
    """A Question bank menu item shown to whoever `may` allows."""

    def __init__(self, *args: Any, may: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.may = may

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(self.may(request.user))


class ImportForm(forms.Form):
    """The file and where its questions go."""

    file = forms.FileField(
        label="Question file",
        help_text="GIFT (text) or Moodle XML, as Moodle exports them.",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, label="Format")
    category = forms.CharField(
        max_length=150,
        label="Category",
        help_text=(
            "The file's categories go under this one. Importing into the same category again "
            "updates the questions imported before."
        ),
    )
    source = forms.ModelChoiceField(
        queryset=Source.objects.order_by("title"),
        label="Source",
        help_text="Every imported question cites it; reviewers can change it per question.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = detect.max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1048576:.1f} MB; files up to "
                f"{limit / 1048576:.1f} MB can be imported."
            )
        return upload

    def clean_category(self) -> str:
        name = " ".join(self.cleaned_data["category"].split())
        if not name:
            raise forms.ValidationError("Name the category the questions go under.")
        return name


class QuestionImportView(AdminPage, FormView):
    """Upload and preview (GET, POST), or confirm (POST with `confirm`)."""

    template_name = "quizzes/admin/question_import.html"
    form_class = ImportForm
    page_title = "Import questions"
    header_icon = "upload"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_import_questions(request.user):
            raise PermissionDenied("You may not import questions.")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "confirm" in request.POST:
            return self.confirm(request.POST.get("confirm", ""))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: ImportForm) -> HttpResponse:
        upload = form.cleaned_data["file"]
        held = hold(
            upload.read(),
            user=self.request.user,
            fmt=form.cleaned_data["format"] or None,
            category=form.cleaned_data["category"],
            source=form.cleaned_data["source"],
            file_name=upload.name or "upload",
        )
        try:
            summary = ImportQuestionsAction(held, self.request.user).preview()
        except REFUSED as exc:
            discard(held)
            form.add_error("file", f"Nothing was imported: {exc}")
            return self.form_invalid(form)
        return self.render_to_response(
            self.get_context_data(
                form=form, summary=summary, token=held.token(), held=held, stage="preview"
            )
        )

    def confirm(self, token: str) -> HttpResponse:
        try:
            held = held_upload(token, self.request.user)
            summary = ImportQuestionsAction(held, self.request.user).execute()
        except REFUSED as exc:
            return self.render_to_response(
                self.get_context_data(form=self.get_form_class()(), refusal=str(exc)), status=400
            )
        return self.render_to_response(
            self.get_context_data(summary=summary, held=held, stage="done", **_links(summary))
        )


def _links(summary: ImportSummary) -> dict[str, Any]:
    """Each imported question's preview: its imported revision with answers and feedback (one
    query for them all)."""
    ids = [q.question_id for q in summary.questions if q.question_id]
    revisions = dict(Question.objects.filter(pk__in=ids).values_list("pk", "latest_revision_id"))
    for question in summary.questions:
        revision = revisions.get(question.question_id)
        url = (
            reverse(
                "wagtailsnippets_quizzes_question:revisions_view",
                args=[question.question_id, revision],
            )
            + "?mode=answers"
            if revision
            else ""
        )
        setattr(question, "preview_url", url)  # noqa: B010 (read by the template only)
    return {}


class ExportForm(forms.Form):
    """Which category (with those under it) and in which format."""

    category = forms.ModelChoiceField(
        queryset=QuestionCategory.objects.order_by("name"),
        label="Category",
        help_text="Its questions and those of the categories under it.",
    )
    format = forms.ChoiceField(choices=list(files.FORMATS.items()), label="Format")


class QuestionExportView(AdminPage, FormView):
    """GET with a category and format downloads the file; without, shows the form."""

    template_name = "quizzes/admin/question_export.html"
    form_class = ExportForm
    page_title = "Export questions"
    header_icon = "download"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_export_questions(request.user):
            raise PermissionDenied("You may not export questions.")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        if "category" in self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        if not form.is_bound:
            return self.render_to_response(self.get_context_data(form=form))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        category: QuestionCategory = form.cleaned_data["category"]
        fmt = form.cleaned_data["format"]
        try:
            text = files.write(export_file(category.name, fmt), fmt)
        except (UnknownCategory, InterchangeError) as exc:
            form.add_error(None, f"Nothing was exported: {exc}")
            return self.render_to_response(self.get_context_data(form=form), status=400)
        response = HttpResponse(text, content_type=files.CONTENT_TYPES[fmt])
        name = f"{category.key or 'questions'}.{files.EXTENSIONS[fmt]}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return HttpResponseNotAllowed(["GET"])
