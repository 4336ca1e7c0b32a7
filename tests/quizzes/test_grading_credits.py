"""Grading with per-option credits (snapshot version 4) and case-sensitive short answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from quizzes.grading import grade
from quizzes.models.validation import validate_options
from tests.quizzes.grading_builders import choice_display, option, snapshot


def credited(text: str, fraction: str | None, correct: bool = False) -> dict:
    row = option(text, correct=correct)
    if fraction is not None:
        row["fraction"] = fraction
    return row


def test_single_choice_earns_the_chosen_credit():
    snap = snapshot(
        "single_choice",
        [credited("a", "1", True), credited("b", "0.5"), credited("c", "-0.3")],
    )
    display = choice_display(3)
    assert grade(snap, display, "tok0").fraction == 1
    assert grade(snap, display, "tok1").fraction == Decimal("0.5")
    assert grade(snap, display, "tok2").fraction == 0  # clamped


def test_multiple_response_sums_credits_clamped():
    snap = snapshot(
        "multiple_response",
        [credited("a", "0.7", True), credited("b", "0.3", True), credited("c", "-1")],
    )
    display = choice_display(3)
    assert grade(snap, display, ["tok0"]).fraction == Decimal("0.7")
    assert grade(snap, display, ["tok0", "tok1"]).fraction == 1
    assert grade(snap, display, ["tok0", "tok2"]).fraction == 0


def test_multiple_response_option_without_credit_counts_by_the_old_rule():
    snap = snapshot(
        "multiple_response",
        [credited("a", "0.5", True), credited("b", None, True), credited("c", None)],
    )
    display = choice_display(3)
    assert grade(snap, display, ["tok0", "tok1"]).fraction == 1
    assert grade(snap, display, ["tok1", "tok2"]).fraction == 0


def test_short_answer_best_credit_and_case():
    options = [credited("Orbicularis oculi", None, True), credited("orbic*", "0.5")]
    snap = snapshot("short_answer", options)
    assert grade(snap, {}, "orbicularis OCULI").fraction == 1
    assert grade(snap, {}, "orbicularis").fraction == Decimal("0.5")
    sensitive = snapshot("short_answer", options, case_sensitive=True)
    assert grade(sensitive, {}, "Orbicularis OCULI").fraction == 0
    assert grade(sensitive, {}, "orbicularis OCULI").fraction == Decimal("0.5")
    assert grade(sensitive, {}, "Orbicularis oculi").fraction == 1


def test_snapshots_without_credits_grade_as_before():
    snap = snapshot(
        "multiple_response", [option("a", correct=True), option("b", correct=True), option("c")]
    )
    display = choice_display(3)
    assert grade(snap, display, ["tok0", "tok2"]).fraction == 0
    assert grade(snap, display, ["tok0"]).fraction == Decimal("0.5")


def rows(*specs):
    return [
        {
            "text": t,
            "is_correct": c,
            "feedback": "why",
            "fraction": None if f is None else Decimal(f),
        }
        for t, c, f in specs
    ]


def test_validation_accepts_imported_shapes():
    validate_options(
        "single_choice", rows(("a", True, "1"), ("b", False, "0.5"), ("c", False, "0")), {}
    )
    validate_options(
        "multiple_response", rows(("a", True, "0.5"), ("b", True, "0.5"), ("c", False, "-1")), {}
    )
    validate_options(
        "multiple_response",
        rows(("a", True, "0.3333333"), ("b", True, "0.3333333"), ("c", True, "0.3333333")),
        {},
    )


@pytest.mark.parametrize(
    "kind, specs",
    [
        ("single_choice", (("a", True, "0.5"), ("b", False, "0"))),
        ("single_choice", (("a", True, "1"), ("b", False, "1"))),
        ("multiple_response", (("a", True, "0.5"), ("b", True, "0.2"), ("c", False, "0"))),
    ],
)
def test_validation_refuses_credits_that_do_not_fit(kind, specs):
    with pytest.raises(ValidationError):
        validate_options(kind, rows(*specs), {})
