"""A migrated test database, built once and then copied.

Migrating an empty database runs a few hundred migrations (Wagtail's, Django's and ours): about
30 s of CPU on SQLite and a minute on PostgreSQL, in every test process. Here the first process
to get the lock migrates as usual and keeps a copy of the result, the template, named by a hash
of every migration file; the other processes of the run, and every later run while no migration
changes, start from a copy of it instead, and Django's `migrate` (run with `keepdb`, as
`--reuse-db` does) finds nothing to apply. The copy is a new database each time, so no run sees
what an earlier one left behind.

- SQLite: the template is a file in `.test-db-template/`, copied with SQLite's backup API.
- PostgreSQL: the template is a database (`hfs_test_template_<hash>`), cloned with
  `CREATE DATABASE ... TEMPLATE`, which copies files rather than replaying SQL.

`HFS_TEST_DB_TEMPLATE=0` turns it off (every process migrates); `--reuse-db` is left as
pytest-django defines it. The lock is an exclusive `flock` on a file, released when the process
ends however it ends, so a crashed migration leaves no template and no stuck lock.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / ".test-db-template"
PG_PREFIX = "hfs_test_template_"


def enabled() -> bool:
    return os.environ.get("HFS_TEST_DB_TEMPLATE", "1") != "0"


@functools.cache
def migrations_key() -> str:
    """A hash of every migration file the project loads (ours and every installed app's)."""
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key in sorted(loader.disk_migrations):
        module = sys.modules[type(loader.disk_migrations[key]).__module__]
        digest.update(".".join(key).encode())
        if module.__file__:
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


class Template:
    """The template of the default database: find and clone it, or make it."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        self.key = migrations_key()
        self.cloned = False
        self._lock: IO[str] | None = None

    # The lock ------------------------------------------------------------------------------

    def _acquire(self) -> None:
        FOLDER.mkdir(exist_ok=True)
        self._lock = (FOLDER / f"{self.vendor}.lock").open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # Clone or make -------------------------------------------------------------------------

    def clone_or_hold(self) -> bool:
        """Clone the template into this process's test database and return True; or, when
        there is no template yet, keep the lock (so others wait) and return False."""
        if self.vendor not in ("sqlite", "postgresql"):
            return False
        self._acquire()
        if not self._exists():
            return False  # the lock is held until save() or the end of the process
        try:
            self._clone(self.connection.creation._get_test_db_name())
        finally:
            self.release()
        self.cloned = True
        return True

    def save(self) -> None:
        """Keep the freshly migrated test database as the template (when this process made it)."""
        if self._lock is None:
            return
        try:
            self._save(self.connection.settings_dict["NAME"])
        finally:
            self.release()

    # Per database --------------------------------------------------------------------------

    def _sqlite_path(self) -> Path:
        return FOLDER / f"sqlite-{self.key}.sqlite3"

    def _pg_name(self) -> str:
        return PG_PREFIX + self.key

    def _exists(self) -> bool:
        if self.vendor == "sqlite":
            return self._sqlite_path().is_file()
        with self.connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self._pg_name()])
            return cursor.fetchone() is not None

    def _clone(self, target: str) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(target + suffix).unlink(missing_ok=True)
            _sqlite_copy(self._sqlite_path(), Path(target))
            return
        quote = self.connection.ops.quote_name
        with self.connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
            cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(self._pg_name())}")

    def _save(self, source: str) -> None:
        if self.vendor == "sqlite":
            for old in FOLDER.glob("sqlite-*.sqlite3"):
                old.unlink(missing_ok=True)
            partial = FOLDER / f"partial-{os.getpid()}.sqlite3"
            _sqlite_copy(Path(source), partial)
            partial.replace(self._sqlite_path())
            return
        quote = self.connection.ops.quote_name
        self.connection.close()  # a template database can't be copied while anyone is connected
        with self.connection._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", [PG_PREFIX + "%"]
            )
            for (old,) in cursor.fetchall():
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
            cursor.execute(f"CREATE DATABASE {quote(self._pg_name())} TEMPLATE {quote(source)}")

    def destroy_clone(self) -> None:
        """Drop this process's cloned test database (pytest-django keeps it under keepdb)."""
        if self.cloned:
            self.connection.creation.destroy_test_db(verbosity=0, keepdb=False)


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database, its write-ahead log included."""
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
