"""`python manage.py item_statistics`: Moodle's item statistics for a quiz or a marks export.

    item_statistics --quiz SLUG [--all-attempts] [--by-stage] [--json]
    item_statistics --marks FILE.csv [--max-marks 1,1,2] [--json]

`--marks` reads a CSV laid out like Moodle's results fixture (quizzes.item_statistics_csv), so
the engine can be checked against Moodle or any other system's export; `--quiz` reads the
quiz's graded attempts (quizzes.item_statistics_data). `--json` prints
{"quiz": {...}, "questions": [{"slot": ..., ...}]} with Moodle's field names and scales;
without it, a table. Bad input is a one-line error and a non-zero exit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.item_statistics import Statistics, compute
from quizzes.item_statistics_csv import MarksFileError, read_marks
from quizzes.item_statistics_data import StatisticsError, statistics_for_quiz
from quizzes.management.lookups import quiz_from_argument

MAX_FILE_BYTES = 50 * 1024 * 1024


def _max_marks(text: str | None) -> dict[int, float] | None:
    if not text:
        return None
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise CommandError("--max-marks takes numbers separated by commas, e.g. 1,1,2.") from None
    if any(not value > 0 for value in values):
        raise CommandError("--max-marks: every max mark must be above 0.")
    return {slot: value for slot, value in enumerate(values, start=1)}


def _from_file(path: str, max_marks_text: str | None) -> Statistics:
    max_marks = _max_marks(max_marks_text)
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB.")
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise CommandError(f"{path}: is a folder, not a CSV file.") from None
    except PermissionError:
        raise CommandError(f"{path}: permission denied.") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not a UTF-8 text file.") from None
    except OSError as error:
        raise CommandError(f"{path}: cannot be read ({error.strerror}).") from None
    try:
        items, attempts = read_marks(text, max_marks)
    except MarksFileError as error:
        raise CommandError(f"{path}: {error}.") from None
    return compute(items, attempts)


def _figure(value: Any, scale: float = 1.0, places: int = 2) -> str:
    return "-" if value is None else f"{value * scale:.{places}f}"


class Command(BaseCommand):
    help = "Item statistics (Moodle's definitions) for a quiz's attempts or a marks CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--quiz", metavar="SLUG", help="a quiz page's slug (or page id)")
        source.add_argument(
            "--marks", metavar="FILE.csv", help="a CSV laid out like Moodle's results00.csv"
        )
        parser.add_argument("--json", action="store_true", help="print JSON, not a table")
        parser.add_argument(
            "--all-attempts", action="store_true", help="every graded attempt, not only first ones"
        )
        parser.add_argument(
            "--by-stage", action="store_true", help="case quizzes: one item per stage"
        )
        parser.add_argument(
            "--max-marks", metavar="1,1,2", help="--marks: each slot's max mark (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["marks"]:
            if options["all_attempts"] or options["by_stage"]:
                raise CommandError("--all-attempts and --by-stage apply to --quiz only.")
            stats = _from_file(options["marks"], options["max_marks"])
        else:
            if options["max_marks"]:
                raise CommandError("--max-marks applies to --marks only.")
            try:
                stats = statistics_for_quiz(
                    quiz_from_argument(options["quiz"]),
                    all_attempts=options["all_attempts"],
                    by_stage=options["by_stage"],
                )
            except StatisticsError as error:
                raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(stats.as_moodle_dict(), indent=2, ensure_ascii=False))
        else:
            self._table(stats)

    def _table(self, stats: Statistics) -> None:
        quiz = stats.quiz
        pct = quiz.percent
        self.stdout.write(
            f"Attempts {quiz.attempts}   mean {_figure(pct(quiz.mean))}%   "
            f"median {_figure(pct(quiz.median))}%   sd {_figure(pct(quiz.standarddeviation))}%   "
            f"skewness {_figure(quiz.skewness, places=4)}   "
            f"kurtosis {_figure(quiz.kurtosis, places=4)}"
        )
        self.stdout.write(
            f"CIC {_figure(quiz.cic)}%   error ratio {_figure(quiz.errorratio)}%   "
            f"standard error {_figure(pct(quiz.standarderror))}%"
        )
        header = ("item", "s", "facility%", "sd%", "guess%", "disc.idx", "disc.eff", "eff.wt%")
        self.stdout.write("")
        self.stdout.write("{:<40} {:>6} {:>9} {:>7} {:>7} {:>9} {:>9} {:>8}  flags".format(*header))
        for q in stats.questions:
            name = q.label or str(q.key)
            self.stdout.write(
                f"{name[:40]:<40} {q.s:>6} {_figure(q.facility, 100):>9} {_figure(q.sd, 100):>7} "
                f"{_figure(q.randomguessscore, 100):>7} {_figure(q.discriminationindex):>9} "
                f"{_figure(q.discriminativeefficiency):>9} {_figure(q.effectiveweight):>8}  "
                + "; ".join(q.flags)
            )
            for option, count in q.option_counts.items():
                self.stdout.write(f"    {count:>6}  {option[:70]}")
