"""The course structure (live modules and steps), kept in the cache between requests.

Reading a course's structure costs a query for its modules and one per step kind, on every page
that shows progress, for every learner; it changes only when someone edits the course. So it is
kept in Django's cache (Redis when configured: shared by every app server) under a *generation*
number, and any change to any page or site bumps the generation, which makes every entry stale
at once in every process:

- Wagtail's `page_published`, `page_unpublished` and `post_page_move`, and Django's `post_save`
  and `post_delete` of any Page or Site, bump it at once and again when the transaction commits
  (so a reader between the two cannot keep what it read from an uncommitted state);
- entries also expire after `STRUCTURE_CACHE_SECONDS` (300 by default), which bounds what an
  invalidation lost while the cache was unreachable can cost (core/cache.py).

What is cached is derived data only (pages' ids, titles, paths, URLs, minutes): a lost entry
costs the queries, never a wrong page for long. Learner state is never cached here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "courses:structure:generation"
T = TypeVar("T")


def _timeout() -> int:
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
        cache.set(full_key, value, timeout=_timeout())
    return value


def connect_signals() -> None:
    """Bump the generation whenever a page or a site changes (from CoursesConfig.ready)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    def on_model_change(sender: type, **kwargs: Any) -> None:
        if issubclass(sender, (Page, Site)):
            invalidate()

    page_published.connect(invalidate, dispatch_uid="courses.structure.published")
    page_unpublished.connect(invalidate, dispatch_uid="courses.structure.unpublished")
    post_page_move.connect(invalidate, dispatch_uid="courses.structure.moved")
    post_save.connect(on_model_change, dispatch_uid="courses.structure.saved", weak=False)
    post_delete.connect(on_model_change, dispatch_uid="courses.structure.deleted", weak=False)
