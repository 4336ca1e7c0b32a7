"""Local development: works with no environment variables at all."""

from .base import *

ENVIRONMENT = "dev"
DEBUG = True
# A fixed, public key is acceptable only because DEBUG sites are never deployed.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-do-not-deploy")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The demo loader prints this default; DEMO_PASSWORD overrides it.
DEMO_PASSWORD_DEFAULT = "hfs-demo-2026"  # noqa: S105
