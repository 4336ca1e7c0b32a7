"""Reports > Blueprint in the Wagtail admin (permission quizzes.view_blueprint_report).

Wagtail's ReportView over one scope's objective rows (quizzes.blueprint): each objective with the
questions that assess it and their count per cognitive level; objectives no question assesses
and questions tied to no objective are flagged. CSV and XLSX through `list_export`, every cell
spreadsheet-safe (core.exports).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import slugify
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView

from core.exports import SafeSpreadsheetExport
from quizzes.blueprint import LEVELS, Blueprint, ObjectiveRow, Scope, all_scopes, build_blueprint
from quizzes.models import CognitiveLevel, Question

EXPORT_COLUMNS = [
    "module",
    "objective key",
    "objective",
    *LEVELS,
    "total",
    "questions",
    "flag",
]
UNCOVERED = "No question assesses this objective"
UNTAGGED = "Question tied to no objective"


def _keep(queryset: Any, name: str, value: Any) -> Any:
    """The scope is applied by the view (a blueprint is not a queryset to filter)."""
    return queryset


class BlueprintFilterSet(WagtailFilterSet):
    scope = django_filters.ChoiceFilter(label="Scope", empty_label="Choose…", method=_keep)

    class Meta:
        model = Question
        fields: list[str] = []

    def __init__(self, *args: Any, scopes: list[Scope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for scope in scopes:
            groups.setdefault(scope.group, []).append((scope.key, scope.label))
        self.filters["scope"].extra["choices"] = list(groups.items())


def _question_html(entry: Any) -> str:
    question = entry.question
    return format_html(
        '<li><a href="{}">{}</a> <span class="w-status">{}</span>{}</li>',
        reverse("wagtailsnippets_quizzes_question:edit", args=[question.pk]),
        question.title,
        question.get_level_display(),
        " (random draw)" if entry.drawn else "",
    )


def _questions_cell(row: ObjectiveRow) -> str:
    if row.uncovered:
        return format_html('<strong class="w-text-critical-200">{}</strong>', UNCOVERED)
    return format_html(
        '<ul class="blueprint-questions">{}</ul>',
        format_html_join("", "{}", ((_question_html(e),) for e in row.questions)),
    )


def export_rows(blueprint: Blueprint) -> list[dict[str, Any]]:
    """The blueprint as spreadsheet rows: one per objective, then one per untagged question."""
    rows = []
    for row in blueprint.rows:
        counts = row.counts
        rows.append(
            {
                "module": row.module,
                "objective key": row.objective.key,
                "objective": row.objective.text,
                **counts,
                "total": len(row.questions),
                "questions": "; ".join(
                    f"{e.question.key} ({e.question.level})" for e in row.questions
                ),
                "flag": UNCOVERED if row.uncovered and row.in_scope else "",
            }
        )
    for entry in blueprint.untagged:
        rows.append(
            {
                **dict.fromkeys(EXPORT_COLUMNS, ""),
                **{level: int(entry.question.level == level) for level in LEVELS},
                "total": 1,
                "questions": f"{entry.question.key} ({entry.question.level})",
                "flag": UNTAGGED,
            }
        )
    return rows


class BlueprintReportView(SafeSpreadsheetExport, ReportView):
    """Objectives x questions x level for the chosen scope (a quiz, a course, a programme)."""

    page_title = "Blueprint"
    header_icon = "table"
    verbose_name, verbose_name_plural = "objective", "objectives"
    results_template_name = "quizzes/admin/blueprint_results.html"
    filterset_class = BlueprintFilterSet
    index_url_name = "quizzes_blueprint:report"
    index_results_url_name = "quizzes_blueprint:results"
    paginate_by = None
    list_export = EXPORT_COLUMNS

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.export_format = request.GET.get("export", "")
        self.is_export = self.export_format in self.FORMATS

    @cached_property
    def scopes(self) -> list[Scope]:
        return all_scopes()

    @cached_property
    def scope(self) -> Scope | None:
        """The chosen scope; an unknown or missing key chooses nothing (never an error)."""
        chosen = self.request.GET.get("scope", "")
        return next((s for s in self.scopes if s.key == chosen), None)

    def get_filterset_kwargs(self) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(), "scopes": self.scopes}

    @cached_property
    def blueprint(self) -> Blueprint | None:
        return build_blueprint(self.scope) if self.scope is not None else None

    def get_queryset(self) -> Any:
        return []

    def get_filtered_queryset(self) -> list[ObjectiveRow]:
        return self.blueprint.rows if self.blueprint else []

    @cached_property
    def columns(self) -> list[Column]:
        return [
            Column("module", accessor=lambda r: r.module),
            Column(
                "objective",
                accessor=lambda r: format_html(
                    "{}<br><small>{}{}</small>",
                    r.objective.text,
                    r.objective.key,
                    "" if r.in_scope else " · another module's objective",
                ),
            ),
            *(
                Column(
                    level,
                    label=CognitiveLevel(level).label,
                    accessor=lambda r, lv=level: r.counts[lv],
                )
                for level in LEVELS
            ),
            Column("questions", accessor=_questions_cell),
        ]

    def to_row_dict(self, item: dict[str, Any]) -> dict[str, Any]:
        return item

    def get_filename(self) -> str:
        return f"blueprint-{slugify(self.scope.label)[:50]}" if self.scope else "blueprint"

    @cached_property
    def show_export_buttons(self) -> bool:
        return self.scope is not None

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        if self.is_export and self.blueprint is not None:
            return self.as_spreadsheet(export_rows(self.blueprint), self.export_format)
        return super().render_to_response(context, **response_kwargs)

    def get_context_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(*args, **kwargs)
        blueprint = self.blueprint
        context.update(
            {
                "scope": self.scope,
                "blueprint": blueprint,
                "level_totals": (
                    [(CognitiveLevel(lv).label, n) for lv, n in blueprint.level_counts.items()]
                    if blueprint
                    else []
                ),
                "uncovered": [r for r in blueprint.uncovered if r.in_scope] if blueprint else [],
            }
        )
        return context
