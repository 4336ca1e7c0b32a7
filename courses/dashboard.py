"""The panels of the learner's own page, /learn/ ("My learning"), that higher apps contribute.

courses draws the page (the courses in progress and completed); apps above it add panels with
`register_learn_panel` from their `AppConfig.ready` — quizzes the quiz tables and the recent
attempts, certification the clinics and certificates — so courses never imports them and its
template loads none of their tags. Each panel is a template of the contributing app, rendered
with `data` (what the panel's `data` function returned) besides the page's own context.

Slots, in page order: "top" (above the courses), "course" (inside each course's card, under its
modules; `data` returns a value per course id), "after_active" (after the courses in progress).

Panels that read the same rows share one read through `shared` (computed once per page, by
whichever panel asks first), so a page with many panels does not read a table once per panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from accounts.http import AuthenticatedHttpRequest
from courses.progress import CourseProgress

Slot = Literal["top", "course", "after_active"]
PanelData = Callable[[AuthenticatedHttpRequest, dict[int, CourseProgress]], Any]
T = TypeVar("T")


@dataclass(frozen=True)
class LearnPanel:
    """One registered panel: where it goes, its template and what it is rendered with."""

    name: str
    slot: Slot
    template: str
    data: PanelData | None
    order: int


@dataclass(frozen=True)
class RenderedPanel:
    """A panel ready for `{% include panel.template with data=panel.data %}`."""

    template: str
    data: Any


_PANELS: dict[str, LearnPanel] = {}


def register_learn_panel(
    name: str, *, slot: Slot, template: str, data: PanelData | None = None, order: int = 100
) -> None:
    """Add a panel to /learn/ (from an AppConfig.ready). Lower `order` comes first in its slot.

    `data(request, progress)` gets the signed-in request and the learner's progress in each
    enrolled course (keyed by course id); for the "course" slot it returns a dict keyed by
    course id. Registering a name again replaces that panel.
    """
    _PANELS[name] = LearnPanel(name, slot, template, data, order)


def shared(request: AuthenticatedHttpRequest, key: str, build: Callable[[], T]) -> T:
    """`build()`'s value for `key`, computed once per request: what several panels (of one app
    or of apps layered on each other) read alike is read once for the page. `key` names the
    value and its owner ("quizzes:attempts"), so apps do not collide."""
    values: dict[str, Any] = request.__dict__.setdefault("_learn_shared", {})
    if key not in values:
        values[key] = build()
    return values[key]


def learn_panels(
    request: AuthenticatedHttpRequest, progress: dict[int, CourseProgress]
) -> tuple[dict[str, list[RenderedPanel]], dict[int, list[RenderedPanel]]]:
    """The page's panels by slot, and each course's own panels by course id."""
    by_slot: dict[str, list[RenderedPanel]] = {"top": [], "after_active": []}
    by_course: dict[int, list[RenderedPanel]] = {course_id: [] for course_id in progress}
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        data = panel.data(request, progress) if panel.data is not None else None
        if panel.slot == "course":
            for course_id, panels in by_course.items():
                panels.append(RenderedPanel(panel.template, (data or {}).get(course_id)))
        else:
            by_slot[panel.slot].append(RenderedPanel(panel.template, data))
    return by_slot, by_course
