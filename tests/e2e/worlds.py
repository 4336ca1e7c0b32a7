"""The worlds browser tests build (the demo, the curriculum), built once per test process.

A browser test is transactional: what it builds is committed for the live server to read, and
the tables are emptied when it ends, so each test used to build its world again (`load_demo`
takes seconds). On SQLite the first test to build a world copies the database once the world is
built (SQLite's online backup API, into memory); a later test asking for the same world gets
that copy written back over its database instead, in milliseconds. Everything the world is
lives in the database (the loaders write no media files); the cache is emptied after a copy is
written back, as it is before every test. On PostgreSQL each test builds its own world.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

from django.core.cache import cache
from django.core.management import call_command
from django.db import connections

_COPIES: dict[tuple[str, ...], sqlite3.Connection] = {}


def committed_world(key: str, build: Callable[[], object]) -> None:
    """Build the world `key` names, or write back the copy of it this process already made.

    `key` must name everything `build` depends on: two builds under one key must be the same.
    """
    connection = connections["default"]
    if connection.vendor != "sqlite":
        build()
        return
    full_key = (key, os.environ.get("DEMO_PASSWORD", ""))
    connection.ensure_connection()
    database = connection.connection
    copy = _COPIES.get(full_key)
    if copy is None:
        build()
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        database.backup(copy)
        _COPIES[full_key] = copy
    else:
        copy.backup(database)
        cache.clear()


def load_demo() -> None:
    """`load_demo`, committed (with the password DEMO_PASSWORD names, if set)."""
    committed_world("demo", lambda: call_command("load_demo", verbosity=0))


def load_curriculum() -> None:
    """`load_curriculum` of the real curriculum, committed."""
    committed_world("curriculum", lambda: call_command("load_curriculum", verbosity=0))


def forget() -> None:
    """Drop the copies (when the run ends)."""
    for copy in _COPIES.values():
        copy.close()
    _COPIES.clear()
