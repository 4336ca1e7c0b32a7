"""A module quiz with one question of every type, and helpers that fill in its form."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from quizzes.contracts import QuestionKind
from quizzes.models import Attempt, Response
from tests.factories import make_question, make_quiz

# Every question type, in the order quizzes.contracts.QuestionKind lists them.
ALL_TYPES: list[str] = list(get_args(QuestionKind))


@pytest.fixture
def quiz(tree):
    return make_quiz(tree.module, [make_question(kind) for kind in ALL_TYPES if kind != "essay"])


@pytest.fixture
def essay_quiz(tree):
    return make_quiz(
        tree.module,
        [make_question("single_choice"), make_question("essay")],
        slug="essay-quiz",
        title="Essay quiz",
    )


def start(client, quiz) -> Attempt:
    """Start an attempt on `quiz` as the client's user, as the quiz page's button does."""
    response = client.post(f"{quiz.url}start/")
    assert response.status_code == 302, response.content[:500]
    return Attempt.objects.latest("pk")


def attempt_url(quiz, attempt: Attempt, route: str = "attempt") -> str:
    suffix = {
        "attempt": "",
        "save": "save/",
        "confirm": "confirm/",
        "submit": "submit/",
        "result": "result/",
    }[route]
    return f"{quiz.url}attempt/{attempt.pk}/{suffix}"


def correct_fields(response: Response) -> dict[str, Any]:
    """Form fields answering `response` correctly, as the attempt page would post them."""
    snap, display = response.question_snapshot, response.display
    name = f"q{response.position}"
    tokens = display.get("tokens", [])
    kind = snap["type"]
    fields: dict[str, Any] = {f"{name}-shown": "1"}
    if kind in ("single_choice", "true_false"):
        fields[name] = next(tokens[i] for i, o in enumerate(snap["options"]) if o["is_correct"])
    elif kind == "multiple_response":
        fields[name] = [tokens[i] for i, o in enumerate(snap["options"]) if o["is_correct"]]
    elif kind == "numeric":
        fields[name] = snap["numeric"]["answer"]
    elif kind == "ordering":
        for place, token in enumerate(tokens, start=1):
            fields[f"{name}-{token}"] = str(place)
    elif kind == "matching":
        answer_token = {text: token for token, text in display["answers"]}
        for index in display["prompts"]:
            fields[f"{name}-{display['prompt_tokens'][str(index)]}"] = answer_token[
                snap["options"][index]["match"]
            ]
    elif kind == "short_answer":
        fields[name] = "Orbicularis  OCULI"
    elif kind == "essay":
        fields[name] = "Release the neck first, then the facial nodules."
    return fields


def wrong_fields(response: Response) -> dict[str, Any]:
    """Form fields answering `response` wrongly (or, for essays, leaving it blank)."""
    snap, display = response.question_snapshot, response.display
    name = f"q{response.position}"
    tokens = display.get("tokens", [])
    kind = snap["type"]
    fields: dict[str, Any] = {f"{name}-shown": "1"}
    if kind in ("single_choice", "true_false", "multiple_response"):
        fields[name] = next(tokens[i] for i, o in enumerate(snap["options"]) if not o["is_correct"])
    elif kind == "numeric":
        fields[name] = "99"
    elif kind == "ordering":
        for place, token in enumerate(reversed(tokens), start=1):
            fields[f"{name}-{token}"] = str(place)
    elif kind == "short_answer":
        fields[name] = "platysma"
    return fields


def form_for(attempt: Attempt, correct: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for response in attempt.responses.all():
        data.update(correct_fields(response) if correct else wrong_fields(response))
    return data
