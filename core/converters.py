"""Path converters for ids and codes, registered once (core.apps imports this module).

`<id:name>` replaces Django's `<int:name>`, which matches any number of digits: 2**63 and above
reached the database and overflowed it (a 500 on SQLite). `<code:name>` replaces `<str:name>`
for opaque codes, which matched any character, NUL included (a 500 on PostgreSQL). A path that
does not fit is not a match, so it is a 404 before any view or query runs.
"""

from __future__ import annotations

from django.urls import register_converter

from core.params import ID_DIGITS, parse_id


class IdConverter:
    """A primary key: ASCII digits from 1 to 2**63 - 1 (core.params.parse_id)."""

    regex = f"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not an id")  # Django's resolver reads it as no match
        return parsed

    def to_url(self, value: int | str) -> str:
        return str(value)


class CodeConverter:
    """An opaque URL-safe code (secrets.token_urlsafe): letters, digits, - and _; up to 32."""

    regex = "[A-Za-z0-9_-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(CodeConverter, "code")
