"""Pure grading of numeric answers: tolerance, sign, decimals, nonsense (no database)."""

from __future__ import annotations

import pytest

from tests.quizzes.grading_builders import (
    fraction_of,
    numeric,
    snapshot,
)

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
