"""The right answer to a question as one attempt displays it, built from its snapshot, and an
attempt answered with it (or left blank): learner history for the demo and for tests."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from quizzes import services
from quizzes.answers import decimal_text
from quizzes.models import Attempt, QuizPage

WORKED_ESSAY = (
    "A worked answer written for the demo: release the upstream chain first, "
    "then the facial nodules."
)


def correct_answer(snapshot: dict[str, Any], display: dict[str, Any]) -> Any:
    """The normalised right answer to a question as one attempt displays it.

    Essays have no single right answer; they get a worked answer for a grader to mark.
    """
    kind, options, tokens = snapshot["type"], snapshot["options"], display.get("tokens", [])
    if kind in ("single_choice", "true_false"):
        return next(tokens[i] for i, o in enumerate(options) if o["is_correct"])
    if kind == "multiple_response":
        return sorted(tokens[i] for i, o in enumerate(options) if o["is_correct"])
    if kind == "numeric":
        return decimal_text(Decimal(snapshot["numeric"]["answer"]))
    if kind == "ordering":
        return list(tokens)
    if kind == "matching":
        by_text = {text: token for token, text in display["answers"]}
        return {
            display["prompt_tokens"][str(i)]: by_text[options[i]["match"]]
            for i in display["prompts"]
        }
    if kind == "short_answer":
        return next(o["text"] for o in options if o["text"].strip()).replace("*", "").strip()
    return WORKED_ESSAY


def take_quiz(user, quiz: QuizPage, *, right: bool, now: datetime | None = None) -> Attempt:
    """Start and submit an attempt answering every question right, or every one wrong.

    Answers go through the quiz services as a learner's would; `now` dates the attempt (history
    in the past); by default it is taken now.
    """
    attempt = services.start_attempt(user, quiz, now=now)
    for response in attempt.responses.all():
        response.answer = (
            correct_answer(response.question_snapshot, response.display) if right else None
        )
        response.save(update_fields=["answer"])
    attempt, _ = services.submit_attempt(attempt.pk, user, now=now)
    return attempt
