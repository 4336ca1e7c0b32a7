"""Test settings: fast hashing, in-memory mail, a throwaway media folder."""

import os
import tempfile

from .base import *

ENVIRONMENT = "test"
DEBUG = False
SECRET_KEY = "test-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests point MEDIA_ROOT at their own tmp_path; this is only the fallback.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "hfs-test-media"
DEMO_PASSWORD_DEFAULT = "hfs-demo-2026"  # noqa: S105
WAGTAILADMIN_BASE_URL = "http://testserver"
# Off in tests: many tests sign staff into /admin/ with `client.force_login`, which passes no
# second factor. The two-factor tests (tests/accounts/test_two_factor.py) switch it on with the
# `settings` fixture.
STAFF_TWO_FACTOR_REQUIRED = False

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that need a second connection, or close one, see the same data.
    # HFS_TEST_DB names a separate file so that two test runs on one checkout do not collide.
    # Under pytest-xdist, pytest-django appends each worker's id (`_gw0`, `_gw1`) to the name,
    # so every worker has its own file (and, on PostgreSQL, its own test_<name>_gw0 database).
    _test_db = os.environ.get("HFS_TEST_DB", "")
    # A test database is thrown away at the end of the run: it need not survive a power cut, so
    # SQLite skips waiting for the disk on each commit (migrations and transactional tests commit
    # thousands of times).
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    )
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / f".test-db{'-' + _test_db if _test_db else ''}.sqlite3")
    }

# Tasks run inside the caller, so a test sees a task's effect as soon as it is enqueued.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # As for SQLite above: a test database need not survive a power cut, so commits do not wait
    # for the write-ahead log to reach the disk (transactional tests commit and truncate often).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c synchronous_commit=off").strip()
