"""Exports of personal data: text cells a spreadsheet cannot run, and every export recorded.

`spreadsheet_safe` is the one neutraliser of spreadsheet formulas (CSV injection); every CSV and
spreadsheet the project produces passes user-entered text through it. `SafeSpreadsheetExport`
applies it to Wagtail's listing exports (`list_export`) and asks the view to record the export.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in user-entered text (CSV injection)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


class Echo:
    """A file-like object whose write() returns the line, for streaming CSV."""

    def write(self, value: str) -> str:
        return value


class SafeSpreadsheetExport:
    """A mixin for Wagtail listing views that export (`list_export`, SpreadsheetExportMixin):
    every text cell is neutralised, and `record_export(format)` runs before the file is made.

    Put it before the Wagtail view class in the bases. Views exporting personal data override
    `record_export` to write the audit entry.
    """

    def preprocess_field_value(self, field: str, value: Any, export_format: str) -> Any:
        value = super().preprocess_field_value(field, value, export_format)  # type: ignore[misc]  # a mixin: the view class supplies it
        return spreadsheet_safe(value) if isinstance(value, str) else value

    def as_spreadsheet(self, queryset: Any, spreadsheet_format: str) -> HttpResponse:
        self.record_export(spreadsheet_format)
        return super().as_spreadsheet(queryset, spreadsheet_format)  # type: ignore[misc]  # as above

    def record_export(self, spreadsheet_format: str) -> None:
        """Record who exported what (an audit entry); nothing by default."""
