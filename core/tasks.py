"""Background work: enqueueing after commit, retries, and the periodic schedule.

Work runs through Django's tasks API (`django-tasks`). The backend is a setting: the database
queue (`django-tasks-db`) by default, RQ on Redis when scaled out, and the immediate backend in
tests. Three rules hold for every task here:

- A task that follows a write is enqueued so that it cannot run before the write is visible:
  with the database queue the task row is written in the same transaction (it commits or rolls
  back with the data), with other backends it is enqueued when the transaction commits.
- A task that fails is tried again later (`retry_later`), a bounded number of times; every try
  and its error stay visible to admins (*Reports > Background tasks* for the database queue).
- Periodic jobs are declared once (`register_periodic`, from an app's `AppConfig.ready`) and
  enqueued by `manage.py run_scheduler`; each period's run is claimed by a unique row, so any
  number of schedulers enqueue it exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(seconds=30)


def _backend_is_transactional(task: Task) -> bool:
    """The database queue writes its row on the default connection: it commits with our data."""
    from django_tasks_db import DatabaseBackend

    return isinstance(task.get_backend(), DatabaseBackend)


def enqueue_after_write(task: Task, *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` so that it runs only once the current transaction's writes are visible.

    Outside a transaction it is enqueued at once.
    """
    if _backend_is_transactional(task) or not transaction.get_connection().in_atomic_block:
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def retry_later(task: Task, *args: Any, attempt: int, **kwargs: Any) -> bool:
    """Enqueue the next try of a failed task (with a growing delay); False when tries are used up.

    Tasks call this from their `except` clause and then re-raise, so the failed try is recorded
    as failed while the next one waits. `attempt` is the number of the try that just failed.
    """
    if attempt >= MAX_ATTEMPTS:
        logger.error("%s gave up after %s tries", task.module_path, attempt)
        return False
    backend = task.get_backend()
    if backend.supports_defer:
        task = task.using(run_after=timezone.now() + BACKOFF * 2 ** (attempt - 1))
    task.enqueue(*args, attempt=attempt + 1, **kwargs)
    return True


# PERIODIC JOBS
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """A task enqueued once every `every`, with no arguments."""

    name: str
    task: Task
    every: timedelta

    def slot(self, now: datetime) -> int:
        """The number of the period `now` falls in (periods counted from the Unix epoch)."""
        return int(now.timestamp() // self.every.total_seconds())


_PERIODIC: dict[str, Periodic] = {}


def register_periodic(name: str, task: Task, every: timedelta) -> None:
    """Declare a periodic job (call from `AppConfig.ready`; registering twice is harmless)."""
    _PERIODIC[name] = Periodic(name, task, every)


def periodic_jobs() -> list[Periodic]:
    return sorted(_PERIODIC.values(), key=lambda job: job.name)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue each periodic job whose current period has not been claimed yet; return their names."""
    from core.models import ScheduledRun

    now = now or timezone.now()
    started: list[str] = []
    for job in periodic_jobs():
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=job.name, slot=job.slot(now), enqueued_at=now)
                job.task.enqueue()
        except IntegrityError:
            continue  # another scheduler claimed this period
        started.append(job.name)
    return started


def run_guarded(function: Callable[[], Any], what: str) -> bool:
    """Run `function`, logging instead of raising: for best-effort work a queued task backs up."""
    try:
        function()
    except Exception:
        logger.exception("%s failed; the queued retry or the reconcile job will repeat it", what)
        return False
    return True
