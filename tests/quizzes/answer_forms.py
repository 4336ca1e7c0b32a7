"""Snapshots, displays and posted forms built by hand for the attempt-form parsing tests.

Snapshots and displays follow quizzes.snapshots; form field names follow
quizzes/includes/question.html.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from quizzes.answers import parse_answer
from tests.quizzes.grading_builders import option as option  # re-exported for the tests

POSITION = 3
NAME = f"q{POSITION}"
TOKENS = ["Xa1_b2", "Yc3-d4", "Ze5f6g"]


# --- builders ---------------------------------------------------------------------------------


def snapshot(
    kind: str, options: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "type": kind,
        "stem": "",
        "points": "1",
        "options": options or [],
        "numeric": None,
    }
    snap.update(extra)
    return snap


def choice(kind: str = "single_choice"):
    count = 2 if kind == "true_false" else 3
    options = [option(f"Option {i}", correct=i == 0) for i in range(count)]
    return snapshot(kind, options), {
        "order": list(reversed(range(count))),
        "tokens": TOKENS[:count],
    }


def numeric(unit: str = ""):
    return snapshot("numeric", numeric={"answer": "10", "tolerance": "0", "unit": unit}), {}


def text(kind: str):
    return snapshot(kind, [option("facial*", correct=True)] if kind == "short_answer" else []), {}


def ordering():
    options = [option(f"Step {i}") for i in range(3)]
    return snapshot("ordering", options), {"order": [2, 0, 1], "tokens": TOKENS}


def matching():
    pairs = [("Facial nerve", "VII"), ("Trigeminal nerve", "V"), ("", "IX")]
    options = [option(prompt, match=match) for prompt, match in pairs]
    display = {
        "prompts": [1, 0],
        "prompt_tokens": {"0": "pA", "1": "pB"},
        "answers": [["aIX", "IX"], ["aV", "V"], ["aVII", "VII"]],
    }
    return snapshot("matching", options), display


def form(fields: dict[str, str | list[str]] | None = None, *, shown: bool = True) -> QueryDict:
    """A submitted attempt form; every question on the page posts its `-shown` marker."""
    data = QueryDict(mutable=True)
    if shown:
        data[f"{NAME}-shown"] = "1"
    for key, value in (fields or {}).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def parse(
    built: tuple[dict[str, Any], dict[str, Any]], fields: dict[str, Any] | None = None
) -> Any:
    snap, display = built
    return parse_answer(snap, display, form(fields), POSITION)


ALL_KINDS = [
    "single_choice",
    "true_false",
    "multiple_response",
    "numeric",
    "ordering",
    "matching",
    "short_answer",
    "essay",
]


def built_for(kind: str):
    if kind in ("single_choice", "true_false", "multiple_response"):
        return choice(kind)
    if kind == "numeric":
        return numeric()
    if kind == "ordering":
        return ordering()
    if kind == "matching":
        return matching()
    return text(kind)
