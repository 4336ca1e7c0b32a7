"""Pure grading of ordering and matching answers (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizzes.grading import grade
from tests.quizzes.grading_builders import (
    WITH_DISTRACTOR,
    fraction_of,
    matching,
    ordering,
)

# --- ordering -------------------------------------------------------------------------------


def test_ordering_all_items_in_place_earn_full_credit():
    assert fraction_of(ordering(4), ["tok0", "tok1", "tok2", "tok3"]) == 1


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(["tok1", "tok0", "tok2", "tok3"], Decimal("0.5"), id="first-two-swapped"),
        pytest.param(["tok0", "tok2", "tok3", "tok1"], Decimal("0.25"), id="one-in-place"),
        pytest.param(["tok3", "tok0", "tok1", "tok2"], Decimal(0), id="all-shifted-by-one"),
    ],
)
def test_ordering_earns_the_fraction_of_items_in_place(answer, expected):
    assert fraction_of(ordering(4), answer) == expected


def test_ordering_reversed_earns_nothing_with_an_even_count():
    assert fraction_of(ordering(4), ["tok3", "tok2", "tok1", "tok0"]) == 0


def test_ordering_reversed_keeps_the_middle_item_with_an_odd_count():
    assert fraction_of(ordering(3), ["tok2", "tok1", "tok0"]) == Decimal("0.3333")


@pytest.mark.parametrize(
    "answer", [pytest.param(None, id="unanswered"), pytest.param([], id="empty-list")]
)
def test_ordering_unanswered_earns_nothing(answer):
    assert fraction_of(ordering(4), answer) == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param(["tok0", "tok1"], Decimal("0.5"), id="too-short"),
        pytest.param(["tok0", "tok1", "tok2", "tok3", "tok0", "x"], Decimal(1), id="too-long"),
        pytest.param(["tok0"] * 4, Decimal("0.25"), id="one-item-repeated"),
        pytest.param(["a", "b", "c", "d"], Decimal(0), id="unknown-tokens"),
    ],
)
def test_ordering_wrong_length_lists_do_not_raise(answer, expected):
    assert fraction_of(ordering(4), answer) == expected


# --- matching -------------------------------------------------------------------------------


def test_matching_all_prompts_right_earn_full_credit():
    answer = {"p0": "a:VII", "p1": "a:V", "p2": "a:VIII"}
    assert fraction_of(matching(WITH_DISTRACTOR), answer) == 1


def test_matching_some_prompts_right_earn_their_fraction():
    answer = {"p0": "a:VII", "p1": "a:VIII", "p2": "a:V"}
    assert fraction_of(matching(WITH_DISTRACTOR), answer) == Decimal("0.3333")


def test_matching_unanswered_prompts_count_as_wrong():
    assert fraction_of(matching(WITH_DISTRACTOR), {"p0": "a:VII", "p1": "a:V"}) == Decimal("0.6667")


def test_matching_distractor_chosen_is_wrong():
    answer = {"p0": "a:IX", "p1": "a:V", "p2": "a:VIII"}
    assert fraction_of(matching(WITH_DISTRACTOR), answer) == Decimal("0.6667")


def test_matching_distractor_is_not_a_prompt():
    built = matching(WITH_DISTRACTOR)
    assert "3" not in built[1]["prompt_tokens"]
    assert fraction_of(built, {"p0": "a:VII", "p1": "a:V", "p2": "a:VIII", "p3": "a:IX"}) == 1


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(None, id="unanswered"),
        pytest.param({}, id="empty-dict"),
        pytest.param({"p0": "zzz", "p1": "", "p2": "VIII"}, id="unknown-answer-tokens"),
        pytest.param({"VII": "a:VII"}, id="unknown-prompt-token"),
    ],
)
def test_matching_unanswered_or_unknown_tokens_earn_nothing(answer):
    assert fraction_of(matching(WITH_DISTRACTOR), answer) == 0


def test_matching_prompts_sharing_a_match_text_share_its_answer():
    built = matching(
        [("Facial nerve", "VII"), ("Nervus facialis", "VII"), ("Trigeminal nerve", "V")]
    )
    assert [token for token, _ in built[1]["answers"]] == ["a:VII", "a:V"]
    assert fraction_of(built, {"p0": "a:VII", "p1": "a:VII", "p2": "a:V"}) == 1


def test_matching_duplicated_answer_texts_count_whichever_token_is_chosen():
    snap, _ = matching(
        [("Facial nerve", "VII"), ("Nervus facialis", "VII"), ("Trigeminal nerve", "V")]
    )
    two_tokens_same_text = {
        "prompts": [0, 1, 2],
        "prompt_tokens": {"0": "p0", "1": "p1", "2": "p2"},
        "answers": [["first", "VII"], ["second", "VII"], ["five", "V"]],
    }
    crossed = {"p0": "second", "p1": "first", "p2": "five"}
    assert grade(snap, two_tokens_same_text, crossed).fraction == 1
