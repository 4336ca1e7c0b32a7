"""Readiness checks: can this process serve, and which of its dependencies answer?

Each check talks to its dependency for real and times it. The database is required: without
it nothing can be served, so readiness fails. The cache and the task queue are not: pages are
served from the database while the cache is down (core/cache.py), and work the queue missed
is redone by the periodic reconcile, so either being down only degrades the site.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import caches
from django.db import connection
from django_tasks import task_backends
from django_tasks.exceptions import TaskResultDoesNotExist

from core.cache import DegradingRedisCache

UP = "up"
DOWN = "down"
OK = "ok"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"

PROBE_KEY = "health:probe"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one dependency check."""

    name: str
    status: str
    latency_ms: float
    required: bool
    error: str = ""

    def as_json(self) -> dict[str, object]:
        """Status, latency and, when down, the exception's class name (never its message)."""
        data: dict[str, object] = {
            "status": self.status,
            "latency_ms": self.latency_ms,
            "required": self.required,
        }
        if self.error:
            data["error"] = self.error
        return data


def timed(name: str, required: bool, probe: Callable[[], None]) -> CheckResult:
    """Run `probe`; any exception it raises means the dependency is down."""
    start = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # whatever a dependency raises, it did not answer
        status, error = DOWN, type(exc).__name__
    else:
        status, error = UP, ""
    latency = round((time.perf_counter() - start) * 1000, 1)
    return CheckResult(name=name, status=status, latency_ms=latency, required=required, error=error)


def probe_database() -> None:
    """One round trip on the default connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def probe_cache() -> None:
    """Ping Redis past the degrading cache's retry interval; other caches do a round trip."""
    cache = caches["default"]
    if isinstance(cache, DegradingRedisCache):
        cache.probe()
        return
    token = uuid.uuid4().hex
    cache.set(PROBE_KEY, token, 10)
    if cache.get(PROBE_KEY) != token:
        raise LookupError("the cache did not return what was stored")


def probe_queue() -> None:
    """Ask every task backend that stores results for one that cannot exist.

    "No such result" proves the backend's store (its table, or its Redis) answered; a
    backend that runs tasks inside the caller has nothing to reach.
    """
    for backend in task_backends.all():
        if not backend.supports_get_result:
            continue
        try:
            backend.get_result(str(uuid.uuid4()))
        except TaskResultDoesNotExist:
            continue


def readiness() -> tuple[int, dict[str, object]]:
    """HTTP status and body for the readiness check.

    503 "unavailable" when a required dependency is down; 200 "degraded" when only an
    optional one is; 200 "ok" when all answer.
    """
    results = [
        timed("database", True, probe_database),
        timed("cache", False, probe_cache),
        timed("queue", False, probe_queue),
    ]
    if any(r.status == DOWN and r.required for r in results):
        status, http_status = UNAVAILABLE, 503
    elif any(r.status == DOWN for r in results):
        status, http_status = DEGRADED, 200
    else:
        status, http_status = OK, 200
    return http_status, {"status": status, "checks": {r.name: r.as_json() for r in results}}
