"""Rules a question must meet: a title that names it, options that fit its type, a rubric scale.

Shared by the admin form (quizzes.models.bank.QuestionForm) and the curriculum loader.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags

from quizzes.models.choices import CHOICE_TYPES, QuestionType

TITLE_MIN_WORDS = 3
TITLE_MAX_LENGTH = 100
TITLE_EXAMPLE = 'Name what the question is about, for example "Depth limit on the cheek".'
# Instructions and stock openings that say nothing about the question they head.
BOILERPLATE_TITLE = re.compile(
    r"^[\W_]*(?:"
    r"(?:select|choose|tick|mark|pick)\b.*\b(?:apply|applies|correct|true|best|answers?|options?)\b"
    r"|which\s+(?:one\s+|two\s+|three\s+)?(?:of|among)\s+(?:the\s+following|these|them)\b"
    r"|(?:true\s+or\s+false|false\s+or\s+true)\b"
    r"|(?:in\s+)?(?:about|around|approximately|up\s+to|at\s+most)?\s*\d+\s*(?:(?:-|\u2013|to)\s*\d+\s*)?words?\b"
    r"|(?:new\s+|untitled\s+)?(?:question|item)\s*\d*[\W_]*$"
    r")",
    re.IGNORECASE,
)
# Sentences joined without a space ("unaffected.Which"): text pasted or cut from a stem.
RUN_TOGETHER = re.compile(r"[a-z]{2}[.?!;:][A-Z]")


def validate_question_title(value: str) -> None:
    """Refuse a question title that does not name its question (the admin form and the loader).

    A title is what the bank list, the grading queue and the grading page show: a few words
    on the topic, not an instruction copied from the stem ("Select all that apply."), a word
    count ("(About 200-300 words.)") or sentences run together.
    """
    title = " ".join(value.split())
    words = re.findall(r"[^\W\d_]+", title)
    if BOILERPLATE_TITLE.match(title):
        raise ValidationError(
            f'"{title[:60]}" is boilerplate (an instruction or placeholder), not a title. '
            f"{TITLE_EXAMPLE}",
            code="boilerplate",
        )
    if RUN_TOGETHER.search(title):
        raise ValidationError(
            f"The title runs sentences together; write a short label instead. {TITLE_EXAMPLE}",
            code="run_together",
        )
    if len(words) < TITLE_MIN_WORDS:
        raise ValidationError(
            f"A title needs at least {TITLE_MIN_WORDS} words. {TITLE_EXAMPLE}", code="too_short"
        )
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            f"Keep the title to {TITLE_MAX_LENGTH} characters or fewer: the stem asks the "
            "question, the title only names it.",
            code="too_long",
        )


def _has_text(html: str | None) -> bool:
    return bool(strip_tags(html or "").strip())


def validate_options(kind: str, rows: list[dict], fields: dict) -> None:
    """Raise ValidationError unless the option rows and the type's own fields (numeric answer,
    model answer, rubric points) make a well-formed question of `kind`."""
    correct = [r for r in rows if r.get("is_correct")]
    texts = [r.get("text", "").strip() for r in rows]
    if kind in CHOICE_TYPES:
        if len(rows) < 2:
            raise ValidationError("A choice question needs at least two options.")
        if any(not t for t in texts):
            raise ValidationError("Every option needs text.")
        if any(not (r.get("feedback") or "").strip() for r in rows):
            raise ValidationError("Every option needs feedback saying why it is right or wrong.")
        if kind == QuestionType.MULTIPLE_RESPONSE:
            if not correct:
                raise ValidationError("Mark at least one option correct.")
        elif len(correct) != 1:
            raise ValidationError("Mark exactly one option correct.")
        if kind == QuestionType.TRUE_FALSE and len(rows) != 2:
            raise ValidationError("A true/false question has exactly two options, True and False.")
        validate_credits(kind, rows)
    elif kind == QuestionType.ORDERING:
        if len(rows) < 2 or any(not t for t in texts):
            raise ValidationError(
                "An ordering question needs at least two items, in the correct order."
            )
    elif kind == QuestionType.MATCHING:
        prompts = [r for r in rows if (r.get("text") or "").strip()]
        if len(prompts) < 2:
            raise ValidationError(
                "A matching question needs at least two prompts, each with its match."
            )
        if any(not (r.get("match") or "").strip() for r in rows):
            raise ValidationError(
                "Every matching row needs a match (a row without a prompt is a distractor)."
            )
    elif kind == QuestionType.SHORT_ANSWER:
        if not rows or any(not t for t in texts):
            raise ValidationError("List at least one accepted answer.")
        if not _has_text(fields.get("model_answer")):
            raise ValidationError(
                {
                    "model_answer": "A short-answer question needs a model answer: trainees "
                    "see it after submitting, never the accepted answers."
                }
            )
    elif kind == QuestionType.NUMERIC:
        if fields.get("numeric_answer") is None:
            raise ValidationError({"numeric_answer": "A numeric question needs its answer."})
    elif kind == QuestionType.ESSAY:
        if rows:
            raise ValidationError(
                "An essay question has no options; use the model answer and rubric."
            )
        validate_rubric_points(fields.get("rubric_points"), fields.get("rubric_pass_points"))


CREDIT_SLACK = Decimal("0.001")  # Moodle's thirds (0.3333333) add up to 0.9999999


def validate_credits(kind: str, rows: list[dict]) -> None:
    """Choice options' credits (`fraction`, Moodle's grades), when any are set, fit the marks.

    Single choice and true/false: the option marked correct earns full credit, and no other
    does (partial credit on the others is fine). Multiple response: the positive credits add up
    to full marks (an option without a credit counts 1/(number correct) if correct).
    """
    credits = [r.get("fraction") for r in rows]
    if all(c is None for c in credits):
        return
    if kind == QuestionType.MULTIPLE_RESPONSE:
        right = sum(1 for r in rows if r.get("is_correct")) or 1
        positive = Decimal(0)
        for row, credit in zip(rows, credits, strict=True):
            if credit is None:
                positive += Decimal(1) / right if row.get("is_correct") else 0
            elif Decimal(credit) > 0:
                positive += Decimal(credit)
        if abs(positive - 1) > CREDIT_SLACK:
            raise ValidationError(
                f"The positive credits add up to {positive.normalize():f}; they must add up to 1 "
                "(full marks for choosing every correct option)."
            )
        return
    for row, credit in zip(rows, credits, strict=True):
        if credit is None:
            continue
        if row.get("is_correct") and Decimal(credit) != 1:
            raise ValidationError("The option marked correct earns full credit (1).")
        if not row.get("is_correct") and Decimal(credit) >= 1:
            raise ValidationError("Only the option marked correct may earn full credit (1).")


def validate_rubric_points(total: Decimal | None, pass_points: Decimal | None) -> None:
    """An essay's rubric scale: a total above 0, and a pass mark (optional) within it."""
    if total is None or total <= 0:
        raise ValidationError(
            {
                "rubric_points": "An essay question needs the rubric's total points: the "
                "grader marks out of it."
            }
        )
    if pass_points is not None and not 0 < pass_points <= total:
        raise ValidationError(
            {"rubric_pass_points": f"The pass mark must be above 0 and at most {total}."}
        )
