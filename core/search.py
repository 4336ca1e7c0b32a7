"""The search backend: Wagtail's database backend, with SQLite full-text queries made safe.

On SQLite the backend quotes each typed word for FTS5 but leaves any double quote inside it
as it is, so a query such as `a"b` ends the quoted word early and FTS5 fails with a syntax
error: every admin listing and the site search would answer 500. A double quote is never part
of an indexed word (the tokenizer splits on it), so it is read as a space instead.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connection
from modelsearch.backends.base import BaseSearchBackend
from modelsearch.backends.database import SearchBackend as database_backend
from modelsearch.query import PlainText, SearchQuery


def _without_quotes(query: SearchQuery) -> SearchQuery:
    """`query` with any double quote in its typed words read as a space."""
    if isinstance(query, PlainText) and '"' in query.query_string:
        return PlainText(
            query.query_string.replace('"', " "), operator=query.operator, boost=query.boost
        )
    return query


@cache
def _sqlite_backend_class() -> type[BaseSearchBackend]:
    """SQLite's full-text backend with `_without_quotes` applied to every query.

    Imported on first use: the SQLite backend module only loads where its index model exists.
    """
    from modelsearch.backends.database.sqlite.sqlite import (
        SQLiteAutocompleteQueryCompiler,
        SQLiteSearchBackend,
        SQLiteSearchQueryCompiler,
    )

    class QueryCompiler(SQLiteSearchQueryCompiler):
        def build_search_query_content(self, query, config=None):
            return super().build_search_query_content(_without_quotes(query), config)

    class AutocompleteQueryCompiler(SQLiteAutocompleteQueryCompiler):
        def build_search_query_content(self, query, config=None):
            return super().build_search_query_content(_without_quotes(query), config)

    class QuoteSafeSQLiteSearchBackend(SQLiteSearchBackend):
        query_compiler_class = QueryCompiler
        autocomplete_query_compiler_class = AutocompleteQueryCompiler

    return QuoteSafeSQLiteSearchBackend


def SearchBackend(params: dict[str, Any]) -> BaseSearchBackend:
    """The database backend for the default database, as Wagtail names it (SQLite made safe)."""
    backend = database_backend(params)
    if connection.vendor == "sqlite" and issubclass(_sqlite_backend_class(), type(backend)):
        return _sqlite_backend_class()(params)
    return backend
