"""Reading the attempt form: blank answers, single choice, true/false and multiple response.

No database: the QueryDict in, the normalised answer grading expects out.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from quizzes.answers import MalformedAnswer, parse_answer
from tests.quizzes.answer_forms import (
    ALL_KINDS,
    NAME,
    POSITION,
    TOKENS,
    built_for,
    choice,
    parse,
)

# --- blank answers --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_question_left_blank_parses_as_unanswered(kind):
    assert parse(built_for(kind)) is None


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        pytest.param("single_choice", {NAME: ""}, id="single_choice"),
        pytest.param("true_false", {NAME: ""}, id="true_false"),
        pytest.param("numeric", {NAME: "   "}, id="numeric"),
        pytest.param("short_answer", {NAME: " \t "}, id="short_answer"),
        pytest.param("essay", {NAME: "\n\n  \n"}, id="essay"),
        pytest.param("ordering", {f"{NAME}-{t}": "" for t in TOKENS}, id="ordering"),
        pytest.param("matching", {f"{NAME}-pA": "", f"{NAME}-pB": ""}, id="matching"),
    ],
)
def test_empty_fields_parse_as_unanswered(kind, fields):
    assert parse(built_for(kind), fields) is None


def test_answers_for_another_position_are_not_read():
    snap, display = choice()
    data = QueryDict(mutable=True)
    data["q4"] = TOKENS[0]
    assert parse_answer(snap, display, data, POSITION) is None


# --- single choice and true/false -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["single_choice", "true_false"])
def test_single_choice_option_token_is_the_answer(kind):
    assert parse(choice(kind), {NAME: TOKENS[1]}) == TOKENS[1]


@pytest.mark.parametrize("kind", ["single_choice", "true_false"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("Zzzzzz", id="unknown-token"),
        pytest.param("0", id="option-index"),
        pytest.param("Option 0", id="option-text"),
        pytest.param(TOKENS[0].lower(), id="token-in-other-case"),
    ],
)
def test_single_choice_unknown_option_is_tampering(kind, value):
    with pytest.raises(MalformedAnswer, match="unknown option"):
        parse(choice(kind), {NAME: value})


@pytest.mark.parametrize("kind", ["single_choice", "true_false"])
def test_single_choice_two_values_is_tampering(kind):
    with pytest.raises(MalformedAnswer, match="more than one value"):
        parse(choice(kind), {NAME: [TOKENS[0], TOKENS[1]]})


# --- multiple response ----------------------------------------------------------------------


def test_multiple_response_picks_are_sorted_and_deduplicated():
    picks = [TOKENS[2], TOKENS[0], TOKENS[2]]
    assert parse(choice("multiple_response"), {NAME: picks}) == sorted({TOKENS[0], TOKENS[2]})


def test_multiple_response_single_pick_is_a_list():
    assert parse(choice("multiple_response"), {NAME: TOKENS[1]}) == [TOKENS[1]]


@pytest.mark.parametrize(
    "picks",
    [
        pytest.param([TOKENS[0], "Zzzzzz"], id="unknown-beside-known"),
        pytest.param(["Zzzzzz"], id="unknown"),
        pytest.param([""], id="empty-value"),
    ],
)
def test_multiple_response_unknown_option_is_tampering(picks):
    with pytest.raises(MalformedAnswer, match="unknown option"):
        parse(choice("multiple_response"), {NAME: picks})
