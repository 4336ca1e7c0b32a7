"""Reading a trainee's answers from a submitted form into the normalised form grading expects.

Two kinds of bad input: `AnswerError` is a mistake a trainee can fix (a word in a number field,
two items given the same place), shown beside the question; `MalformedAnswer` is input no page
of ours sends (unknown ids, a question not in the attempt) and gets 400. Either way nothing is
saved.
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException

from django.http import QueryDict

from quizzes.contracts import Answer, Display, QuestionSnapshot
from quizzes.models import CHOICE_TYPES, QuestionType

FIELD = re.compile(r"^q(\d+)(?:-(.+))?$")
MAX_POSITION_DIGITS = 4
MAX_SHORT_ANSWER = 500
MAX_ESSAY = 20_000
MAX_NUMBER = Decimal("1e9")


class AnswerError(ValueError):
    """The trainee can fix this answer; the message says how."""


class MalformedAnswer(ValueError):
    """The request does not come from our form (tampered ids, unknown questions)."""


def field_name(position: int) -> str:
    return f"q{position}"


def positions_in(data: QueryDict) -> set[int]:
    """The question positions a form carries answers for."""
    found: set[int] = set()
    for key in data:
        match = FIELD.match(key)
        if match:
            if len(match.group(1)) > MAX_POSITION_DIGITS:
                raise MalformedAnswer(f"{key[:20]}…: no such question")
            found.add(int(match.group(1)))
    return found


def decimal_text(number: Decimal) -> str:
    """A decimal as people write it: '10', '0.35', never '1E+1'."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _one(data: QueryDict, name: str) -> str:
    values = data.getlist(name)
    if len(values) > 1:
        raise MalformedAnswer(f"{name}: more than one value")
    return values[0] if values else ""


def parse_answer(
    snapshot: QuestionSnapshot, display: Display, data: QueryDict, position: int
) -> Answer:
    """The normalised answer for the question at `position`, or None when left blank."""
    name = field_name(position)
    kind = snapshot["type"]
    tokens = display.get("tokens", [])

    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE):
        value = _one(data, name)
        if not value:
            return None
        if value not in tokens:
            raise MalformedAnswer(f"{name}: unknown option")
        return value

    if kind == QuestionType.MULTIPLE_RESPONSE:
        values = data.getlist(name)
        if any(v not in tokens for v in values):
            raise MalformedAnswer(f"{name}: unknown option")
        return sorted(set(values)) or None

    if kind == QuestionType.NUMERIC:
        text = _one(data, name).strip()
        if not text:
            return None
        numeric = snapshot.get("numeric")
        unit = numeric.get("unit", "") if numeric else ""
        if unit and text.lower().endswith(unit.lower()):
            text = text[: -len(unit)].strip()
        try:
            number = Decimal(text.replace(",", ".").replace(" ", ""))
            if not number.is_finite() or number.adjusted() >= MAX_NUMBER.adjusted():
                raise AnswerError("Enter a number, for example 10 or 2.5.")
        except DecimalException:
            raise AnswerError("Enter a number, for example 10 or 2.5.") from None
        return decimal_text(number)

    if kind in (QuestionType.SHORT_ANSWER, QuestionType.ESSAY):
        # Browsers count a line break as one character against maxlength but send two.
        text = _one(data, name).replace("\r\n", "\n")
        limit = MAX_SHORT_ANSWER if kind == QuestionType.SHORT_ANSWER else MAX_ESSAY
        if len(text) > limit:
            raise AnswerError(f"Keep the answer to at most {limit:,} characters.")
        if "\x00" in text:
            raise MalformedAnswer(f"{name}: NUL character")
        text = text.strip() if kind == QuestionType.SHORT_ANSWER else text.rstrip()
        return text or None

    if kind == QuestionType.ORDERING:
        ranks = {token: _one(data, f"{name}-{token}").strip() for token in tokens}
        filled = {t: r for t, r in ranks.items() if r}
        if not filled:
            return None
        if len(filled) < len(tokens):
            raise AnswerError("Give every item a place.")
        try:
            numbers = {t: int(r) for t, r in filled.items()}
        except ValueError:
            raise MalformedAnswer(f"{name}: place is not a number") from None
        if sorted(numbers.values()) != list(range(1, len(tokens) + 1)):
            if all(1 <= n <= len(tokens) for n in numbers.values()):
                raise AnswerError("Give each item a different place.")
            raise MalformedAnswer(f"{name}: place out of range")
        return [t for t, _ in sorted(numbers.items(), key=lambda item: item[1])]

    if kind == QuestionType.MATCHING:
        answer_tokens = {token for token, _ in display.get("answers", [])}
        pairs: dict[str, str] = {}
        for prompt_token in display.get("prompt_tokens", {}).values():
            chosen = _one(data, f"{name}-{prompt_token}")
            if not chosen:
                continue
            if chosen not in answer_tokens:
                raise MalformedAnswer(f"{name}: unknown match")
            pairs[prompt_token] = chosen
        return pairs or None

    if kind in CHOICE_TYPES:  # pragma: no cover - every choice type is handled above
        raise MalformedAnswer(kind)
    raise MalformedAnswer(f"{name}: unknown question type {kind}")


def typed_answer(
    snapshot: QuestionSnapshot, display: Display, data: QueryDict, position: int
) -> Answer:
    """The answer at `position` as the form should show it again after a refused save.

    Nothing is saved when any answer needs fixing, so the page shows what was sent: a valid
    answer normalised, one with a slip as typed (the text of a number or text field; for an
    ordering, {item token: place as typed}) so the trainee corrects it instead of retyping.
    """
    try:
        return parse_answer(snapshot, display, data, position)
    except AnswerError:
        name = field_name(position)
        if snapshot["type"] == QuestionType.ORDERING:
            return {
                token: data.get(f"{name}-{token}", "").strip()
                for token in display.get("tokens", [])
            }
        return data.get(name, "")
