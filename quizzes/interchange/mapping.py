"""One imported question record as our question's fields and option rows (no database writes).

HTML from the file goes through core.sanitize: the stem and explanation (rich text) through
`clean_richtext`, option texts and feedback (plain text fields) through `clean_html` and then
down to text. A credit is kept only where it differs from what our own rule gives (a single
choice's 1 and 0s, a multiple response's ±1/(number correct), a short answer's full marks), so
a question exported and imported again comes back unchanged. What does not fit a field is
shortened, with a note.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.html import escape, strip_tags

from core.sanitize import clean_html, clean_richtext
from quizzes.interchange.images import ImageStore
from quizzes.interchange.records import Answer, QuestionRecord
from quizzes.models import QuestionType

TITLE_LENGTH = 200
OPTION_LENGTH = 500
FEEDBACK_LENGTH = 1000
FRACTION_PLACES = Decimal("0.0000001")  # QuestionOption.fraction
SAME = Decimal("0.000001")  # how close a credit must be to our rule's to be left unset
NUMBER_LIMIT = Decimal("1e8")  # Question.numeric_answer: 12 digits, 4 after the point
POINTS_LIMIT = Decimal("1000")  # Question.points: 5 digits, 2 after the point


class Unmappable(ValueError):
    """The record holds something our fields cannot hold: it is skipped with this reason."""


@dataclass
class Mapped:
    """Our question's fields and options for one record, and what was changed on the way."""

    fields: dict[str, Any]
    options: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def plain(value: str, limit: int, what: str, notes: list[str]) -> str:
    """HTML from the file as plain text (sanitized, tags gone, entities read), cut to `limit`.

    Text without markup (no `<`, no `&`) is already plain: it skips the sanitizer, which would
    give it back unchanged, and that is most option texts and feedback of a large bank.
    """
    if "<" in value or "&" in value:
        value = html.unescape(strip_tags(clean_html(value)))
    text = " ".join(value.split())
    if len(text) > limit:
        notes.append(f"{what} shortened to {limit} characters")
        text = text[: limit - 1] + "…"
    return text


def rich(
    value: str, record: QuestionRecord, images: ImageStore, notes: list[str], *, where: str = ""
) -> str:
    """HTML from the file as our rich text. In the stem (`where` empty) its embedded images
    become image embeds; only the stem shows images, so elsewhere each is left out, noted."""
    if not value or not value.strip():
        return ""
    held, placed = images.take_out(value)
    if not held.lstrip().startswith("<"):
        held = f"<p>{held}</p>"
    cleaned = str(clean_richtext(held))
    if placed and not where:
        return images.put_back(cleaned, placed, record.files, notes)
    for item in placed:
        notes.append(
            f"image {item.name!r} in the {where} left out: only the question text shows images"
        )
        cleaned = cleaned.replace(item.token, "")
    return cleaned


def _fraction(answer: Answer) -> Decimal:
    try:
        value = Decimal(answer.fraction).quantize(FRACTION_PLACES)
    except (InvalidOperation, TypeError, ValueError):
        raise Unmappable(f"credit {answer.fraction!r} is not a number") from None
    if not Decimal(-1) <= value <= Decimal(1):
        raise Unmappable(f"credit {value} is outside -1..1")
    return value


