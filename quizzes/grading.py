"""Pure grading: a question snapshot, its display and an answer in; a fraction of credit out.

No database, no request, no clock. Answers arrive already normalised by quizzes.answers:

| type | answer |
| --- | --- |
| single_choice, true_false | option token |
| multiple_response | list of option tokens |
| numeric | decimal string |
| ordering | list of item tokens, in the trainee's order |
| matching | {prompt token: answer token} |
| short_answer, essay | text as typed |

`None` means not answered, which earns nothing. The snapshot, display and answer shapes are
defined in quizzes.contracts.

Credits (snapshot version 4): an option may carry its own `fraction` (-1..1, Moodle's grade).
A chosen single choice earns its fraction; a multiple response earns the sum of the chosen
options' fractions; a short answer earns the best fraction among the accepted answers it
matches; each result is clamped to 0..1. An option without a fraction earns what its
`is_correct` says under the rule below, so snapshots without credits grade exactly as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, DecimalException
from typing import Any

from quizzes.contracts import Display, QuestionKind, QuestionSnapshot, SnapshotOption

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
FRACTION_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Grade:
    """Credit for one answer: a fraction 0..1, or None while an instructor must grade it."""

    fraction: Decimal | None
    needs_grading: bool = False


@dataclass(frozen=True)
class Totals:
    score: Decimal
    max_score: Decimal
    percent: Decimal
    passed: bool | None  # None while any answer awaits grading
    critical_missed: int = 0  # critical questions graded below full credit


def token_index(display: Display) -> dict[str, int]:
    """Option token -> option index in the snapshot."""
    return {token: i for i, token in enumerate(display.get("tokens", []))}


def _clamp(value: Decimal) -> Decimal:
    return min(ONE, max(ZERO, value)).quantize(FRACTION_PLACES, rounding=ROUND_HALF_UP)


def option_fraction(option: SnapshotOption) -> Decimal | None:
    """The option's own credit (-1..1) when the snapshot sets one, else None."""
    value = option.get("fraction")
    if value is None:
        return None
    try:
        fraction = Decimal(value)
    except (DecimalException, TypeError, ValueError):
        return None
    return fraction if fraction.is_finite() else None


def has_fractions(snapshot: QuestionSnapshot) -> bool:
    """Whether any option of the snapshot carries its own credit."""
    return any(option_fraction(o) is not None for o in snapshot["options"])


def grade_single(snapshot: QuestionSnapshot, display: Display, answer: str | None) -> Grade:
    """The chosen option's credit when it has one (clamped 0..1), else 1 if it is correct."""
    if answer is None:
        return Grade(ZERO)
    index = token_index(display).get(answer)
    if index is None:
        return Grade(ZERO)
    option = snapshot["options"][index]
    fraction = option_fraction(option)
    if fraction is not None:
        return Grade(_clamp(fraction))
    return Grade(ONE if option["is_correct"] else ZERO)


def grade_multiple(snapshot: QuestionSnapshot, display: Display, answer: list[str] | None) -> Grade:
    """Each right pick earns 1/(number right); each wrong pick takes as much away; floor 0.

    With credits set (Moodle's rule): the sum of the chosen options' credits, clamped to 0..1;
    an option without one counts +1/(number right) if correct and -1/(number right) if not.
    """
    options = snapshot["options"]
    right = sum(1 for o in options if o["is_correct"])
    if not answer:
        return Grade(ZERO)
    indexes = token_index(display)
    picked = {indexes[t] for t in answer if t in indexes}
    if has_fractions(snapshot):
        share = ONE / right if right else ZERO
        total = ZERO
        for i in picked:
            credit = option_fraction(options[i])
            if credit is None:
                credit = share if options[i]["is_correct"] else -share
            total += credit
        return Grade(_clamp(total))
    if right == 0:
        return Grade(ZERO)
    hits = sum(1 for i in picked if options[i]["is_correct"])
    misses = len(picked) - hits
    return Grade(_clamp(Decimal(hits - misses) / Decimal(right)))


