"""Reading the attempt form: ordering and matching fields, and an unknown question type.

No database: the QueryDict in, the normalised answer grading expects out.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from quizzes.answers import AnswerError, MalformedAnswer
from tests.quizzes.answer_forms import (
    NAME,
    TOKENS,
    matching,
    ordering,
    parse,
    snapshot,
)

# --- ordering -------------------------------------------------------------------------------


def places(*values: str) -> dict[str, str]:
    return {f"{NAME}-{token}": value for token, value in zip(TOKENS, values, strict=True)}


def test_ordering_places_give_the_items_in_the_trainees_order():
    assert parse(ordering(), places("2", "3", "1")) == [TOKENS[2], TOKENS[0], TOKENS[1]]


def test_ordering_places_may_carry_spaces():
    assert parse(ordering(), places(" 1", "2 ", " 3 ")) == TOKENS


def test_ordering_unknown_item_fields_are_ignored():
    fields = {**places("1", "2", "3"), f"{NAME}-Zzzzzz": "1"}
    assert parse(ordering(), fields) == TOKENS


@pytest.mark.parametrize(
    "values",
    [pytest.param(("1", "", "3"), id="one-blank"), pytest.param(("", "2", ""), id="two-blank")],
)
def test_ordering_some_places_blank_is_a_trainee_mistake(values):
    with pytest.raises(AnswerError, match=re.escape("Give every item a place.")):
        parse(ordering(), places(*values))


def test_ordering_place_field_missing_is_a_trainee_mistake():
    with pytest.raises(AnswerError, match=re.escape("Give every item a place.")):
        parse(ordering(), {f"{NAME}-{TOKENS[0]}": "1"})


@pytest.mark.parametrize(
    "values",
    [pytest.param(("1", "1", "3"), id="two-first"), pytest.param(("2", "2", "2"), id="all-second")],
)
def test_ordering_repeated_place_is_a_trainee_mistake(values):
    with pytest.raises(AnswerError, match=re.escape("Give each item a different place.")):
        parse(ordering(), places(*values))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(("1", "2", "4"), id="past-the-last-place"),
        pytest.param(("0", "1", "2"), id="place-zero"),
        pytest.param(("-1", "1", "2"), id="negative-place"),
        pytest.param(("1", "1", "99"), id="repeated-and-out-of-range"),
    ],
)
def test_ordering_out_of_range_place_is_tampering(values):
    with pytest.raises(MalformedAnswer, match="place out of range"):
        parse(ordering(), places(*values))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(("1", "2", "three"), id="word"),
        pytest.param(("1", "2", "2.5"), id="fraction"),
        pytest.param(("1", "2", "3rd"), id="ordinal"),
    ],
)
def test_ordering_non_integer_place_is_tampering(values):
    with pytest.raises(MalformedAnswer, match="place is not a number"):
        parse(ordering(), places(*values))


def test_ordering_two_values_for_one_place_is_tampering():
    fields: dict[str, Any] = places("1", "2", "3")
    fields[f"{NAME}-{TOKENS[0]}"] = ["1", "2"]
    with pytest.raises(MalformedAnswer, match="more than one value"):
        parse(ordering(), fields)


# --- matching -------------------------------------------------------------------------------


def test_matching_answers_map_prompt_tokens_to_answer_tokens():
    fields = {f"{NAME}-pA": "aVII", f"{NAME}-pB": "aV"}
    assert parse(matching(), fields) == {"pA": "aVII", "pB": "aV"}


def test_matching_prompts_left_unanswered_are_left_out():
    assert parse(matching(), {f"{NAME}-pA": "aIX", f"{NAME}-pB": ""}) == {"pA": "aIX"}


def test_matching_may_use_one_answer_for_several_prompts():
    fields = {f"{NAME}-pA": "aV", f"{NAME}-pB": "aV"}
    assert parse(matching(), fields) == {"pA": "aV", "pB": "aV"}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("aXII", id="unknown-token"),
        pytest.param("VII", id="answer-text-not-token"),
        pytest.param("pB", id="prompt-token"),
    ],
)
def test_matching_unknown_answer_token_is_tampering(value):
    with pytest.raises(MalformedAnswer, match="unknown match"):
        parse(matching(), {f"{NAME}-pA": value})


def test_matching_two_values_for_one_prompt_is_tampering():
    with pytest.raises(MalformedAnswer, match="more than one value"):
        parse(matching(), {f"{NAME}-pA": ["aV", "aVII"]})


# --- unknown question type ------------------------------------------------------------------


def test_unknown_question_type_is_tampering():
    with pytest.raises(MalformedAnswer, match="unknown question type"):
        parse((snapshot("hotspot"), {}), {NAME: "1"})
