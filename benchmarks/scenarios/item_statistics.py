"""item-statistics: quizzes.item_statistics.compute() on 1,000 and 10,000 attempts.

The items have the needle-safety quiz's shape, read from its curriculum file (question types,
points, option counts and right options), so the figure follows the real quiz. The marks are
made up beforehand with a fixed seed: each attempt has an ability, each question a difficulty,
and a choice question's wrong answers pick a wrong option at random, so every statistic has
spread to compute. Only compute() is timed: the pure engine, no database (the query count is 0);
reading the attempts is measured by the report's own tests (a fixed number of queries).
"""

from __future__ import annotations

import math
import random
import tomllib
from typing import Any

from benchmarks.harness import PROJECT_ROOT, Bench, Repetitions, Row, Trial, measure, scenario

QUIZ_FILE = PROJECT_ROOT / "curriculum" / "hemifacial-spasm" / "04-needle-safety" / "quiz.toml"
ATTEMPTS = (1_000, 10_000)
STATS_REPS = {"full": Repetitions(warmup=1, repeat=7), "quick": Repetitions(warmup=1, repeat=3)}
CHOICE_KINDS = {"single_choice", "multiple_response", "true_false"}


def needle_safety_items() -> list[Any]:
    """One Item per question of the needle-safety quiz, as the report would build it."""
    from quizzes.item_statistics import Item
    from quizzes.item_statistics_data import random_guess_score

    questions = tomllib.loads(QUIZ_FILE.read_text(encoding="utf-8"))["question"]
    items = []
    for question in questions:
        kind = question["type"]
        if kind == "true_false":
            options = [
                {"text": "True", "is_correct": question["answer"]},
                {"text": "False", "is_correct": not question["answer"]},
            ]
        elif kind == "matching":
            options = [
                {"text": p["prompt"], "is_correct": False, "match": p["answer"]}
                for p in question.get("pair", [])
            ]
        else:
            options = [
                {"text": o["text"], "is_correct": bool(o.get("correct"))}
                for o in question.get("option", [])
            ]
        listed = kind in CHOICE_KINDS
        items.append(
            Item(
                key=question["key"],
                max_mark=float(question.get("points", 1)),
                random_guess_score=random_guess_score(kind, options),
                label=question["title"],
                options=tuple(o["text"] for o in options) if listed else (),
                correct_options=tuple(o["text"] for o in options if o["is_correct"])
                if listed
                else (),
            )
        )
    return items


def simulated_attempts(items: list[Any], n: int, seed: int = 12) -> list[Any]:
    """`n` attempts' marks and choices (see the module docstring)."""
    from quizzes.item_statistics import AttemptMarks

    rng = random.Random(seed)  # noqa: S311 (made-up marks, reproducible on purpose)
    difficulty = [rng.uniform(-1.5, 1.5) for _ in items]
    attempts = []
    for _ in range(n):
        ability = rng.gauss(0, 1)
        marks: dict[Any, float] = {}
        choices: dict[Any, tuple[str, ...]] = {}
        for item, b in zip(items, difficulty, strict=True):
            right = rng.random() < 1 / (1 + math.exp(b - ability))
            marks[item.key] = item.max_mark if right else 0.0
            wrong = [o for o in item.options if o not in item.correct_options]
            if item.options:
                choices[item.key] = (
                    item.correct_options if right or not wrong else (rng.choice(wrong),)
                )
        attempts.append(AttemptMarks(marks=marks, choices=choices))
    return attempts


@scenario("item-statistics", "compute() at 1,000 and 10,000 attempts, needle-safety quiz shape")
def item_statistics(bench: Bench) -> list[Row]:
    """Time compute() at each size in ATTEMPTS; check it saw every attempt."""
    from benchmarks.harness import BenchmarkError
    from quizzes.item_statistics import compute

    items = needle_safety_items()
    rows = []
    for n in ATTEMPTS:
        attempts = simulated_attempts(items, n)

        def prepare(attempts: list[Any] = attempts, n: int = n) -> Trial:
            def check(stats: Any) -> None:
                if stats.quiz.attempts != n or stats.quiz.cic is None:
                    raise BenchmarkError(f"compute() saw {stats.quiz.attempts} attempts, not {n}")

            return Trial(lambda: compute(items, attempts), check)

        timing = measure(prepare, bench.reps(STATS_REPS))
        rows.append(Row("item-statistics", f"{n} x {len(items)} items", timing))
    return rows
