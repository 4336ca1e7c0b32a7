"""Test settings: fast hashing, in-memory mail, a throwaway media folder."""

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

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that need a second connection, or close one, see the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
