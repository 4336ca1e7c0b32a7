"""Reading a marks export laid out like Moodle's results CSV into item-statistics input.

The layout (Moodle's mod/quiz/report/statistics/tests/fixtures/resultsNN.csv): one row per
attempt, a `slots.N.mark` column per question slot N, and optionally `quizattempt` (an attempt
label) and `summarks` (the attempt's total, ignored: totals are recomputed from the slot marks
so a rounded total cannot disagree with them). An empty cell means the slot was not presented.

Pure: text in, (items, attempts) out, or a MarksFileError saying which row and column is wrong.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping

from quizzes.item_statistics import AttemptMarks, Item, ItemKey

SLOT_COLUMN = re.compile(r"^slots\.(\d{1,4})\.mark$")
OTHER_COLUMNS = {"quizattempt", "summarks"}


class MarksFileError(ValueError):
    """The file is not a marks export this reader understands; the message says where."""


def _slot_columns(header: list[str]) -> dict[int, str]:
    if not header or not any(name.strip() for name in header):
        raise MarksFileError("the file is empty: expected a header row with slots.N.mark columns")
    seen: set[str] = set()
    slots: dict[int, str] = {}
    for name in header:
        column = name.strip()
        if column in seen:
            raise MarksFileError(f"column “{column}” appears twice")
        seen.add(column)
        match = SLOT_COLUMN.match(column)
        if match:
            slots[int(match.group(1))] = name
        elif column not in OTHER_COLUMNS:
            raise MarksFileError(
                f"unknown column “{column[:40]}”: expected slots.N.mark, quizattempt or summarks"
            )
    if not slots:
        raise MarksFileError("no slots.N.mark column: this is not a marks export")
    return dict(sorted(slots.items()))


def _mark(text: str, row: int, column: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise MarksFileError(f"row {row}, column {column}: “{text[:20]}” is not a number") from None
    if not math.isfinite(value):
        raise MarksFileError(f"row {row}, column {column}: “{text[:20]}” is not a number")
    return value


def read_marks(
    text: str, max_marks: Mapping[int, float] | None = None
) -> tuple[list[Item], list[AttemptMarks]]:
    """Items (one per slot, max mark 1 unless `max_marks` says otherwise) and attempts."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, [])
        slots = _slot_columns(header)
        unknown = set(max_marks or {}) - set(slots)
        if unknown:
            raise MarksFileError(f"a max mark is given for slot {min(unknown)}, not in the file")
        positions = {slot: header.index(name) for slot, name in slots.items()}
        attempts: list[AttemptMarks] = []
        for row_number, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise MarksFileError(
                    f"row {row_number} has {len(row)} cells, the header {len(header)}"
                )
            marks: dict[ItemKey, float] = {}
            for slot, index in positions.items():
                value = _mark(row[index], row_number, header[index].strip())
                if value is not None:
                    marks[slot] = value
            attempts.append(AttemptMarks(marks=marks))
    except csv.Error as error:
        raise MarksFileError(f"not a readable CSV file ({error})") from None
    items = [Item(key=slot, max_mark=(max_marks or {}).get(slot, 1.0)) for slot in slots]
    return items, attempts
