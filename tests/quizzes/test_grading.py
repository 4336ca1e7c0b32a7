"""Pure grading: snapshot and display dicts built by hand, no database.

The dicts follow quizzes.snapshots: a display's `tokens[i]` is the opaque id of snapshot option
`i` and `order` is only the order the options were shown in, so every display here is shuffled
to prove grading never depends on it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.grading import Grade, grade, score_for, totals

# --- builders ---------------------------------------------------------------------------------


def option(text: str = "", *, correct: bool = False, match: str = "") -> dict[str, Any]:
    return {"text": text, "is_correct": correct, "feedback": "", "match": match}


def snapshot(
    kind: str, options: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "type": kind,
        "title": "Question",
        "stem": "<p>Stem</p>",
        "points": "1",
        "options": options or [],
        "numeric": None,
    }
    snap.update(extra)
    return snap


def choice_display(count: int, order: list[int] | None = None) -> dict[str, Any]:
    """Tokens `tok0`, `tok1`, ... for options 0, 1, ...; shown in reverse unless told."""
    return {
        "order": order if order is not None else list(reversed(range(count))),
        "tokens": [f"tok{i}" for i in range(count)],
    }


def single(correct: int = 1, count: int = 3, kind: str = "single_choice"):
    options = [option(f"Option {i}", correct=i == correct) for i in range(count)]
    return snapshot(kind, options), choice_display(count)


def multiple(right: int, wrong: int):
    """`right` correct options first (tok0..), then `wrong` incorrect ones."""
    options = [option(f"Right {i}", correct=True) for i in range(right)]
    options += [option(f"Wrong {i}") for i in range(wrong)]
    return snapshot("multiple_response", options), choice_display(right + wrong)


def numeric(answer: str, tolerance: str = "0", unit: str = ""):
    snap = snapshot("numeric", numeric={"answer": answer, "tolerance": tolerance, "unit": unit})
    return snap, {}


def ordering(count: int = 4):
    """Items in author (= correct) order; the display shows them shuffled."""
    options = [option(f"Step {i}") for i in range(count)]
    return snapshot("ordering", options), choice_display(count, order=[*range(1, count), 0])


def matching(pairs: list[tuple[str, str]]):
    """Options from (prompt, match) pairs; an empty prompt makes its match a distractor.

    Prompt tokens are `p<index>`; each distinct match text gets answer token `a:<text>`,
    the way make_display dedupes answers.
    """
    options = [option(text, match=match) for text, match in pairs]
    prompts = [i for i, (text, _) in enumerate(pairs) if text.strip()]
    answers = sorted({match for _, match in pairs}, reverse=True)
    display = {
        "prompts": list(reversed(prompts)),
        "prompt_tokens": {str(i): f"p{i}" for i in prompts},
        "answers": [[f"a:{text}", text] for text in answers],
    }
    return snapshot("matching", options), display


def short_answer(*accepted: str):
    return snapshot("short_answer", [option(text, correct=True) for text in accepted]), {}


def essay():
    return snapshot("essay", model_answer="Release the neck first.", rubric="2 points"), {}


def D(value: str) -> Decimal:
    return Decimal(value)


def fraction_of(built: tuple[dict[str, Any], dict[str, Any]], answer: Any) -> Decimal | None:
    snap, display = built
    return grade(snap, display, answer).fraction


CRANIAL_NERVES = [
    ("Facial nerve", "VII"),
    ("Trigeminal nerve", "V"),
    ("Vestibulocochlear nerve", "VIII"),
]
WITH_DISTRACTOR = [*CRANIAL_NERVES, ("", "IX")]


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


# --- numeric --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param("10", 1, id="exact"),
        pytest.param("10.0000", 1, id="exact-with-trailing-zeros"),
        pytest.param("1E+1", 1, id="exact-in-exponent-form"),
        pytest.param("10.2", 1, id="inside-above"),
        pytest.param("9.7", 1, id="inside-below"),
        pytest.param("10.5", 1, id="on-upper-bound"),
        pytest.param("9.5", 1, id="on-lower-bound"),
        pytest.param("10.5001", 0, id="just-above-upper-bound"),
        pytest.param("9.4999", 0, id="just-below-lower-bound"),
        pytest.param("-10", 0, id="wrong-sign"),
    ],
)
def test_numeric_answer_within_tolerance_bounds_inclusive(answer, expected):
    assert fraction_of(numeric("10", tolerance="0.5"), answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param("-3.5", 1, id="exact"),
        pytest.param("-3.6", 1, id="on-lower-bound"),
        pytest.param("-3.4", 1, id="on-upper-bound"),
        pytest.param("-3.61", 0, id="just-below"),
        pytest.param("3.5", 0, id="positive-twin"),
    ],
)
def test_numeric_negative_expected_value(answer, expected):
    assert fraction_of(numeric("-3.5", tolerance="0.1"), answer) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        pytest.param("7", 1, id="exact"),
        pytest.param("7.00", 1, id="exact-with-zeros"),
        pytest.param("7.0001", 0, id="a-ten-thousandth-above"),
        pytest.param("6.9999", 0, id="a-ten-thousandth-below"),
    ],
)
def test_numeric_zero_tolerance_needs_the_exact_value(answer, expected):
    assert fraction_of(numeric("7", tolerance="0"), answer) == expected


@pytest.mark.parametrize(
    ("expected_value", "tolerance", "answer", "expected"),
    [
        pytest.param("0.35", "0", "0.3500", 1, id="trailing-zeros-are-equal"),
        pytest.param("0.3500", "0", "0.35", 1, id="stored-with-zeros"),
        pytest.param("0.35", "0", "0.35000000001", 0, id="tiny-difference-counts"),
        pytest.param("0.3", "0.1", "0.4", 1, id="upper-bound-a-float-would-miss"),
        pytest.param("0.3", "0.1", "0.2", 1, id="lower-bound-exact-in-decimal"),
    ],
)
def test_numeric_compares_in_decimal_not_binary_float(expected_value, tolerance, answer, expected):
    assert fraction_of(numeric(expected_value, tolerance=tolerance), answer) == expected


def test_numeric_negative_tolerance_is_taken_as_its_size():
    assert fraction_of(numeric("10", tolerance="-0.5"), "10.5") == 1


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("ten", id="word"),
        pytest.param("", id="empty"),
        pytest.param("10 mm", id="unit-not-stripped"),
        pytest.param("1..0", id="two-points"),
        pytest.param("NaN", id="nan"),
        pytest.param("-nan", id="negative-nan"),
        pytest.param("sNaN", id="signalling-nan"),
        pytest.param("Infinity", id="infinity"),
        pytest.param("-Infinity", id="negative-infinity"),
        pytest.param("inf", id="inf"),
        pytest.param("1e-999999999", id="tiny-exponent"),
        pytest.param(None, id="unanswered"),
    ],
)
def test_numeric_non_numbers_earn_nothing_and_never_raise(answer):
    assert fraction_of(numeric("10", tolerance="0.5"), answer) == 0


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("1e999999999", id="huge-exponent"),
        pytest.param("-1E+1000000", id="huge-negative"),
    ],
)
def test_numeric_number_too_large_for_the_decimal_context_earns_nothing(answer):
    assert fraction_of(numeric("10", tolerance="0.5"), answer) == 0


def test_numeric_answer_that_is_not_a_string_earns_nothing():
    assert fraction_of(numeric("10"), [0, [1, 0], 0]) == 0


def test_numeric_snapshot_without_its_answer_earns_nothing():
    assert fraction_of((snapshot("numeric", numeric=None), {}), "10") == 0


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


# --- short answer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "answer"),
    [
        pytest.param("Facial nerve", "facial NERVE", id="case"),
        pytest.param("Straße", "STRASSE", id="casefold-not-just-lower"),
        pytest.param("Facial nerve", "  Facial nerve\t", id="surrounding-whitespace"),
        pytest.param("Facial nerve", "Facial \t\n  nerve", id="internal-whitespace"),
        pytest.param("Facial  nerve", "Facial nerve", id="pattern-whitespace-collapsed-too"),
        pytest.param("Facial nerve", "Facial\u00a0nerve", id="no-break-space"),
        pytest.param("VII", "\uff36\uff29\uff29", id="nfkc-full-width-letters"),
        pytest.param("VII", "\u2166", id="nfkc-roman-numeral-seven"),
        pytest.param("fibrillation", "\ufb01brillation", id="nfkc-ligature"),
        pytest.param("Café", "cafe\u0301", id="nfkc-combining-accent"),
    ],
)
def test_short_answer_compares_case_and_spacing_insensitively(accepted, answer):
    assert fraction_of(short_answer(accepted), answer) == 1


@pytest.mark.parametrize(
    ("accepted", "answer", "expected"),
    [
        pytest.param("*nerve", "facial nerve", 1, id="leading-wildcard"),
        pytest.param("*nerve", "nerve", 1, id="wildcard-matches-nothing-too"),
        pytest.param("facial*", "Facial nerve VII", 1, id="trailing-wildcard"),
        pytest.param("orbicularis*oculi", "Orbicularis oris et oculi", 1, id="middle-wildcard"),
        pytest.param(
            "orbicularis*oculi", "orbicularis oris", 0, id="middle-wildcard-needs-the-end"
        ),
        pytest.param("*", "anything at all", 1, id="lone-wildcard"),
        pytest.param("colo*r", "colour", 1, id="wildcard-inside-a-word"),
        pytest.param("*nerve", "nerves", 0, id="wildcard-does-not-extend-the-end"),
    ],
)
def test_short_answer_wildcard(accepted, answer, expected):
    assert fraction_of(short_answer(accepted), answer) == expected


@pytest.mark.parametrize(
    ("accepted", "answer", "expected"),
    [
        pytest.param("C++ (VII)", "c++ (vii)", 1, id="plus-and-brackets-literal"),
        pytest.param("C++ (VII)", "CCC (VII)", 0, id="plus-is-not-repetition"),
        pytest.param("C++ (VII)", "C++ VII", 0, id="brackets-are-not-a-group"),
        pytest.param("a.c", "abc", 0, id="dot-is-not-any-character"),
        pytest.param("a.c", "A.C", 1, id="dot-literal"),
        pytest.param("[VII]", "V", 0, id="square-brackets-not-a-class"),
        pytest.param("^VII$", "^vii$", 1, id="anchors-literal"),
        pytest.param("a|b", "a", 0, id="pipe-not-alternation"),
        pytest.param("\\d", "\\D", 1, id="backslash-literal"),
        pytest.param("C++*", "c++ seventh", 1, id="metacharacters-beside-a-wildcard"),
    ],
)
def test_short_answer_regex_metacharacters_match_literally(accepted, answer, expected):
    assert fraction_of(short_answer(accepted), answer) == expected


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param("facial", id="prefix"),
        pytest.param("nerve", id="suffix"),
        pytest.param("the facial nerve", id="inside-a-longer-answer"),
        pytest.param("facial nerves", id="one-letter-more"),
    ],
)
def test_short_answer_no_partial_match_without_a_wildcard(answer):
    assert fraction_of(short_answer("Facial nerve"), answer) == 0


def test_short_answer_numeral_is_not_a_partial_match_of_a_longer_one():
    assert fraction_of(short_answer("VII"), "VIII") == 0


def test_short_answer_any_accepted_answer_earns_full_credit():
    built = short_answer("Facial nerve", "CN VII", "Nervus facialis")
    assert fraction_of(built, "cn vii") == 1
    assert fraction_of(built, "CN V") == 0


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(None, id="unanswered"),
        pytest.param("", id="empty"),
        pytest.param("   \t\n", id="whitespace"),
    ],
)
def test_short_answer_empty_answer_earns_nothing(answer):
    assert fraction_of(short_answer("*"), answer) == 0


def test_short_answer_blank_accepted_answer_accepts_nothing():
    assert fraction_of(short_answer("   ", ""), "anything") == 0


# --- essay ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer", [pytest.param("Release the neck first.", id="text"), pytest.param(" x ", id="short")]
)
def test_essay_with_text_waits_for_an_instructor(answer):
    snap, display = essay()
    assert grade(snap, display, answer) == Grade(None, needs_grading=True)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(None, id="unanswered"),
        pytest.param("", id="empty"),
        pytest.param(" \n\t ", id="whitespace"),
    ],
)
def test_essay_empty_earns_nothing_and_waits_for_no_one(answer):
    snap, display = essay()
    assert grade(snap, display, answer) == Grade(Decimal(0), needs_grading=False)


# --- score_for and totals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "fraction", "expected"),
    [
        pytest.param("1", "1", "1.00", id="full"),
        pytest.param("2", "0", "0.00", id="nothing"),
        pytest.param("1", "0.6667", "0.67", id="rounded-up-to-cents"),
        pytest.param("1", "0.3333", "0.33", id="rounded-down-to-cents"),
        pytest.param("3", "0.3333", "1.00", id="thirds-of-three-points"),
        pytest.param("0.25", "0.5", "0.13", id="half-cent-rounds-up"),
        pytest.param("2.5", "0.5", "1.25", id="fractional-points"),
    ],
)
def test_score_for_rounds_to_cents_half_up(points, fraction, expected):
    score = score_for(Decimal(points), Decimal(fraction))
    assert str(score) == expected


def test_score_for_pending_fraction_is_pending():
    assert score_for(Decimal(5), None) is None


def test_totals_add_scores_and_maxima_in_cents():
    result = totals([(D("1"), D("1")), (D("0.5"), D("1")), (D("0"), D("2"))], pass_mark=50)
    assert (str(result.score), str(result.max_score), str(result.percent)) == (
        "1.50",
        "4.00",
        "37.50",
    )
    assert result.passed is False


@pytest.mark.parametrize(
    ("earned", "maximum", "percent"),
    [
        pytest.param("2", "3", "66.67", id="two-thirds-up"),
        pytest.param("1", "3", "33.33", id="one-third-down"),
        pytest.param("1", "32", "3.13", id="half-rounds-up"),
        pytest.param("1", "6", "16.67", id="one-sixth"),
        pytest.param("3", "3", "100.00", id="all"),
    ],
)
def test_totals_percent_is_rounded_to_cents(earned, maximum, percent):
    assert str(totals([(D(earned), D(maximum))], pass_mark=0).percent) == percent


@pytest.mark.parametrize(
    ("earned", "passed"),
    [
        pytest.param("7", True, id="exactly-at-the-pass-mark"),
        pytest.param("6.99", False, id="a-cent-below"),
        pytest.param("7.01", True, id="a-cent-above"),
    ],
)
def test_totals_pass_exactly_at_the_pass_mark(earned, passed):
    assert totals([(D(earned), D("10"))], pass_mark=70).passed is passed


def test_totals_pending_score_leaves_passed_undecided():
    result = totals([(None, D("2")), (D("1"), D("1")), (D("1"), D("1"))], pass_mark=10)
    assert result.passed is None
    assert (result.score, result.max_score, result.percent) == (D("2"), D("4"), D("50"))


@pytest.mark.parametrize(
    "scores",
    [pytest.param([], id="no-questions"), pytest.param([(D("0"), D("0"))], id="zero-points")],
)
def test_totals_zero_maximum_gives_zero_percent(scores):
    result = totals(scores, pass_mark=70)
    assert result.percent == 0
    assert result.max_score == 0


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