def _close(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= SAME


def _choice_rows(record: QuestionRecord, notes: list[str]) -> list[dict[str, Any]]:
    fractions = [_fraction(a) for a in record.answers]
    kind = record.type
    if kind == QuestionType.MULTIPLE_RESPONSE:
        correct = [f > 0 for f in fractions]
        right = sum(correct)
        share = Decimal(1) / right if right else Decimal(0)
        ours = all(
            _close(f, share if c else -share) for f, c in zip(fractions, correct, strict=True)
        )
    else:
        correct = [f == 1 for f in fractions]
        ours = sum(correct) == 1 and all(f in (0, 1) for f in fractions)
    return [
        {
            "text": plain(a.text, OPTION_LENGTH, f"option {n}", notes),
            "is_correct": c,
            "fraction": None if ours else f,
            "feedback": plain(a.feedback, FEEDBACK_LENGTH, f"feedback of option {n}", notes),
            "match": "",
        }
        for n, (a, f, c) in enumerate(zip(record.answers, fractions, correct, strict=True), 1)
    ]


def _short_answer_rows(record: QuestionRecord, notes: list[str]) -> list[dict[str, Any]]:
    fractions = [_fraction(a) for a in record.answers]
    ours = all(f == 1 for f in fractions)
    return [
        {
            "text": plain(a.text, OPTION_LENGTH, f"answer {n}", notes),
            "is_correct": f == 1,
            "fraction": None if ours else f,
            "feedback": plain(a.feedback, FEEDBACK_LENGTH, f"feedback of answer {n}", notes),
            "match": "",
        }
        for n, (a, f) in enumerate(zip(record.answers, fractions, strict=True), 1)
    ]


def _rows(record: QuestionRecord, notes: list[str]) -> list[dict[str, Any]]:
    kind = record.type
    if kind in (
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_RESPONSE,
        QuestionType.TRUE_FALSE,
    ):
        return _choice_rows(record, notes)
    if kind == QuestionType.SHORT_ANSWER:
        return _short_answer_rows(record, notes)
    if kind in (QuestionType.ORDERING, QuestionType.MATCHING):
        return [
            {
                "text": plain(a.text, OPTION_LENGTH, f"item {n}", notes),
                "is_correct": False,
                "fraction": None,
                "feedback": plain(a.feedback, FEEDBACK_LENGTH, f"feedback of item {n}", notes),
                "match": plain(a.match, OPTION_LENGTH, f"match {n}", notes),
            }
            for n, a in enumerate(record.answers, 1)
        ]
    return []


def _numeric(record: QuestionRecord, notes: list[str]) -> dict[str, Any]:
    if not record.numeric:
        raise Unmappable("a numerical question without an answer")
    best = max(record.numeric, key=lambda v: v.fraction)
    for other in record.numeric:
        if other is not best:
            notes.append(
                f"answer {other.value} ± {other.tolerance} (credit {other.fraction}) not kept: "
                "a numeric question here has one answer"
            )
    if best.fraction != 1:
        notes.append(
            f"the best answer earned {best.fraction} in the file; here it earns full marks"
        )
    try:
        value = Decimal(best.value).quantize(Decimal("0.0001"))
        tolerance = abs(Decimal(best.tolerance)).quantize(Decimal("0.0001"))
    except (InvalidOperation, TypeError, ValueError):
        raise Unmappable("the numeric answer is not a number") from None
    if abs(value) >= NUMBER_LIMIT or tolerance >= NUMBER_LIMIT:
        raise Unmappable(f"the answer {best.value} ± {best.tolerance} is too large to store")
    return {
        "numeric_answer": value,
        "numeric_tolerance": tolerance,
        "numeric_unit": record.unit[:20],
    }


def _points(record: QuestionRecord, notes: list[str]) -> Decimal:
    try:
        points = Decimal(record.default_mark).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        points = Decimal(0)
    if not Decimal("0.01") <= points < POINTS_LIMIT:
        notes.append(f"default mark {record.default_mark} replaced by 1")
        return Decimal(1)
    return points


def map_record(record: QuestionRecord, images: ImageStore) -> Mapped:
    """Our fields and option rows for `record`; raises Unmappable when it cannot be stored."""
    notes = list(record.notes)
    title = " ".join(record.name.split())
    if not title:
        title = plain(record.text, 80, "title", []) or "Imported question"
    if len(title) > TITLE_LENGTH:
        notes.append(f"name shortened to {TITLE_LENGTH} characters")
        title = title[: TITLE_LENGTH - 1] + "…"
    points = _points(record, notes)
    fields: dict[str, Any] = {
        "question_type": record.type,
        "title": title,
        "stem": rich(record.text, record, images, notes),
        "explanation": rich(
            record.general_feedback, record, images, notes, where="general feedback"
        ),
        "points": points,
        "case_sensitive": bool(record.case_sensitive)
        if record.type == QuestionType.SHORT_ANSWER
        else False,
        "external_id": record.idnumber.strip()[:100],
        "numeric_answer": None,
        "numeric_tolerance": Decimal(0),
        "numeric_unit": "",
        "model_answer": "",
        "rubric": "",
        "rubric_points": None,
        "rubric_pass_points": None,
    }
    options = _rows(record, notes)
    if record.type == QuestionType.NUMERIC:
        fields.update(_numeric(record, notes))
    elif record.type == QuestionType.ESSAY:
        fields["model_answer"] = rich(
            record.model_answer, record, images, notes, where="response template"
        )
        fields["rubric"] = plain(record.grader_info, 5000, "grader information", notes)
        fields["rubric_points"] = points
    elif record.type == QuestionType.SHORT_ANSWER:
        fields["model_answer"] = rich(
            record.model_answer, record, images, notes, where="model answer"
        )
        if not fields["model_answer"]:
            best = max(record.answers, key=lambda a: a.fraction, default=None)
            if best is not None and best.text.strip():
                fields["model_answer"] = f"<p>{escape(plain(best.text, OPTION_LENGTH, '', []))}</p>"
    return Mapped(fields, options, notes)
