"""Reading the attempt form: which positions a form answers, and the big list of naughty strings.

No database: the QueryDict in, the normalised answer grading expects out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import QueryDict

from quizzes.answers import AnswerError, MalformedAnswer, positions_in
from quizzes.grading import grade
from tests.quizzes.answer_forms import (
    NAME,
    built_for,
    numeric,
    option,
    parse,
    snapshot,
    text,
)

# --- positions_in ---------------------------------------------------------------------------


def test_positions_in_reads_answer_place_and_shown_fields():
    data = QueryDict(mutable=True)
    data.update({"q1": "x", "q2-shown": "1", "q12-Xa1_b2": "2", "q7-pA": "aV"})
    assert positions_in(data) == {1, 2, 7, 12}


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("csrfmiddlewaretoken", id="csrf-token"),
        pytest.param("q", id="no-number"),
        pytest.param("qx", id="letters"),
        pytest.param("quiz", id="word-starting-with-q"),
        pytest.param("Q1", id="capital"),
        pytest.param("q1-", id="dash-without-suffix"),
        pytest.param("xq1", id="prefix"),
        pytest.param("q-1", id="negative"),
        pytest.param("action", id="other-field"),
    ],
)
def test_positions_in_ignores_other_fields(key):
    data = QueryDict(mutable=True)
    data[key] = "1"
    assert positions_in(data) == set()


def test_positions_in_empty_form_has_no_positions():
    assert positions_in(QueryDict()) == set()


def test_positions_in_absurdly_long_position_is_tampering_not_a_crash():
    data = QueryDict(mutable=True)
    data["q" + "9" * 5000] = "1"
    try:
        positions = positions_in(data)
    except MalformedAnswer:
        return
    assert all(isinstance(p, int) for p in positions)


# --- the big list of naughty strings ----------------------------------------------------------


@pytest.fixture
def naughty_strings(corpora) -> list[str]:
    path = corpora / "blns.json"
    if not path.is_file():
        pytest.skip(f"naughty strings corpus not found at {path}")
    strings = json.loads(path.read_text(encoding="utf-8"))
    assert len(strings) > 100
    return strings


def _parse_outcome(kind: str, value: str) -> Any:
    try:
        return parse(text(kind), {NAME: value})
    except (AnswerError, MalformedAnswer) as exc:
        return exc


def test_naughty_strings_parse_as_short_answers_trimmed_or_are_refused(naughty_strings):
    wrong = {}
    for value in naughty_strings:
        outcome = _parse_outcome("short_answer", value)
        if not isinstance(outcome, ValueError) and outcome != (value.strip() or None):
            wrong[value] = outcome
    assert wrong == {}


def test_naughty_strings_parse_as_essays_as_typed_or_are_refused(naughty_strings):
    wrong = {}
    for value in naughty_strings:
        outcome = _parse_outcome("essay", value)
        if not isinstance(outcome, ValueError) and outcome != (value.rstrip() or None):
            wrong[value] = outcome
    assert wrong == {}


def test_naughty_strings_parse_as_numbers_or_are_refused(naughty_strings):
    wrong = {}
    for value in naughty_strings:
        try:
            outcome = parse(numeric(), {NAME: value})
        except (AnswerError, MalformedAnswer):
            continue
        if outcome is not None and not isinstance(outcome, str):
            wrong[value] = outcome
    assert wrong == {}


@pytest.mark.parametrize("kind", ["short_answer", "essay", "numeric", "single_choice"])
def test_naughty_strings_grade_without_raising(naughty_strings, kind):
    snap, display = built_for(kind)
    fractions = {grade(snap, display, value).fraction for value in naughty_strings}
    assert fractions <= {0, 1, None}
    assert None not in fractions or kind == "essay"


def test_naughty_strings_accepted_as_short_answers_accept_themselves(naughty_strings):
    refused = []
    for value in naughty_strings:
        if not value.strip():
            continue
        snap, display = snapshot("short_answer", [option(value, correct=True)]), {}
        if grade(snap, display, value).fraction != 1:
            refused.append(value)
    assert refused == []
