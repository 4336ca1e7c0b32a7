"""Ids and text read from requests: one rule for every view, and NUL refused for all of them.

An id is what the database can hold as a primary key: ASCII digits, 1 to 2**63 - 1. Python's
own tests accept more: `str.isdigit()` is true for superscripts ("²") and other scripts' digits,
and `int()` takes signs, spaces and underscores ("+1", " 7", "1_0") and refuses more than 4300
digits with an error. A value that is not an id is treated as absent, so a filter given garbage
shows the unfiltered page instead of failing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Container, Mapping

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

# The largest signed 64-bit integer: a bigger number overflows SQLite and PostgreSQL.
MAX_ID = 2**63 - 1
ID_DIGITS = len(str(MAX_ID))
DEFAULT_TEXT_LENGTH = 100


def parse_id(text: object) -> int | None:
    """`text` as a database id, or None when it is not one."""
    if not isinstance(text, str) or not 0 < len(text) <= ID_DIGITS:
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def query_id(data: Mapping[str, str], key: str) -> int | None:
    """The id in `data[key]` (a QueryDict from GET or POST), or None."""
    return parse_id(data.get(key))


def query_text(data: Mapping[str, str], key: str, max_length: int = DEFAULT_TEXT_LENGTH) -> str:
    """Search-box text: control characters become spaces, trimmed, at most `max_length` long.

    Control characters have no place in a search and PostgreSQL refuses NUL in any text.
    """
    value = data.get(key) or ""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return cleaned.strip()[:max_length]


def query_choice(data: Mapping[str, str], key: str, choices: Container[str]) -> str:
    """`data[key]` when it is one of `choices`, else ""."""
    value = data.get(key) or ""
    return value if value in choices else ""


class RefuseNulMiddleware:
    """Answer 400 to a request whose path or query string holds a NUL character.

    No URL of the site has a use for NUL, and PostgreSQL refuses it in any text value: anywhere
    it reached a query (a certificate code, a search box, a page slug in Wagtail's own routing
    and admin listings) it was a 500. Refusing it here covers views this project does not own;
    the converters and `query_text` keep our own views safe whatever the middleware order.
    Request bodies are left to form validation (Django's form fields refuse NUL).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            raise BadRequest("The address holds a NUL character.")
        return self.get_response(request)
