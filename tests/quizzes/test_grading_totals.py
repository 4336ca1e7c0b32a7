"""Scores and totals: rounding, pass marks, pending essays (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quizzes.grading import score_for, totals
from tests.quizzes.grading_builders import (
    D,
)

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
