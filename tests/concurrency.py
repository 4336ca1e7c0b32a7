"""Running the same call from several threads at once, each on its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency tests need PostgreSQL row locks; run with DATABASE_URL=postgres://...",
)


def run_concurrently(func: Callable[[], Any], threads: int = 8) -> list[Any]:
    """Call `func` from `threads` threads released together; results or raised exceptions."""
    barrier = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = func()
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return results
