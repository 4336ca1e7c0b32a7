"""Reading the attempt form: QueryDict in, the normalised answer grading expects out.

No database: snapshots and displays are dicts built by hand (see quizzes.snapshots for their
shapes); form field names follow quizzes/includes/question.html.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.http import QueryDict

from quizzes.answers import AnswerError, MalformedAnswer, parse_answer, positions_in
from quizzes.grading import grade

POSITION = 3
NAME = f"q{POSITION}"
TOKENS = ["Xa1_b2", "Yc3-d4", "Ze5f6g"]


# --- builders ---------------------------------------------------------------------------------


def option(text: str = "", *, correct: bool = False, match: str = "") -> dict[str, Any]:
    return {"text": text, "is_correct": correct, "feedback": "", "match": match}


def snapshot(
    kind: str, options: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "type": kind,
        "stem": "",
        "points": "1",
        "options": options or [],
        "numeric": None,
    }
    snap.update(extra)
    return snap


def choice(kind: str = "single_choice"):
    count = 2 if kind == "true_false" else 3
    options = [option(f"Option {i}", correct=i == 0) for i in range(count)]
    return snapshot(kind, options), {
        "order": list(reversed(range(count))),
        "tokens": TOKENS[:count],
    }


def numeric(unit: str = ""):
    return snapshot("numeric", numeric={"answer": "10", "tolerance": "0", "unit": unit}), {}


def text(kind: str):
    return snapshot(kind, [option("facial*", correct=True)] if kind == "short_answer" else []), {}


def ordering():
    options = [option(f"Step {i}") for i in range(3)]
    return snapshot("ordering", options), {"order": [2, 0, 1], "tokens": TOKENS}


def matching():
    pairs = [("Facial nerve", "VII"), ("Trigeminal nerve", "V"), ("", "IX")]
    options = [option(prompt, match=match) for prompt, match in pairs]
    display = {
        "prompts": [1, 0],
        "prompt_tokens": {"0": "pA", "1": "pB"},
        "answers": [["aIX", "IX"], ["aV", "V"], ["aVII", "VII"]],
    }
    return snapshot("matching", options), display


def form(fields: dict[str, str | list[str]] | None = None, *, shown: bool = True) -> QueryDict:
    """A submitted attempt form; every question on the page posts its `-shown` marker."""
    data = QueryDict(mutable=True)
    if shown:
        data[f"{NAME}-shown"] = "1"
    for key, value in (fields or {}).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def parse(
    built: tuple[dict[str, Any], dict[str, Any]], fields: dict[str, Any] | None = None
) -> Any:
    snap, display = built
    return parse_answer(snap, display, form(fields), POSITION)


ALL_KINDS = [
    "single_choice",
    "true_false",
    "multiple_response",
    "numeric",
    "ordering",
    "matching",
    "short_answer",
    "essay",
]


def built_for(kind: str):
    if kind in ("single_choice", "true_false", "multiple_response"):
        return choice(kind)
    if kind == "numeric":
        return numeric()
    if kind == "ordering":
        return ordering()
    if kind == "matching":
        return matching()
    return text(kind)


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


# --- positions_in ---------------------------------------------------------------------------


def test_positions_in_reads_answer_place_and_shown_fields():
    data = QueryDict(mutable=True)
    data.update({"q1": "x", "q2-shown": "1", "q12-Xa1_b2": "2", "q7-pA": "aV"})
    assert positions_in(data) == {1, 2, 7, 12}


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("csrfmiddlewaretoken", id="csrf-token"),
        pytest.param("q", id="no-number"),
        pytest.param("qx", id="letters"),
        pytest.param("quiz", id="word-starting-with-q"),
        pytest.param("Q1", id="capital"),
        pytest.param("q1-", id="dash-without-suffix"),
        pytest.param("xq1", id="prefix"),
        pytest.param("q-1", id="negative"),
        pytest.param("action", id="other-field"),
    ],
)
def test_positions_in_ignores_other_fields(key):
    data = QueryDict(mutable=True)
    data[key] = "1"
    assert positions_in(data) == set()


def test_positions_in_empty_form_has_no_positions():
    assert positions_in(QueryDict()) == set()


def test_positions_in_absurdly_long_position_is_tampering_not_a_crash():
    data = QueryDict(mutable=True)
    data["q" + "9" * 5000] = "1"
    try:
        positions = positions_in(data)
    except MalformedAnswer:
        return
    assert all(isinstance(p, int) for p in positions)


# --- the big list of naughty strings ----------------------------------------------------------


@pytest.fixture
def naughty_strings(corpora) -> list[str]:
    path = corpora / "blns.json"
    if not path.is_file():
        pytest.skip(f"naughty strings corpus not found at {path}")
    strings = json.loads(path.read_text(encoding="utf-8"))
    assert len(strings) > 100
    return strings


def _parse_outcome(kind: str, value: str) -> Any:
    try:
        return parse(text(kind), {NAME: value})
    except (AnswerError, MalformedAnswer) as exc:
        return exc


def test_naughty_strings_parse_as_short_answers_trimmed_or_are_refused(naughty_strings):
    wrong = {}
    for value in naughty_strings:
        outcome = _parse_outcome("short_answer", value)
        if not isinstance(outcome, ValueError) and outcome != (value.strip() or None):
            wrong[value] = outcome
    assert wrong == {}


def test_naughty_strings_parse_as_essays_as_typed_or_are_refused(naughty_strings):
    wrong = {}
    for value in naughty_strings:
        outcome = _parse_outcome("essay", value)
        if not isinstance(outcome, ValueError) and outcome != (value.rstrip() or None):
            wrong[value] = outcome
    assert wrong == {}


def test_naughty_strings_parse_as_numbers_or_are_refused(naughty_strings):
    wrong = {}
    for value in naughty_strings:
        try:
            outcome = parse(numeric(), {NAME: value})
        except (AnswerError, MalformedAnswer):
            continue
        if outcome is not None and not isinstance(outcome, str):
            wrong[value] = outcome
    assert wrong == {}


@pytest.mark.parametrize("kind", ["short_answer", "essay", "numeric", "single_choice"])
def test_naughty_strings_grade_without_raising(naughty_strings, kind):
    snap, display = built_for(kind)
    fractions = {grade(snap, display, value).fraction for value in naughty_strings}
    assert fractions <= {0, 1, None}
    assert None not in fractions or kind == "essay"


def test_naughty_strings_accepted_as_short_answers_accept_themselves(naughty_strings):
    refused = []
    for value in naughty_strings:
        if not value.strip():
            continue
        snap, display = snapshot("short_answer", [option(value, correct=True)]), {}
        if grade(snap, display, value).fraction != 1:
            refused.append(value)
    assert refused == []
