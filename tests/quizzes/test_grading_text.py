"""Pure grading of short answers and essays (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizzes.grading import Grade, grade
from tests.quizzes.grading_builders import (
    essay,
    fraction_of,
    short_answer,
)

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