def grade_numeric(snapshot: QuestionSnapshot, display: Display, answer: str | None) -> Grade:
    """Correct when |answer - expected| <= tolerance (bounds included)."""
    if answer is None:
        return Grade(ZERO)
    numeric = snapshot.get("numeric")
    if numeric is None:
        return Grade(ZERO)
    try:
        given = Decimal(answer)
        expected = Decimal(numeric["answer"])
        tolerance = abs(Decimal(numeric["tolerance"]))
        if not given.is_finite():
            return Grade(ZERO)
        return Grade(ONE if abs(given - expected) <= tolerance else ZERO)
    except (DecimalException, KeyError, TypeError):
        return Grade(ZERO)


def grade_ordering(snapshot: QuestionSnapshot, display: Display, answer: list[str] | None) -> Grade:
    """Credit for each item in its correct place."""
    count = len(snapshot["options"])
    if not answer or count == 0:
        return Grade(ZERO)
    indexes = token_index(display)
    placed = sum(1 for place, token in enumerate(answer) if indexes.get(token) == place)
    return Grade(_clamp(Decimal(placed) / Decimal(count)))


def grade_matching(
    snapshot: QuestionSnapshot, display: Display, answer: dict[str, str] | None
) -> Grade:
    """Credit for each prompt paired with its own match."""
    prompts = display.get("prompts", [])
    if not answer or not prompts:
        return Grade(ZERO)
    answer_text = {token: text for token, text in display.get("answers", [])}
    options = snapshot["options"]
    right = sum(
        1
        for index in prompts
        if answer_text.get(answer.get(display["prompt_tokens"][str(index)], ""))
        == options[index]["match"]
    )
    return Grade(_clamp(Decimal(right) / Decimal(len(prompts))))


