"""Whose queries a quiz request makes: the quiz's own, the shared per-request overhead, or the
post-grading pipeline. Used by the quiz query-budget tests and the quiz benchmarks.

Every request pays for the session, the user, Wagtail's routing, the course's progress (the
module lock), the breadcrumbs and the site header; those belong to courses, core, accounts and
the header's context processors, and are cut there. A submit's commit also runs the learner's
evaluation (courses.evaluation: progress, then certificates), which this module counts apart.
What is left is what quizzes' own code and templates ask for.

A query is attributed from its call stack, innermost first: the first frame of project code,
or the first project template being rendered, decides. Certification code called through a
quizzes extension point (an override lookup registered with quizzes.overrides) belongs to its
caller, so its frames are passed over (except the header's context processors); so are those
of accounts.audit's `log_entry`, since an audit entry belongs to whoever logs it.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
OWN, SHARED, PIPELINE = "quiz's own", "shared overhead", "post-grading pipeline"
_TEMPLATE_RENDER = str(Path("django", "template", "base.py"))
_PASSED_OVER = ("accounts/audit.py",)  # helpers whose queries are their caller's


def _project_path(frame: FrameType) -> str | None:
    """The project-relative file of a project frame, or of the project template it renders."""
    filename = frame.f_code.co_filename
    if filename.endswith(_TEMPLATE_RENDER) and frame.f_code.co_name == "render":
        origin = getattr(frame.f_locals.get("self"), "origin", None)
        filename = getattr(origin, "name", None) or ""
    path = Path(filename)
    if not path.is_absolute() or ".venv" in path.parts:
        return None
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return None


def attribute(frame: FrameType | None) -> str:
    """OWN, SHARED or PIPELINE for a query made with `frame` innermost."""
    paths = []
    while frame is not None:
        path = _project_path(frame)
        if path is not None:
            paths.append(path)
        frame = frame.f_back
    if "courses/evaluation.py" in paths:
        return PIPELINE
    for path in paths:
        if path.startswith("quizzes/"):
            return OWN
        if path.startswith("certification/") and "context_processors" not in path:
            continue  # a plug-in: its caller decides
        if path in _PASSED_OVER:
            continue
        return SHARED
    return SHARED


@dataclass
class Split:
    """The queries of one request, by whose they are, with their SQL for failure messages."""

    counts: Counter = field(default_factory=Counter)
    sql: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def own(self) -> int:
        return self.counts[OWN]

    def describe(self, kind: str = OWN) -> str:
        return "\n".join(sql[:160] for whose, sql in self.sql if whose == kind)

    def summary(self) -> str:
        return f"{self.total} = {self.own} own + {self.counts[SHARED]} shared" + (
            f" + {self.counts[PIPELINE]} pipeline" if self.counts[PIPELINE] else ""
        )


@contextmanager
def split_queries() -> Iterator[Split]:
    """Attribute every query run in the block (on the default connection)."""
    split = Split()

    def wrapper(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        whose = attribute(sys._getframe(1))
        split.counts[whose] += 1
        split.sql.append((whose, sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield split
