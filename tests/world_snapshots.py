"""Built worlds (the curriculum, the demo) kept as copies of the whole SQLite database, shared by
the processes of a run and by later runs while nothing they are built from changes.

Building the demo takes about ten seconds and the curriculum about five. Each test process
used to build each world it needed: the shared world of the ordinary tests, and again the
committed world of the browser tests. On SQLite, the first process to need a world builds it,
committed, and keeps a copy of the database in `.test-db-template/world-<name>-<key>.sqlite3`
(SQLite's online backup API); every other test that needs it, in any process of the run or a
later run, has that copy written over its database instead, in milliseconds. Everything a world
is lives in the database (the loaders write no media files).

The key is a hash of the migrated template's key (tests/db_template.py), every file of the
project's apps, settings and curriculum, the version of every installed package (Wagtail,
Django, bleach...), the world's name and DEMO_PASSWORD: a change to any of them builds the
world afresh. The builder holds an exclusive `flock` on the world's lock file while it builds,
so the others wait for its copy rather than build their own; a crash leaves no copy and no
stuck lock. On PostgreSQL every world is built
each time it is needed (`available()` is False).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import sqlite3
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.utils.text import slugify

from tests.db_template import FOLDER, ROOT, enabled, migrations_key

# What a world is built from: the apps' code and migrations, the settings, the curriculum.
SOURCES = (
    "academy",
    "accounts",
    "certification",
    "config",
    "core",
    "courses",
    "curriculum",
    "quizzes",
)


# The worlds, by name, and the command that builds each (the demo holds the curriculum too).
WORLDS = {"demo": "load_demo", "curriculum": "load_curriculum"}


def available() -> bool:
    """Whether worlds are kept as copies here: on SQLite, unless the template is turned off."""
    return enabled() and connections["default"].vendor == "sqlite"


@functools.cache
def _sources_key() -> str:
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest = hashlib.sha256(" ".join([migrations_key(), *installed]).encode())
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _variant(name: str, defined_in: Path | None) -> str:
    """World `name` with the demo password in force (DEMO_PASSWORD, or the default), and the
    test file that defines it, if it is a test's own."""
    password = os.environ.get("DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT
    digest = hashlib.sha256(password.encode())
    if defined_in is not None:
        digest.update(defined_in.read_bytes())
    return f"{slugify(name)}-{digest.hexdigest()[:8]}"


def key(name: str, defined_in: Path | None = None) -> str:
    """The file name of world `name` as this process would build it now."""
    return f"world-{_variant(name, defined_in)}-{_sources_key()[:16]}.sqlite3"


def copy_of_database() -> sqlite3.Connection:
    """The default database as it is now, copied into memory (for `write_back`)."""
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    _database().backup(copy)
    return copy


def write_back(copy: sqlite3.Connection) -> None:
    """Write a copy over the default database and empty the cache, which may describe what
    was there before (Wagtail keeps the site's root paths there)."""
    copy.backup(_database())
    cache.clear()


def restore(name: str, build: Callable[[], object], *, defined_in: Path | None = None) -> None:
    """Make the default database hold world `name`, committed: written back from its copy, or
    built by `build` in autocommit mode and then copied for the next test that needs it.

    A world a test file builds for itself (from a changed copy of the curriculum, say) names
    that file as `defined_in`, so that a change to it builds the world afresh.
    """
    if not available():
        build()
        return
    FOLDER.mkdir(exist_ok=True)
    variant = _variant(name, defined_in)
    path = FOLDER / key(name, defined_in)
    with (FOLDER / f"world-{variant}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            source = sqlite3.connect(path)
            try:
                write_back(source)
            finally:
                source.close()
            return
        build()
        for old in FOLDER.glob(f"world-{variant}-*.sqlite3"):
            old.unlink(missing_ok=True)
        partial = FOLDER / f"partial-world-{os.getpid()}.sqlite3"
        target = sqlite3.connect(partial)
        try:
            _database().backup(target)
        finally:
            target.close()
        partial.replace(path)


def load(name: str) -> None:
    """World `name` of WORLDS, committed: as `restore`, built by its command."""
    restore(name, lambda: call_command(WORLDS[name], verbosity=0))


def _database() -> sqlite3.Connection:
    connection = connections["default"]
    connection.ensure_connection()
    return connection.connection
