"""What a template may show of a question: before submission (no answers, no feedback) and
after it (as much as the quiz's review policy allows). Templates never see a raw snapshot."""

from __future__ import annotations

from decimal import Decimal

from quizzes.answers import decimal_text, field_name
from quizzes.contracts import (
    Answer,
    ChoiceView,
    Display,
    NumericAnswer,
    OptionFeedback,
    PublicView,
    QuestionSnapshot,
    ReviewStatus,
    ReviewView,
)
from quizzes.grading import grade, is_critical, rubric_scale, score_for
from quizzes.models import CHOICE_TYPES, QuestionType, ReviewPolicy


def _choices(snapshot: QuestionSnapshot, display: Display) -> list[ChoiceView]:
    tokens = display.get("tokens", [])
    return [
        {"index": i, "token": tokens[i], "text": snapshot["options"][i]["text"]}
        for i in display.get("order", [])
    ]


def _picked(answer: Answer) -> list[str]:
    """The option tokens a choice answer picks (one for a single choice)."""
    if isinstance(answer, list):
        return answer
    return [answer] if isinstance(answer, str) and answer else []


def _numeric(snapshot: QuestionSnapshot) -> NumericAnswer:
    """A numeric question's answer, tolerance and unit."""
    numeric = snapshot["numeric"]
    if numeric is None:
        raise ValueError("A numeric question's snapshot has no numeric answer.")
    return numeric


