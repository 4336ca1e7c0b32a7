"""Pure grading of single choice, true/false and multiple response answers (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizzes.grading import Grade, grade
from tests.quizzes.grading_builders import (
    fraction_of,
    multiple,
    single,
)

# --- single choice and true/false -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["single_choice", "true_false"])
def test_single_choice_right_option_earns_full_credit(kind):
    built = single(correct=1, count=2 if kind == "true_false" else 3, kind=kind)
    assert fraction_of(built, "tok1") == 1


@pytest.mark.parametrize("kind", ["single_choice", "true_false"])
def test_single_choice_wrong_option_earns_nothing(kind):
    built = single(correct=1, count=2 if kind == "true_false" else 3, kind=kind)
    assert fraction_of(built, "tok0") == 0


@pytest.mark.parametrize("kind", ["single_choice", "true_false"])
def test_single_choice_unanswered_earns_nothing(kind):
    snap, display = single(kind=kind)
    assert grade(snap, display, None) == Grade(Decimal(0), needs_grading=False)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("tok9", id="token-from-no-option"),
        pytest.param("1", id="option-index"),
        pytest.param("Option 1", id="option-text"),
        pytest.param("", id="empty"),
    ],
)
def test_single_choice_unknown_token_earns_nothing(answer):
    assert fraction_of(single(correct=1), answer) == 0


def test_single_choice_grades_by_token_not_by_display_position():
    snap, _ = single(correct=0, count=3)
    shown_correct_last = {"order": [2, 1, 0], "tokens": ["x", "y", "z"]}
    assert grade(snap, shown_correct_last, "x").fraction == 1
    assert grade(snap, shown_correct_last, "z").fraction == 0


# --- multiple response ----------------------------------------------------------------------


def test_multiple_response_all_right_picks_earn_full_credit():
    assert fraction_of(multiple(right=2, wrong=2), ["tok0", "tok1"]) == 1


def test_multiple_response_half_the_right_picks_earn_half_credit():
    assert fraction_of(multiple(right=2, wrong=2), ["tok1"]) == Decimal("0.5")


def test_multiple_response_wrong_pick_cancels_a_right_one():
    assert fraction_of(multiple(right=2, wrong=2), ["tok0", "tok2"]) == 0


def test_multiple_response_wrong_pick_subtracts_one_over_number_right():
    built = multiple(right=3, wrong=2)
    assert fraction_of(built, ["tok0", "tok1", "tok2", "tok3"]) == Decimal("0.6667")
    assert fraction_of(built, ["tok0", "tok1", "tok3", "tok4"]) == 0


def test_multiple_response_partial_credit_is_rounded_to_four_places():
    assert fraction_of(multiple(right=3, wrong=1), ["tok0"]) == Decimal("0.3333")


def test_multiple_response_picking_everything_floors_at_zero():
    built = multiple(right=1, wrong=3)
    assert fraction_of(built, ["tok0", "tok1", "tok2", "tok3"]) == 0


def test_multiple_response_only_wrong_picks_floor_at_zero():
    assert fraction_of(multiple(right=2, wrong=2), ["tok2", "tok3"]) == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(
            ["tok0", "tok0", "tok0"], Decimal("0.5"), id="duplicate-right-pick-counts-once"
        ),
        pytest.param(["tok0", "tok2", "tok2"], Decimal(0), id="duplicate-wrong-pick-costs-once"),
        pytest.param(["tok0", "nope"], Decimal("0.5"), id="unknown-token-ignored"),
        pytest.param(
            ["nope", "", "tok0", "tok1"], Decimal(1), id="unknown-tokens-beside-all-right"
        ),
    ],
)
def test_multiple_response_duplicates_and_unknown_tokens_are_ignored(answer, expected):
    assert fraction_of(multiple(right=2, wrong=2), answer) == expected


@pytest.mark.parametrize(
    "answer", [pytest.param([], id="empty-list"), pytest.param(None, id="unanswered")]
)
def test_multiple_response_no_picks_earn_nothing(answer):
    assert fraction_of(multiple(right=2, wrong=2), answer) == 0


def test_multiple_response_with_no_right_option_earns_nothing():
    assert fraction_of(multiple(right=0, wrong=3), ["tok0"]) == 0
