"""Wagtail's reference and search indexes, brought up to date once per object after a bulk load.

Wagtail re-indexes an object's references and its search entry on every save, and a child
row's save (a question's option, a page's inline) re-indexes its parent's references: loading
the curriculum saves each page and question several times (created, revised, published) and
ran about 650 reference and 360 search updates for some 150 objects. Inside `indexed_once()`
those saves update nothing; each object saved is indexed once when the block ends (on success),
and a deleted object's reference rows are removed at once, as Wagtail's own handler would. The
switch is thread-local (Wagtail's `disable_reference_index_auto_update` for references), so
other threads keep indexing as usual.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models
from django.db.models.signals import post_delete, post_save
from modelcluster.fields import ParentalKey
from modelsearch import index as search_index
from modelsearch import signal_handlers as search_signals
from modelsearch.tasks import insert_or_update_object_task
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.tasks import update_reference_index_task

_pending = threading.local()

ObjectKey = tuple[str, str, str]


def _key(instance: models.Model) -> ObjectKey:
    return (instance._meta.app_label, instance._meta.model_name or "", str(instance.pk))


def _indexed_root(instance: models.Model) -> models.Model | None:
    """The object whose references `instance` is part of: its ParentalKey parent, up the tree."""
    while True:
        parental = [f for f in instance._meta.get_fields() if isinstance(f, ParentalKey)]
        if not parental:
            return instance
        parent = getattr(instance, parental[0].name)
        if parent is None:
            return None
        instance = parent


def _remember_saved(sender, instance: models.Model, raw: bool = False, **kwargs) -> None:
    references: dict[ObjectKey, None] | None = getattr(_pending, "references", None)
    if references is None or raw or sender not in ReferenceIndex.tracked_models:
        return
    root = _indexed_root(instance)
    if root is not None and ReferenceIndex.is_indexed(type(root)):
        references[_key(root)] = None


def _forget_deleted(sender, instance: models.Model, **kwargs) -> None:
    references: dict[ObjectKey, None] | None = getattr(_pending, "references", None)
    if references is None:
        return
    references.pop(_key(instance), None)
    _pending.searched.pop(_key(instance), None)
    if sender in ReferenceIndex.tracked_models:
        ReferenceIndex.remove_for_object(instance)
        ReferenceIndex.remove_references_to(instance)


def _search_on_save(sender, instance: models.Model, raw: bool = False, **kwargs) -> None:
    """The search index's own save handler, except inside `indexed_once()`: noted for its end."""
    searched: dict[ObjectKey, None] | None = getattr(_pending, "searched", None)
    if searched is None:
        search_signals.post_save_signal_handler(instance, raw=raw, **kwargs)
    elif not raw:
        searched[_key(instance)] = None


@functools.cache
def _wire_search() -> None:
    """Put `_search_on_save` in place of the search index's save handler, once per process.

    The search app connects its handler when it starts, after this app's `ready`, so this is
    done on first use. Ours is connected (once, by its dispatch_uid) before theirs is removed:
    a save made meanwhile in another thread is indexed twice at worst, never missed, and two
    threads doing this at once leave the same wiring.
    """
    for model in search_index.get_indexed_models():
        if getattr(model, "search_auto_update", True):
            post_save.connect(
                _search_on_save, sender=model, dispatch_uid=f"core.indexing.search.{model._meta}"
            )
            post_save.disconnect(search_signals.post_save_signal_handler, sender=model)


def connect_signal_handlers() -> None:
    """Called from CoreConfig.ready: the receivers do nothing outside `indexed_once`."""
    post_save.connect(_remember_saved, dispatch_uid="core.indexing.remember_saved")
    post_delete.connect(_forget_deleted, dispatch_uid="core.indexing.forget_deleted")


@contextmanager
def indexed_once() -> Iterator[None]:
    """Defer reference and search index updates to the end of the block, one per object.

    Nested blocks join the outermost one. If the block raises, nothing is queued (the caller's
    transaction is rolled back with whatever was saved).
    """
    if getattr(_pending, "references", None) is not None:
        yield
        return
    _wire_search()
    _pending.references, _pending.searched = {}, {}
    try:
        with disable_reference_index_auto_update():
            yield
        references, searched = list(_pending.references), list(_pending.searched)
    finally:
        _pending.references = _pending.searched = None
    for app_label, model_name, pk in references:
        update_reference_index_task.enqueue(app_label, model_name, pk)
    for app_label, model_name, pk in searched:
        insert_or_update_object_task.enqueue(app_label, model_name, pk)


@contextmanager
def unindexed() -> Iterator[None]:
    """Leave the reference and search indexes alone for what is saved in the block.

    For data thrown away afterwards that no search, usage listing or reference check reads:
    test fixtures and benchmark set-up. A nested `indexed_once()` joins this block, so what it
    saves is not indexed either; deletions still remove their reference rows at once.
    """
    with indexed_once():
        try:
            yield
        finally:
            references, searched = _pending.references, _pending.searched
            if references is not None:
                references.clear()
                searched.clear()
