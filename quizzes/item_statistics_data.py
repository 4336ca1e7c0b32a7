"""A quiz's graded attempts as marks for the item-statistics engine (quizzes.item_statistics).

Which attempts: graded ones only (an attempt with an essay still waiting for its grade has no
final total yet); by default each learner's first graded attempt, as Moodle's "first attempts"
(a learner's later attempts are practice on questions already seen), or all of them.

An item is a question, keyed by its bank key from the snapshot, so shuffled positions and random
draws line up (an attempt that drew other questions simply did not see it); with `by_stage` an
item is a case stage ("stage-2"), its mark the sum of that stage's responses. Option choices are
counted by option text, read through each attempt's own display tokens, so they survive
shuffling; the options listed (and the title, max mark and guess score) come from the newest
snapshot of each question.

Queries: a fixed number whatever the number of attempts (values_list, no per-row access):
attempts, responses, and with `by_stage` the newest attempt's stage titles.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quizzes.grading import token_index
from quizzes.item_statistics import AttemptMarks, Item, ItemKey, Statistics, compute
from quizzes.models import CHOICE_TYPES, Attempt, AttemptState, QuestionType, QuizPage, Response


class StatisticsError(ValueError):
    """Statistics that cannot be asked for (by stage, of a quiz that has no case)."""


def random_guess_score(kind: str, options: Sequence[dict[str, Any]]) -> float | None:
    """The mean fraction a random guess earns, per question type as Moodle defines it.

    Single choice: the mean of the options' fractions (right ones count 1); true/false: 0.5;
    multiple response: unknown (None, as Moodle: too many combinations to say); matching: one
    over the number of distinct answers; short answer: 1 when a pattern is `*` alone (it accepts
    anything), else 0; numeric, ordering and essay: 0 (Moodle's default).
    """
    if kind == QuestionType.TRUE_FALSE:
        return 0.5
    if kind == QuestionType.SINGLE_CHOICE:
        return sum(1 for o in options if o["is_correct"]) / len(options) if options else None
    if kind == QuestionType.MULTIPLE_RESPONSE:
        return None
    if kind == QuestionType.MATCHING:
        answers = {o["match"] for o in options if o["text"].strip()}
        return 1 / len(answers) if answers else None
    if kind == QuestionType.SHORT_ANSWER:
        return 1.0 if any(o["text"].strip() == "*" for o in options) else 0.0
    return 0.0


def _chosen(
    kind: str, options: list[dict[str, Any]], tokens: list[str], answer: Any
) -> tuple[str, ...]:
    """The option texts an answer picked (choice types only)."""
    if kind not in CHOICE_TYPES or not answer:
        return ()
    picked = answer if isinstance(answer, list) else [answer]
    index = token_index({"tokens": tokens})
    return tuple(
        options[index[t]]["text"] for t in picked if t in index and index[t] < len(options)
    )


@dataclass
class _ItemInfo:
    """What the newest response of an item says about it."""

    newest: int = -1
    first_position: int = 1 << 30
    max_mark: float = 0.0
    # The newest response's question (title, type, options); by stage, each question's type,
    # options and weight. What is derived from them is worked out once, after the rows.
    question: tuple[str, str, list[dict[str, Any]]] = ("", "", [])
    parts: dict[str, tuple[str, list[dict[str, Any]], float]] = field(default_factory=dict)


def _selected_attempts(quiz: QuizPage, all_attempts: bool) -> list[int]:
    rows = (
        Attempt.objects.filter(quiz=quiz, state=AttemptState.GRADED)
        .order_by("user_id", "number")
        .values_list("pk", "user_id")
    )
    if all_attempts:
        return [pk for pk, _ in rows]
    first: dict[int, int] = {}
    for pk, user_id in rows:
        first.setdefault(user_id, pk)
    return list(first.values())


RESPONSE_FIELDS = (
    "attempt_id",
    "position",
    "stage",
    "score",
    "max_score",
    "answer",
    "question_snapshot__key",
    "question_snapshot__title",
    "question_snapshot__type",
    "question_snapshot__options",
    "display__tokens",
)


def _stage_titles(attempt_id: int) -> dict[int, str]:
    stages = (
        Attempt.objects.filter(pk=attempt_id)
        .values_list("case_snapshot__stages", flat=True)
        .first()
    )
    return {n: str(stage.get("title", "")) for n, stage in enumerate(stages or [], start=1)}


def statistics_for_quiz(
    quiz: QuizPage, *, all_attempts: bool = False, by_stage: bool = False
) -> Statistics:
    """Statistics of a quiz's graded attempts (first attempt per learner unless all_attempts).

    Raises StatisticsError for `by_stage` on a quiz without a case.
    """
    if by_stage and not quiz.is_case_quiz:
        raise StatisticsError(f"“{quiz.title}” is not a case quiz: it has no stages.")
    selected = set(_selected_attempts(quiz, all_attempts))
    rows = (
        Response.objects.filter(attempt__quiz=quiz, attempt__state=AttemptState.GRADED)
        .order_by("attempt_id", "position")
        .values_list(*RESPONSE_FIELDS)
    )
    marks: dict[int, dict[ItemKey, float]] = defaultdict(dict)
    choices: dict[int, dict[ItemKey, tuple[str, ...]]] = defaultdict(dict)
    info: dict[ItemKey, _ItemInfo] = defaultdict(_ItemInfo)
    for attempt_id, position, stage, score, max_score, answer, key, *snapshot in rows:
        if attempt_id not in selected:
            continue
        title, kind, options, tokens = snapshot[0], snapshot[1], snapshot[2] or [], snapshot[3]
        item_key: ItemKey = f"stage-{stage}" if by_stage else str(key)
        marks[attempt_id][item_key] = marks[attempt_id].get(item_key, 0.0) + float(score or 0)
        entry = info[item_key]
        entry.first_position = min(entry.first_position, stage if by_stage else position)
        if attempt_id > entry.newest:  # rows come by attempt: the newest describes the item
            entry.newest, entry.max_mark, entry.parts = attempt_id, 0.0, {}
            entry.question = (str(title), kind, options)
        entry.max_mark += float(max_score)
        if by_stage:
            entry.parts[str(key)] = (kind, options, float(max_score))
        elif chosen := _chosen(kind, options, tokens or [], answer):
            choices[attempt_id][item_key] = chosen
    titles = _stage_titles(max(selected)) if by_stage and selected else {}
    items = []
    for item_key, entry in sorted(info.items(), key=lambda kv: (kv[1].first_position, str(kv[0]))):
        title, kind, options = entry.question
        if by_stage:
            label = f"Stage {entry.first_position}: {titles.get(entry.first_position, '')}"
            guess = _weighted_guess(
                (random_guess_score(k, o), weight) for k, o, weight in entry.parts.values()
            )
            shown: list[dict[str, Any]] = []
        else:
            label, guess = title, random_guess_score(kind, options)
            shown = options if kind in CHOICE_TYPES else []
        items.append(
            Item(
                key=item_key,
                max_mark=entry.max_mark,
                random_guess_score=guess,
                label=label.rstrip(": "),
                options=tuple(o["text"] for o in shown),
                correct_options=tuple(o["text"] for o in shown if o["is_correct"]),
            )
        )
    attempts = [
        AttemptMarks(marks=marks[pk], choices=choices.get(pk, {})) for pk in sorted(selected)
    ]
    return compute(items, attempts)


def _weighted_guess(parts: Any) -> float | None:
    """A stage's guess score: its questions' guess scores weighted by their max marks."""
    pairs = list(parts)
    total = sum(weight for _, weight in pairs)
    if not pairs or not total or any(guess is None for guess, _ in pairs):
        return None
    return sum(float(guess) * weight for guess, weight in pairs) / total
