"""grade() never raises and stays within 0..1, whatever the stored answer (no database)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.grading import grade
from tests.quizzes.grading_builders import (
    WITH_DISTRACTOR,
    essay,
    matching,
    multiple,
    numeric,
    ordering,
    short_answer,
    single,
)

# --- grade() never raises, whatever the answer ------------------------------------------------

BUILT = {
    "single_choice": single(correct=1),
    "true_false": single(correct=0, count=2, kind="true_false"),
    "multiple_response": multiple(right=2, wrong=2),
    "numeric": numeric("10", tolerance="0.5"),
    "ordering": ordering(3),
    "matching": matching(WITH_DISTRACTOR),
    "short_answer": short_answer("facial*"),
    "essay": essay(),
}

# Any JSON value a Response.answer could hold, plus strings of every shape.
ODD_ANSWERS = {
    "none": None,
    "zero": 0,
    "int": 7,
    "negative-int": -1,
    "true": True,
    "false": False,
    "float": 10.25,
    "empty-string": "",
    "whitespace": " \t\n",
    "long-string": "tok0" * 25_000,
    "nul": "\x00",
    "emoji": "\U0001f642",
    "rtl-override": "\u202etok0",
    "nan-string": "NaN",
    "unknown-token": "tok99",
    "empty-list": [],
    "list-of-ints": [0, 1, 2],
    "list-of-none": [None],
    "list-of-lists": [["tok0"]],
    "list-of-dicts": [{"tok0": "tok1"}],
    "decimal-tuple-list": [0, [1, 0], 0],
    "long-list": ["tok0", "tok1"] * 5_000,
    "empty-dict": {},
    "dict-of-ints": {"p0": 1},
    "dict-of-lists": {"p0": ["a:VII"]},
    "dict-of-none": {"p0": None, "p1": None},
}

_SCALARS = {"int", "negative-int", "true", "float"}
_NESTED = {"list-of-lists", "list-of-dicts", "decimal-tuple-list"}
_LISTS = {"empty-list", "list-of-ints", "list-of-none", "long-list", *_NESTED}
_DICTS = {"empty-dict", "dict-of-ints", "dict-of-lists", "dict-of-none"}
_STRINGS = {
    "whitespace",
    "long-string",
    "nul",
    "emoji",
    "rtl-override",
    "nan-string",
    "unknown-token",
}

# Findings: grade() trusts the answer to be in its type's normalised shape and raises otherwise.


def _robustness_cases() -> list[Any]:
    cases = []
    for kind in BUILT:
        for name, answer in ODD_ANSWERS.items():
            cases.append(pytest.param(kind, answer, id=f"{kind}-{name}"))
    return cases


@pytest.mark.parametrize(("kind", "answer"), _robustness_cases())
def test_grade_never_raises_and_returns_a_fraction_between_0_and_1(kind, answer):
    snap, display = BUILT[kind]
    result = grade(snap, display, answer)
    if result.fraction is None:
        assert kind == "essay"
        assert result.needs_grading is True
    else:
        assert 0 <= result.fraction <= 1
        assert result.needs_grading is False


ANY_ANSWER = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(BUILT)), answer=ANY_ANSWER)
def test_grade_never_raises_whatever_is_stored_as_an_answer(kind, answer):
    """Property: any JSON-ish value as an answer grades to a fraction in 0..1 (or pending)."""
    snap, display = BUILT[kind]
    result = grade(snap, display, answer)
    if result.fraction is None:
        assert kind == "essay" and result.needs_grading
    else:
        assert 0 <= result.fraction <= 1


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(sorted(BUILT)), answer=st.text())
def test_grade_never_raises_on_any_text(kind, answer):
    snap, display = BUILT[kind]
    result = grade(snap, display, answer)
    assert result.fraction is None or 0 <= result.fraction <= 1
