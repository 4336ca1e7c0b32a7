"""Where a question was written from: the lesson passage citing the same source and passage.

A question cites a Source and a passage of it; lessons cite passages in `citation` and
`case_excerpt` blocks, each rendered with a stable id (core.blocks.passage_anchor). The result
page links a missed critical question to that block, so the trainee rereads what it rests on.

Lessons of the quiz's own module come first, then the rest of its course, then any other
course. A passage matches when it is the same text (case and spacing aside); failing that, when
one of the question's passage parts (split at `,` or `;`) is the block's passage, so "case
report, treatment paragraph" finds the lesson citing "treatment paragraph". Block bodies are
read as stored JSON: at most two queries, whatever the number of questions or lessons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from wagtail.models import Page

from core.blocks import CITING_BLOCKS, normalise_passage, passage_anchor
from courses.models import LessonPage
from quizzes.contracts import SnapshotSource
from quizzes.lifecycle import missed_critical
from quizzes.models import Attempt, Response


@dataclass(frozen=True)
class PassageLink:
    """A lesson passage to reread: the lesson's title and its URL at the passage's anchor."""

    title: str
    url: str


@dataclass(frozen=True)
class MissedCritical:
    """A critical question the attempt did not get fully right, as the result page names it."""

    position: int
    stage: int
    stem: str  # editor rich text
    link: PassageLink | None


@dataclass(frozen=True)
class _Cited:
    lesson: LessonPage
    source_id: int
    passage: str  # normalised
    anchor: str


def _parts(passage: str) -> set[str]:
    return {part.strip() for part in re.split(r"[;,]", passage) if part.strip()}


def _cited(lessons: Iterable[LessonPage]) -> list[_Cited]:
    """Every citing block of `lessons`, from the stored JSON (no snippet is loaded)."""
    found = []
    for lesson in lessons:
        for block in lesson.body.raw_data:
            value = block.get("value") or {}
            if block.get("type") not in CITING_BLOCKS or not isinstance(value, dict):
                continue
            source_id, passage = value.get("source"), value.get("passage") or ""
            if isinstance(source_id, int) and passage.strip():
                anchor = passage_anchor(source_id, passage)
                found.append(_Cited(lesson, source_id, normalise_passage(passage), anchor))
    return found


def _best(source: SnapshotSource, cited: list[_Cited], module_path: str) -> _Cited | None:
    """The closest citing block: exact passage before a passage part, own module first."""
    source_id = source.get("id")
    if source_id is None:
        return None
    wanted = normalise_passage(source["passage"])
    parts = _parts(wanted)
    ranked = [
        (
            0 if c.passage == wanted else 1,
            not c.lesson.path.startswith(module_path),
            c.lesson.path,
            c,
        )
        for c in cited
        if c.source_id == source_id and (c.passage == wanted or c.passage in parts)
    ]
    return min(ranked, key=lambda row: row[:3])[3] if ranked else None


def _lessons(course: Page | None, *, inside: bool) -> list[LessonPage]:
    lessons = LessonPage.objects.live().only("title", "url_path", "path", "depth", "body")
    if course is not None:
        lessons = lessons.descendant_of(course) if inside else lessons.not_descendant_of(course)
    elif inside:
        return []
    return list(lessons.order_by("path"))


def passage_links(
    sources: dict[int, SnapshotSource],
    *,
    module: Page | None,
    course: Page | None,
    request: HttpRequest | None = None,
) -> dict[int, PassageLink]:
    """For each key of `sources` (a question's position), the lesson passage it was written from.

    Questions whose source no lesson cites at that passage are left out.
    """
    wanted = {key: source for key, source in sources.items() if source.get("id") is not None}
    if not wanted:
        return {}
    module_path = module.path if module is not None else "-"
    cited = _cited(_lessons(course, inside=True))
    best = {key: _best(source, cited, module_path) for key, source in wanted.items()}
    if any(found is None for found in best.values()):
        elsewhere = _cited(_lessons(course, inside=False))
        for key, found in best.items():
            if found is None:
                best[key] = _best(wanted[key], elsewhere, module_path)
    links = {}
    for key, found in best.items():
        if found is not None:
            url = found.lesson.get_url(request)
            if url:
                links[key] = PassageLink(found.lesson.title, f"{url}#{found.anchor}")
    return links


def missed_critical_views(
    attempt: Attempt,
    responses: list[Response],
    *,
    module: Page | None,
    course: Page | None,
    request: HttpRequest | None = None,
    links: dict[int, PassageLink] | None = None,
) -> list[MissedCritical]:
    """The attempt's missed critical questions, each with the lesson passage to reread.

    Naming them reveals only that they were not fully right; whether the right answer shows is
    still the review policy's call (quizzes.presentation.review_view). `links`, when given, are
    `passage_links` already found for (at least) these questions' positions.
    """
    missed = missed_critical(attempt, responses)
    if not missed:
        return []
    if links is None:
        links = passage_links(
            {r.position: r.question_snapshot["source"] for r in missed},
            module=module,
            course=course,
            request=request,
        )
    return [
        MissedCritical(r.position, r.stage, r.question_snapshot["stem"], links.get(r.position))
        for r in missed
    ]
