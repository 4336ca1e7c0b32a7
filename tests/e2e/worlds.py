"""The worlds browser tests build (the demo, the curriculum), committed for the live server.

A browser test is transactional: what it builds is committed for the live server to read, and
the tables are emptied when it ends, so each test builds its world again. On SQLite, the world
is written back from the copy the run keeps of it (tests/world_snapshots.py), in milliseconds,
once one test has built it; on PostgreSQL each test builds its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from tests import world_snapshots

# The password browser tests load the demo with (they set DEMO_PASSWORD to it): the default,
# so that they share the run's copy of the demo with the `demo` fixture's tests.
DEMO_PASSWORD = settings.DEMO_PASSWORD_DEFAULT


def load_demo() -> None:
    """`load_demo`, committed (with the password DEMO_PASSWORD names, if set)."""
    world_snapshots.load("demo")


def load_curriculum() -> None:
    """`load_curriculum` of the real curriculum, committed."""
    world_snapshots.load("curriculum")


def committed_world(name: str, build: Callable[[], object], *, defined_in: str) -> None:
    """A world of a test file's own (`defined_in`, its `__file__`), built by `build` and kept
    as the shared worlds are."""
    world_snapshots.restore(name, build, defined_in=Path(defined_in))
