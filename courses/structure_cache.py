"""The course structure (live modules and steps), kept in the cache between requests.

Reading a course's structure costs a query for its modules and one per step kind, on every page
that shows progress, for every learner; it changes only when someone edits the course. So it is
kept in Django's cache (Redis when configured: shared by every app server) under a *generation*
number, and any change to any page or site bumps the generation, which makes every entry stale
at once in every process:

- Wagtail's `page_published`, `page_unpublished` and `post_page_move`, and Django's `post_save`
  and `post_delete` of any Page, Site or page view restriction, and of what a lesson shows
  beside its body (Sources, competencies, citations, learning objectives, clinical reviews,
  images, documents), bump it at once and again when the transaction commits (so a reader
  between the two cannot keep what it read from an uncommitted state);
- entries also expire after `STRUCTURE_CACHE_SECONDS` (300 by default), which bounds what an
  invalidation lost while the cache was unreachable can cost (core/cache.py).

What is cached is derived data only (pages' ids, titles, paths, URLs, minutes; the routes and
view restrictions of courses.routing; the rendered content every learner of a lesson sees): a
lost entry costs the queries, never a wrong page for long. Learner state is never cached here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.functional import SimpleLazyObject

GENERATION_KEY = "courses:structure:generation"
T = TypeVar("T")


def timeout() -> int:
    """How long an entry is kept (seconds): the bound on what a lost invalidation costs."""
    return int(getattr(settings, "STRUCTURE_CACHE_SECONDS", 300))


def generation() -> int:
    """The current generation; a fresh one (nothing cached under it) when none is stored."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else time.time_ns()


def _bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not stored (or the cache is unreachable): start a new generation
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def invalidate(**_: Any) -> None:
    """Make every cached structure stale now, and again once the current transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def cached(key: str, build: Callable[[], T]) -> T:
    """`build()`'s value for `key` in the current generation, built and stored on a miss."""
    full_key = f"courses:structure:{generation()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = build()
        cache.set(full_key, value, timeout=timeout())
    return value


def shared_content(request: Any, **lists: Callable[[], list]) -> dict[str, Any]:
    """Context for what a page shows every reader alike (body, citations, competencies,
    objectives, review line), which its template keeps in the fragment cache under
    `content_generation` (the generation: bumped by every publish and by any change to what
    these lists read). The lists are read only when a fragment is not cached.

    A preview (of a draft, or of an editor's unsaved form) shares the page's id but not its
    live content: it gets a key of its own that is never kept (timeout 0)."""
    preview = getattr(request, "is_preview", False)
    return {
        "content_generation": f"preview-{uuid.uuid4().hex}" if preview else generation(),
        "content_cache_seconds": 0 if preview else timeout(),
        **{name: SimpleLazyObject(read) for name, read in lists.items()},
    }


def lookup_many(keys: list[str]) -> dict[str, Any]:
    """The values stored for those of `keys` known in the current generation (one cache read)."""
    prefix = f"courses:structure:{generation()}:"
    found = cache.get_many([prefix + key for key in keys])
    return {key[len(prefix) :]: value for key, value in found.items()}


def store_many(values: dict[str, Any]) -> None:
    """Store `values` (key -> value) in the current generation."""
    prefix = f"courses:structure:{generation()}:"
    cache.set_many({prefix + key: value for key, value in values.items()}, timeout=timeout())


def _watched_models() -> tuple[type, ...]:
    """The models whose rows change what is cached under the generation."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Page, PageViewRestriction, Site

    from core.models import ClinicalReview, Source
    from courses.models import Competency, LearningObjective, LessonCitation

    return (
        Page,
        Site,
        PageViewRestriction,
        Source,
        Competency,
        LessonCitation,
        LearningObjective,
        ClinicalReview,
        get_image_model(),
        get_document_model(),
    )


def connect_signals() -> None:
    """Bump the generation whenever a page, a site, a view restriction or anything a lesson
    shows beside its body changes (from CoursesConfig.ready)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    watched = _watched_models()

    def on_model_change(sender: type, **kwargs: Any) -> None:
        if issubclass(sender, watched):
            invalidate()

    page_published.connect(invalidate, dispatch_uid="courses.structure.published")
    page_unpublished.connect(invalidate, dispatch_uid="courses.structure.unpublished")
    post_page_move.connect(invalidate, dispatch_uid="courses.structure.moved")
    post_save.connect(on_model_change, dispatch_uid="courses.structure.saved", weak=False)
    post_delete.connect(on_model_change, dispatch_uid="courses.structure.deleted", weak=False)