def _place(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def public_view(
    snapshot: QuestionSnapshot, display: Display, position: int, answer: Answer = None
) -> PublicView:
    """A question as the trainee sees it while answering: stem, options, their current answer.

    `answer` is the saved answer, or what the trainee typed when it needs fixing
    (quizzes.answers.typed_answer): text for text and number fields, and for an ordering
    {item token: place as typed}.
    """
    kind = snapshot["type"]
    view: PublicView = {
        "position": position,
        "name": field_name(position),
        "type": kind,
        "type_label": QuestionType(kind).label,
        "stem": snapshot["stem"],  # editor rich text: templates render it with |richtext
        "points": Decimal(snapshot["points"]),
        "answered": answer is not None,
        "answer": answer,
        "critical": is_critical(snapshot),
    }
    if kind in CHOICE_TYPES:
        chosen = set(_picked(answer))
        view["multiple"] = kind == QuestionType.MULTIPLE_RESPONSE
        view["options"] = [
            {**c, "checked": c["token"] in chosen} for c in _choices(snapshot, display)
        ]
    elif kind == QuestionType.ORDERING:
        if isinstance(answer, dict):
            places = {token: _place(text) for token, text in answer.items()}
        else:
            places = {token: n for n, token in enumerate(answer or [], start=1)}
        view["items"] = [
            {**c, "place": places.get(c["token"])} for c in _choices(snapshot, display)
        ]
        view["places"] = list(range(1, len(view["items"]) + 1))
    elif kind == QuestionType.MATCHING:
        pairs = answer if isinstance(answer, dict) else {}
        view["prompts"] = [
            {
                "token": display["prompt_tokens"][str(i)],
                "text": snapshot["options"][i]["text"],
                "chosen": pairs.get(display["prompt_tokens"][str(i)]),
            }
            for i in display["prompts"]
        ]
        view["answers"] = [{"token": t, "text": text} for t, text in display["answers"]]
    elif kind == QuestionType.NUMERIC:
        view["unit"] = _numeric(snapshot)["unit"]
    return view


def _answer_text(snapshot: QuestionSnapshot, display: Display, answer: Answer) -> list[str]:
    """The trainee's answer in words, for the review."""
    if answer is None:
        return []
    kind = snapshot["type"]
    options = snapshot["options"]
    tokens = {t: i for i, t in enumerate(display.get("tokens", []))}
    if kind in CHOICE_TYPES or kind == QuestionType.ORDERING:
        return [options[tokens[t]]["text"] for t in _picked(answer) if t in tokens]
    if kind == QuestionType.MATCHING:
        answer_text = dict(display["answers"])
        prompt_text = {
            display["prompt_tokens"][str(i)]: options[i]["text"] for i in display["prompts"]
        }
        pairs = answer if isinstance(answer, dict) else {}
        return [
            f"{prompt_text[p]} → {answer_text.get(a, '')}"
            for p, a in pairs.items()
            if p in prompt_text
        ]
    if kind == QuestionType.NUMERIC:
        unit = _numeric(snapshot)["unit"]
        return [f"{answer} {unit}".strip()]
    return [str(answer)]


def _correct_text(snapshot: QuestionSnapshot) -> list[str]:
    kind = snapshot["type"]
    options = snapshot["options"]
    if kind in CHOICE_TYPES:
        return [o["text"] for o in options if o["is_correct"]]
    if kind == QuestionType.ORDERING:
        return [o["text"] for o in options]
    if kind == QuestionType.MATCHING:
        return [f"{o['text']} → {o['match']}" for o in options if o["text"].strip()]
    if kind == QuestionType.NUMERIC:
        n = _numeric(snapshot)
        tolerance = (
            f" (± {decimal_text(Decimal(n['tolerance']))})" if Decimal(n["tolerance"]) else ""
        )
        return [f"{decimal_text(Decimal(n['answer']))} {n['unit']}".strip() + tolerance]
    if kind == QuestionType.SHORT_ANSWER and not snapshot.get("model_answer"):
        # A version 1 snapshot has no model answer: show the first accepted answer that is
        # plain text, never a pattern with wildcards.
        plain = [o["text"] for o in options if o["text"].strip() and "*" not in o["text"]]
        return plain[:1]
    return []


MODEL_ANSWER_LABELS: dict[str, str] = {
    QuestionType.SHORT_ANSWER: "Model answer",
    QuestionType.ESSAY: "What a full answer covers",
}


def review_view(
    snapshot: QuestionSnapshot,
    display: Display,
    answer: Answer,
    policy: str,
    position: int,
    score: Decimal | None = None,
    needs_grading: bool = False,
    grader_comment: str = "",
    rubric_score: Decimal | None = None,
) -> ReviewView:
    """A graded question for the result page, showing only what `policy` allows.

    A graded essay also shows its mark on its rubric (`rubric_score` out of the rubric total).
    """
    points = Decimal(snapshot["points"])
    if score is None and not needs_grading:
        score = score_for(points, grade(snapshot, display, answer).fraction)
    view: ReviewView = {
        "position": position,
        "stem": snapshot["stem"],  # editor rich text: templates render it with |richtext
        "type": snapshot["type"],
        "points": points,
        "policy": policy,
        "show_correctness": policy in (ReviewPolicy.CORRECTNESS, ReviewPolicy.ANSWERS),
        "show_answers": policy == ReviewPolicy.ANSWERS,
        "critical": is_critical(snapshot),
    }
    if not view["show_correctness"]:
        return view
    status: ReviewStatus
    if needs_grading:
        status = "pending"
    elif score is None or score <= 0:
        status = "incorrect"
    elif score >= points:
        status = "correct"
    else:
        status = "partial"
    view.update(
        {
            "score": score,
            "status": status,
            "your_answer": _answer_text(snapshot, display, answer),
            "grader_comment": grader_comment,
        }
    )
    if snapshot["type"] == QuestionType.ESSAY and rubric_score is not None:
        scale = rubric_scale(snapshot)
        view["rubric_mark"] = {
            "score": rubric_score,
            "total": scale.total,
            "pass_points": scale.pass_points,
        }
    if view["show_answers"]:
        tokens = display.get("tokens", [])
        option_feedback: list[OptionFeedback] = []
        if snapshot["type"] in CHOICE_TYPES:
            chosen_tokens = set(_picked(answer))
            for i in display.get("order", []):
                option = snapshot["options"][i]
                option_feedback.append(
                    {
                        "text": option["text"],
                        "is_correct": option["is_correct"],
                        "chosen": tokens[i] in chosen_tokens,
                        "feedback": option["feedback"],
                    }
                )
        view.update(
            {
                "correct_answer": _correct_text(snapshot),
                "option_feedback": option_feedback,
                "explanation": snapshot["explanation"],
                "model_answer": snapshot.get("model_answer") or "",
                "model_answer_label": MODEL_ANSWER_LABELS.get(snapshot["type"], "Model answer"),
                "source": snapshot["source"],
            }
        )
    return view
