"""Snapshot and display dicts built by hand for the pure grading tests, as quizzes.snapshots shapes them.

A display's `tokens[i]` is the opaque id of snapshot option `i` and `order` is only the order the
options were shown in, so every display here is shuffled to prove grading never depends on it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from quizzes.grading import grade

# --- builders ---------------------------------------------------------------------------------


def option(text: str = "", *, correct: bool = False, match: str = "") -> dict[str, Any]:
    return {"text": text, "is_correct": correct, "feedback": "", "match": match}


def snapshot(
    kind: str, options: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "type": kind,
        "title": "Question",
        "stem": "<p>Stem</p>",
        "points": "1",
        "options": options or [],
        "numeric": None,
    }
    snap.update(extra)
    return snap


def choice_display(count: int, order: list[int] | None = None) -> dict[str, Any]:
    """Tokens `tok0`, `tok1`, ... for options 0, 1, ...; shown in reverse unless told."""
    return {
        "order": order if order is not None else list(reversed(range(count))),
        "tokens": [f"tok{i}" for i in range(count)],
    }


def single(correct: int = 1, count: int = 3, kind: str = "single_choice"):
    options = [option(f"Option {i}", correct=i == correct) for i in range(count)]
    return snapshot(kind, options), choice_display(count)


def multiple(right: int, wrong: int):
    """`right` correct options first (tok0..), then `wrong` incorrect ones."""
    options = [option(f"Right {i}", correct=True) for i in range(right)]
    options += [option(f"Wrong {i}") for i in range(wrong)]
    return snapshot("multiple_response", options), choice_display(right + wrong)


def numeric(answer: str, tolerance: str = "0", unit: str = ""):
    snap = snapshot("numeric", numeric={"answer": answer, "tolerance": tolerance, "unit": unit})
    return snap, {}


def ordering(count: int = 4):
    """Items in author (= correct) order; the display shows them shuffled."""
    options = [option(f"Step {i}") for i in range(count)]
    return snapshot("ordering", options), choice_display(count, order=[*range(1, count), 0])


def matching(pairs: list[tuple[str, str]]):
    """Options from (prompt, match) pairs; an empty prompt makes its match a distractor.

    Prompt tokens are `p<index>`; each distinct match text gets answer token `a:<text>`,
    the way make_display dedupes answers.
    """
    options = [option(text, match=match) for text, match in pairs]
    prompts = [i for i, (text, _) in enumerate(pairs) if text.strip()]
    answers = sorted({match for _, match in pairs}, reverse=True)
    display = {
        "prompts": list(reversed(prompts)),
        "prompt_tokens": {str(i): f"p{i}" for i in prompts},
        "answers": [[f"a:{text}", text] for text in answers],
    }
    return snapshot("matching", options), display


def short_answer(*accepted: str):
    return snapshot("short_answer", [option(text, correct=True) for text in accepted]), {}


def essay():
    return snapshot("essay", model_answer="Release the neck first.", rubric="2 points"), {}


def D(value: str) -> Decimal:
    return Decimal(value)


def fraction_of(built: tuple[dict[str, Any], dict[str, Any]], answer: Any) -> Decimal | None:
    snap, display = built
    return grade(snap, display, answer).fraction


CRANIAL_NERVES = [
    ("Facial nerve", "VII"),
    ("Trigeminal nerve", "V"),
    ("Vestibulocochlear nerve", "VIII"),
]
WITH_DISTRACTOR = [*CRANIAL_NERVES, ("", "IX")]
