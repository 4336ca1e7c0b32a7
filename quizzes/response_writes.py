"""Writing many responses of one attempt in a single UPDATE (saving answers, grading).

Django's `bulk_update` writes the same rows, but builds one filter expression per row and
field (`Case(When(pk=..., then=Value(...)))`) and resolves each of them: for a 100-question
attempt that took most of a save's or a submit's time, and on SQLite it split a submit into
two statements (999 parameters at most). `update_responses` writes the same values, each
prepared by its model field exactly as a save prepares it (`get_db_prep_save`: SQL NULL for
None, JSON text or jsonb, decimals), in one statement:

    UPDATE quizzes_response
       SET answer = CASE id WHEN 7 THEN %s WHEN 8 THEN %s ... ELSE answer END,
           needs_grading = %s                -- one parameter when every row gets the same value
     WHERE id IN (7, 8, ...)

Values always travel as parameters; only the quoted column names of the model and the rows'
integer primary keys are written into the statement. Like `bulk_update`, it sends no signals
and runs inside the caller's transaction (the attempt's lock).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, JSONField

from quizzes.models import Response


def _same_everywhere(field: Field, values: list[Any]) -> bool:
    """Whether every row gets the same value (then one parameter serves them all).

    JSON values are never merged: `1 == True` in Python, but not in the stored document.
    """
    if isinstance(field, JSONField):
        return False
    first = values[0]
    return all(type(v) is type(first) and v == first for v in values)


def _batches(responses: Sequence[Response], fields: int, max_params: int | None):
    """`responses` in runs small enough for the database's parameter limit (SQLite: 999)."""
    size = len(responses) if max_params is None else max(1, max_params // max(1, fields))
    for start in range(0, len(responses), size):
        yield responses[start : start + size]


def update_responses(responses: Sequence[Response], fields: Sequence[str]) -> int:
    """Write `fields` of the saved `responses` as they are in memory; the rows updated.

    One statement for up to 199 responses on SQLite (999 parameters over five fields) and for
    any number on PostgreSQL.
    """
    if not responses or not fields:
        return 0
    if any(r.pk is None for r in responses):
        raise ValueError("update_responses writes saved responses only.")
    connection = connections[router.db_for_write(Response)]
    quote = connection.ops.quote_name
    meta = Response._meta
    table, pk_column = quote(meta.db_table), quote(str(Response._meta.pk.column))  # type: ignore[union-attr]
    model_fields: list[Field] = [meta.get_field(name) for name in fields]  # type: ignore[misc]
    updated = 0
    for batch in _batches(responses, len(fields), connection.features.max_query_params):
        ids = [int(r.pk) for r in batch]
        assignments: list[str] = []
        params: list[Any] = []
        for field in model_fields:
            column = quote(str(field.column))
            placeholder = "%s"
            if connection.features.requires_casted_case_in_updates:
                placeholder = f"CAST(%s AS {field.cast_db_type(connection)})"
            raw = [getattr(r, field.attname) for r in batch]
            prepared = [field.get_db_prep_save(value, connection) for value in raw]
            if _same_everywhere(field, raw):
                assignments.append(f"{column} = {placeholder}")
                params.append(prepared[0])
                continue
            cases = " ".join(f"WHEN {pk} THEN {placeholder}" for pk in ids)
            assignments.append(f"{column} = CASE {pk_column} {cases} ELSE {column} END")
            params.extend(prepared)
        sql = (
            f"UPDATE {table} SET {', '.join(assignments)} "  # noqa: S608 (quoted model columns and integer keys only; values are parameters)
            f"WHERE {pk_column} IN ({', '.join(str(pk) for pk in ids)})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated += cursor.rowcount
    return updated