def normalise_text(text: str, *, case_sensitive: bool = False) -> str:
    """Case-folded (unless case matters), accents and spacing made uniform: the form short
    answers are compared in."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    return text if case_sensitive else text.casefold()


def matches_pattern(text: str, pattern: str, *, case_sensitive: bool = False) -> bool:
    """Whole-answer match, case-insensitive unless asked; `*` in the pattern matches any run of
    characters."""
    parts = [
        re.escape(part)
        for part in normalise_text(pattern, case_sensitive=case_sensitive).split("*")
    ]
    given = normalise_text(text, case_sensitive=case_sensitive)
    return re.fullmatch(".*".join(parts), given, flags=re.DOTALL) is not None


def grade_short_answer(snapshot: QuestionSnapshot, display: Display, answer: str | None) -> Grade:
    """The best credit among the accepted answers the text matches (an accepted answer without
    its own credit earns full marks); upper and lower case count when the question says so."""
    if not answer or not answer.strip():
        return Grade(ZERO)
    case_sensitive = bool(snapshot.get("case_sensitive", False))
    best: Decimal | None = None
    for option in snapshot["options"]:
        if not option["text"].strip():
            continue
        if matches_pattern(answer, option["text"], case_sensitive=case_sensitive):
            credit = option_fraction(option)
            credit = ONE if credit is None else credit
            best = credit if best is None else max(best, credit)
    return Grade(ZERO if best is None else _clamp(best))


def grade_essay(snapshot: QuestionSnapshot, display: Display, answer: str | None) -> Grade:
    """An essay waits for an instructor; an empty one earns nothing and waits for no one."""
    if not answer or not answer.strip():
        return Grade(ZERO)
    return Grade(None, needs_grading=True)


@dataclass(frozen=True)
class RubricScale:
    """The scale an essay is marked on: `total` rubric points, of which `pass_points` pass."""

    total: Decimal
    pass_points: Decimal | None = None


def rubric_scale(snapshot: QuestionSnapshot) -> RubricScale:
    """The essay's rubric scale as frozen in its snapshot.

    Snapshots taken before questions had a rubric total (version 1) were marked on the
    question's own points, and still are.
    """
    total = snapshot.get("rubric_points")
    if not total:
        return RubricScale(Decimal(snapshot["points"]))
    pass_points = snapshot.get("rubric_pass_points")
    return RubricScale(Decimal(total), Decimal(pass_points) if pass_points else None)


def rubric_credit(scale: RubricScale, awarded: Decimal, weight: Decimal) -> tuple[Decimal, Decimal]:
    """(fraction, score) for a mark of `awarded` rubric points, counted at `weight` in the quiz.

    The caller has checked 0 <= awarded <= scale.total.
    """
    share = awarded / scale.total
    return (
        share.quantize(FRACTION_PLACES, rounding=ROUND_HALF_UP),
        (weight * share).quantize(CENT, rounding=ROUND_HALF_UP),
    )


GRADERS: dict[QuestionKind, Callable[[QuestionSnapshot, Display, Any], Grade]] = {
    "single_choice": grade_single,
    "true_false": grade_single,
    "multiple_response": grade_multiple,
    "numeric": grade_numeric,
    "ordering": grade_ordering,
    "matching": grade_matching,
    "short_answer": grade_short_answer,
    "essay": grade_essay,
}


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# The normalised shape of an answer per type; anything else is not an answer we produce.
SHAPES: dict[QuestionKind, Callable[[Any], bool]] = {
    "single_choice": lambda a: isinstance(a, str),
    "true_false": lambda a: isinstance(a, str),
    "multiple_response": _is_text_list,
    "numeric": lambda a: isinstance(a, str),
    "ordering": _is_text_list,
    "matching": lambda a: (
        isinstance(a, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in a.items())
    ),
    "short_answer": lambda a: isinstance(a, str),
    "essay": lambda a: isinstance(a, str),
}


def grade(snapshot: QuestionSnapshot, display: Display, answer: Any) -> Grade:
    """Grade one answer against the question exactly as the trainee saw it.

    An answer not in its type's normalised shape (see the module docstring) earns nothing.
    """
    kind = snapshot["type"]
    if answer is not None and not SHAPES[kind](answer):
        return Grade(ZERO)
    return GRADERS[kind](snapshot, display, answer)


def score_for(points: Decimal, fraction: Decimal | None) -> Decimal | None:
    """Points earned, to the cent."""
    if fraction is None:
        return None
    return (points * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def is_critical(snapshot: QuestionSnapshot) -> bool:
    """Whether the question was critical when it was frozen (snapshots before version 3: no)."""
    return bool(snapshot.get("critical", False))


def misses_critical(score: Decimal | None, max_score: Decimal) -> bool:
    """A graded critical question that did not earn full credit (pending is not a miss yet)."""
    return score is not None and score < max_score


def totals(
    scores: Iterable[tuple[Decimal | None, Decimal]],
    pass_mark: int,
    *,
    critical: Iterable[tuple[Decimal | None, Decimal]] = (),
) -> Totals:
    """Attempt totals from (score, max) pairs: the one place an attempt's `passed` is decided.

    `critical` holds the (score, max) pairs of the questions the attempt must get fully right
    (quizzes.lifecycle.attempt_totals picks them by the attempt's own copied rule): one graded
    below full credit fails the attempt whatever its score. `passed` stays None while any score
    is pending, even once a critical question is missed, so an essay is still graded and the
    attempt closes once, when everything is marked.
    """
    missed = sum(1 for score, max_score in critical if misses_critical(score, max_score))
    pending = False
    earned = ZERO
    maximum = ZERO
    for score, max_score in scores:
        maximum += max_score
        if score is None:
            pending = True
        else:
            earned += score
    percent = (earned * 100 / maximum).quantize(CENT, rounding=ROUND_HALF_UP) if maximum else ZERO
    # Compare exactly, not the rounded percent: 69.995% must not pass a 70% mark.
    passed = None if pending else earned * 100 >= Decimal(pass_mark) * maximum and not missed
    return Totals(earned.quantize(CENT), maximum.quantize(CENT), percent, passed, missed)
