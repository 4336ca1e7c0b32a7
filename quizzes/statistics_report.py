"""What the item statistics report shows: its filters, sorted rows, the chart's geometry, the CSV.

Pure presentation of a `quizzes.item_statistics.Statistics` (no database): the admin view
(quizzes.statistics_admin) asks `statistics_for_quiz` for the figures and renders these. The
chart is facility (x, 0..1) against discrimination index (y, -100..100 %), drawn as inline SVG
on the server so it needs no script and reads the same in every browser and in a screen reader
(each point has a title; the table is its text equivalent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quizzes.item_statistics import FLAG_RULES, QuestionStatistics, Statistics

# ?ordering= value -> (column heading, the row's sort value). The default keeps quiz order.
SORTS: dict[str, tuple[str, Callable[[Row], Any]]] = {}
DEFAULT_ORDERING = "number"
CSV_COLUMNS = [
    "number",
    "key",
    "question",
    "attempts",
    "facility %",
    "sd %",
    "random guess %",
    "discrimination index %",
    "discriminative efficiency %",
    "effective weight %",
    "option counts",
    "flags",
]


@dataclass(frozen=True)
class Row:
    """One question (or stage) of the report, numbered in quiz order."""

    number: int
    stats: QuestionStatistics
    question_id: int | None = None  # the bank question, for its edit link and the review action
    under_review: bool = False

    @property
    def flagged(self) -> bool:
        return bool(self.stats.flags)


def _last_if_none(value: float | None) -> tuple[bool, float]:
    return (value is None, value or 0.0)


SORTS.update(
    {
        "number": ("#", lambda r: r.number),
        "question": ("Question", lambda r: r.stats.label.lower()),
        "attempts": ("Attempts", lambda r: r.stats.s),
        "facility": ("Facility", lambda r: _last_if_none(r.stats.facility)),
        "sd": ("SD", lambda r: _last_if_none(r.stats.sd)),
        "guess": ("Random guess", lambda r: _last_if_none(r.stats.randomguessscore)),
        "discrimination": (
            "Discrimination index",
            lambda r: _last_if_none(r.stats.discriminationindex),
        ),
        "efficiency": (
            "Discriminative efficiency",
            lambda r: _last_if_none(r.stats.discriminativeefficiency),
        ),
        "weight": ("Effective weight", lambda r: _last_if_none(r.stats.effectiveweight)),
        "flags": ("Flags", lambda r: -len(r.stats.flags)),
    }
)


def parse_ordering(value: str | None) -> tuple[str, bool]:
    """(sort key, descending) from ?ordering= ("facility", "-facility"); unknown -> quiz order."""
    value = (value or "").strip()
    descending = value.startswith("-")
    key = value.removeprefix("-")
    return (key, descending) if key in SORTS else (DEFAULT_ORDERING, False)


def sorted_rows(rows: list[Row], key: str, descending: bool) -> list[Row]:
    """Rows sorted by one column; a figure that could not be computed stays last either way."""
    value = SORTS[key][1]
    known = [r for r in rows if not _unknown(key, r)]
    unknown = [r for r in rows if _unknown(key, r)]
    return sorted(known, key=value, reverse=descending) + unknown


def _unknown(key: str, row: Row) -> bool:
    sort_value = SORTS[key][1](row)
    return isinstance(sort_value, tuple) and sort_value[0] is True


@dataclass(frozen=True)
class Header:
    key: str
    label: str
    ordering: str  # the ?ordering= a click on the heading asks for
    sort: str  # aria-sort: ascending, descending or none


def headers(key: str, descending: bool) -> list[Header]:
    """The sortable column headings: a click sorts by that column, a second click reverses."""
    result = []
    for column, (label, _) in SORTS.items():
        current = column == key
        result.append(
            Header(
                key=column,
                label=label,
                ordering=f"-{column}" if current and not descending else column,
                sort=("descending" if descending else "ascending") if current else "none",
            )
        )
    return result


# The chart ------------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the question's number, drawn beside the point
    title: str  # what the point is, for a screen reader and on hover
    flagged: bool


def _x(facility: float) -> float:
    return LEFT + facility * (WIDTH - LEFT - RIGHT)


def _y(discrimination: float) -> float:
    clamped = max(-100.0, min(100.0, discrimination))
    return TOP + (100 - clamped) / 200 * (HEIGHT - TOP - BOTTOM)


def chart(rows: list[Row]) -> dict[str, Any]:
    """The chart's points, axes ticks and threshold lines, in SVG user units."""
    points = [
        Point(
            x=round(_x(r.stats.facility), 1),
            y=round(_y(r.stats.discriminationindex), 1),
            label=str(r.number),
            title=(
                f"{r.number}. {r.stats.label}: facility {r.stats.facility:.0%}, "
                f"discrimination index {r.stats.discriminationindex:.0f}%"
                + (f" (flagged: {'; '.join(r.stats.flags)})" if r.flagged else "")
            ),
            flagged=r.flagged,
        )
        for r in rows
        if r.stats.facility is not None and r.stats.discriminationindex is not None
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "points": points,
        "missing": [r.number for r in rows if r.stats.discriminationindex is None],
        "x_ticks": [(round(_x(f / 10), 1), f"{f * 10}%") for f in range(0, 11, 2)],
        "y_ticks": [(round(_y(d), 1), f"{d}%") for d in range(-100, 101, 50)],
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "x_label_y": HEIGHT - BOTTOM + 18,
        "y_label_x": LEFT - 6,
        "caption_y": HEIGHT - 8,
        "axis_x": round(_y(0), 1),
        "facility_lines": [
            round(_x(FLAG_RULES.facility_under), 1),
            round(_x(FLAG_RULES.facility_over), 1),
        ],
        "discrimination_line": round(_y(FLAG_RULES.discrimination_under), 1),
        "rules": FLAG_RULES,
    }


# The CSV --------------------------------------------------------------------------------------


def _percent(value: float | None, scale: float = 100.0) -> str:
    return "" if value is None else f"{value * scale:.2f}"


def csv_row(row: Row) -> dict[str, Any]:
    """One question's CSV row, keyed by CSV_COLUMNS (text not yet spreadsheet-safe)."""
    q = row.stats
    return dict(
        zip(
            CSV_COLUMNS,
            [
                row.number,
                str(q.key),
                q.label,
                q.s,
                _percent(q.facility),
                _percent(q.sd),
                _percent(q.randomguessscore),
                _percent(q.discriminationindex, 1),
                _percent(q.discriminativeefficiency, 1),
                _percent(q.effectiveweight, 1),
                "; ".join(f"{option}: {count}" for option, count in q.option_counts.items()),
                "; ".join(q.flags),
            ],
            strict=True,
        )
    )


def rows_of(
    statistics: Statistics, question_ids: dict[str, int], under_review: set[int]
) -> list[Row]:
    """The report's rows in quiz order, tied to their bank questions where there are any."""
    rows = []
    for number, stats in enumerate(statistics.questions, start=1):
        question_id = question_ids.get(str(stats.key))
        rows.append(Row(number, stats, question_id, question_id in under_review))
    return rows
