"""Reading the attempt form: numeric, short answer and essay fields.

No database: the QueryDict in, the normalised answer grading expects out.
"""

from __future__ import annotations

import re

import pytest

from quizzes.answers import AnswerError, MalformedAnswer
from quizzes.grading import grade
from tests.quizzes.answer_forms import (
    NAME,
    numeric,
    parse,
    text,
)

# --- numeric --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "typed", "expected"),
    [
        pytest.param("", "10", "10", id="whole-number"),
        pytest.param("mm", "10 mm", "10", id="with-unit"),
        pytest.param("", "100", "100", id="hundred"),
        pytest.param("", "2,5", "2.5", id="decimal-comma"),
        pytest.param("", "2.5", "2.5", id="decimal-point"),
        pytest.param("", "2.50", "2.5", id="trailing-zero-dropped"),
        pytest.param("", " 7 ", "7", id="surrounding-spaces"),
        pytest.param("", "0", "0", id="zero"),
        pytest.param("", "-0", "0", id="negative-zero"),
        pytest.param("", "0.000", "0", id="zero-with-decimals"),
        pytest.param("", "-3", "-3", id="negative"),
        pytest.param("", "+4", "4", id="explicit-plus"),
        pytest.param("", "-0,75", "-0.75", id="negative-decimal-comma"),
        pytest.param("", "999999999", "999999999", id="largest-allowed"),
        pytest.param("mm", "7 mm", "7", id="unit-after-a-space"),
        pytest.param("mm", "7mm", "7", id="unit-without-space"),
        pytest.param("mm", "7 MM", "7", id="unit-in-other-case"),
        pytest.param("mm", "7", "7", id="unit-left-out"),
        pytest.param("", "1 234", "1234", id="space-as-thousands-separator"),
    ],
)
def test_numeric_answer_is_a_normalised_decimal_string(unit, typed, expected):
    assert parse(numeric(unit), {NAME: typed}) == expected


@pytest.mark.parametrize("typed", ["10", "10.0", "10 mm", "1E+1", "10,00"])
def test_numeric_parsed_answer_grades_as_the_number_typed(typed):
    snap, display = numeric("mm")
    answer = parse((snap, display), {NAME: typed})
    assert grade(snap, display, answer).fraction == 1


@pytest.mark.parametrize(
    ("unit", "typed"),
    [
        pytest.param("", "ten", id="word"),
        pytest.param("", "1e999", id="huge-exponent"),
        pytest.param("", "1000000000", id="one-billion"),
        pytest.param("", "-1000000000", id="minus-one-billion"),
        pytest.param("", "Infinity", id="infinity"),
        pytest.param("", "NaN", id="nan"),
        pytest.param("", "sNaN", id="signalling-nan"),
        pytest.param("", "1,2,3", id="several-commas"),
        pytest.param("", "--3", id="double-minus"),
        pytest.param("", "10 cm", id="other-unit"),
        pytest.param("mm", "mm", id="unit-alone"),
        pytest.param("", "½", id="vulgar-fraction"),
    ],
)
def test_numeric_non_number_is_a_trainee_mistake(unit, typed):
    with pytest.raises(AnswerError, match=re.escape("Enter a number, for example 10 or 2.5.")):
        parse(numeric(unit), {NAME: typed})


@pytest.mark.parametrize("typed", ["1e1000000", "-9E+9999999"])
def test_numeric_number_beyond_the_decimal_range_is_a_trainee_mistake(typed):
    with pytest.raises(AnswerError, match="Enter a number"):
        parse(numeric(), {NAME: typed})


def test_numeric_two_values_is_tampering():
    with pytest.raises(MalformedAnswer, match="more than one value"):
        parse(numeric(), {NAME: ["1", "2"]})


# --- short answer and essay -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param("  Facial nerve \n", "Facial nerve", id="surrounding-whitespace-trimmed"),
        pytest.param("facial   NERVE", "facial   NERVE", id="inside-kept-as-typed"),
        pytest.param("\uff36\uff29\uff29", "\uff36\uff29\uff29", id="full-width-kept"),
        pytest.param("<b>VII</b>", "<b>VII</b>", id="markup-kept"),
    ],
)
def test_short_answer_is_kept_as_typed_but_trimmed(typed, expected):
    assert parse(text("short_answer"), {NAME: typed}) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        pytest.param(
            "  Indented first line\nsecond\n\n  ",
            "  Indented first line\nsecond",
            id="trailing-trimmed",
        ),
        pytest.param("a\n\n\nb", "a\n\n\nb", id="blank-lines-kept"),
    ],
)
def test_essay_keeps_leading_whitespace_and_drops_trailing(typed, expected):
    assert parse(text("essay"), {NAME: typed}) == expected


@pytest.mark.parametrize(
    ("kind", "limit", "message"),
    [
        pytest.param("short_answer", 500, "500 characters", id="short_answer"),
        pytest.param("essay", 20_000, "20,000 characters", id="essay"),
    ],
)
def test_text_at_the_limit_is_accepted_and_longer_is_a_trainee_mistake(kind, limit, message):
    built = text(kind)
    assert parse(built, {NAME: "x" * limit}) == "x" * limit
    with pytest.raises(AnswerError, match=message):
        parse(built, {NAME: "x" * (limit + 1)})


def test_essay_the_textarea_allowed_is_not_too_long():
    lines = ["x" * 999] * 20
    submitted = "\r\n".join(lines)  # 19,980 letters + 19 line breaks: 19,999 in the textarea
    assert len(submitted.replace("\r\n", "\n")) <= 20_000 < len(submitted)
    assert parse(text("essay"), {NAME: submitted}).replace("\r\n", "\n") == "\n".join(lines)


@pytest.mark.parametrize("kind", ["short_answer", "essay"])
@pytest.mark.parametrize(
    "typed", [pytest.param("facial\x00nerve", id="inside"), pytest.param("\x00", id="alone")]
)
def test_nul_byte_in_text_is_tampering(kind, typed):
    with pytest.raises(MalformedAnswer):
        parse(text(kind), {NAME: typed})


@pytest.mark.parametrize("kind", ["short_answer", "essay"])
def test_text_two_values_is_tampering(kind):
    with pytest.raises(MalformedAnswer, match="more than one value"):
        parse(text(kind), {NAME: ["a", "b"]})
