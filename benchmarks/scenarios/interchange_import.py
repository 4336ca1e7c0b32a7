"""interchange-import: importing 500 and 5,000 generated Moodle questions into the bank.

Times quizzes.interchange.importing.import_file on a parsed file (the parsers are not timed):
single choices with partial credits, multiple responses and short answers, spread over ten
categories, each with an idnumber. Every repetition imports under a new root category, so each
creates all its questions as drafts in Clinical review. The query count shows what grows with
the size: the bulk writes, and the queued search and reference index job (run inline here:
the test settings' task backend is immediate), take a fixed number per batch of questions.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import count
from typing import Any

from benchmarks.harness import (
    Bench,
    BenchmarkError,
    Repetitions,
    Row,
    Trial,
    measure,
    scenario,
)

SIZES = (500, 5_000)
REPS = {"full": Repetitions(warmup=0, repeat=3), "quick": Repetitions(warmup=0, repeat=1)}
_runs = count(1)


def generated(n: int) -> Any:
    """A parsed file of `n` questions of three types."""
    from quizzes.interchange.records import Answer, ImportFile, QuestionRecord

    questions = []
    for i in range(n):
        kind = ("single_choice", "multiple_response", "short_answer")[i % 3]
        if kind == "single_choice":
            answers = [
                Answer("Under 10 mm", Decimal(1), "Right."),
                Answer("15 mm", Decimal("0.5"), "Half."),
                Answer("40 mm", Decimal(0), "Too deep."),
            ]
        elif kind == "multiple_response":
            answers = [
                Answer("Vascular loop", Decimal("0.5"), "Yes."),
                Answer("Tumour", Decimal("0.5"), "Yes."),
                Answer("Caffeine", Decimal(-1), "No."),
            ]
        else:
            answers = [Answer("orbicularis oculi", Decimal(1)), Answer("orbic*", Decimal("0.5"))]
        questions.append(
            QuestionRecord(
                type=kind,  # type: ignore[arg-type]
                name=f"Generated question number {i}",
                text=f"<p>Stem of generated question <b>{i}</b>.</p>",
                category=["$course$", "top", f"Topic {i % 10}"],
                idnumber=f"gen-{i}",
                general_feedback="<p>Because.</p>",
                answers=answers,
            )
        )
    return ImportFile(format="moodlexml", questions=questions)


@scenario("interchange-import", "import_file() of 500 and 5,000 generated questions")
def interchange_import(bench: Bench) -> list[Row]:
    from core.roles import ensure_roles
    from quizzes.interchange.importing import import_file
    from tests.factories import SourceFactory

    ensure_roles(None)
    source: Any = SourceFactory()
    rows = []
    for n in SIZES:
        parsed = generated(n)

        def prepare(parsed: Any = parsed, n: int = n) -> Trial:
            root = f"Benchmark {next(_runs)}"

            def check(summary: Any) -> None:
                if summary.created != n:
                    raise BenchmarkError(f"expected {n} imported: {summary.headline}")

            return Trial(
                lambda: import_file(parsed, source=source, category=root, user=None, dry_run=False),
                check,
            )

        rows.append(Row("interchange-import", n, measure(prepare, bench.reps(REPS))))
    return rows
