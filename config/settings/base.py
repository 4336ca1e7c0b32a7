"""Settings shared by every environment. Environment-specific files import * from here."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE

# GENERAL
# ------------------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_DIR = BASE_DIR / "site"  # the site shell: templates and static files (not a package)

# Which settings file is in use; anything but "dev" or "test" is treated as production.
ENVIRONMENT = "production"
DEBUG = False
ALLOWED_HOSTS: list[str] = []
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-gb"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# DATABASES
# ------------------------------------------------------------------------------
# SQLite needs no set-up; DATABASE_URL=postgres://... selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer commits. IMMEDIATE transactions take the
    # write lock when they begin, so two requests that read-then-write queue up (for up to
    # `timeout` seconds) instead of failing on a stale read.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )

# CACHES AND SESSIONS
# ------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # While Redis is unreachable this backend answers every read as a miss and drops writes,
    # so the site is served from the database, more slowly (core/cache.py).
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hfs",
        }
    }
else:
    # Without Redis: one process's memory. Room for far more than its default 300 entries, which
    # it would evict a third at a time, at random (the course structure and page fragments and the
    # clinic summaries' change log live here).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
# How long a CDN or a browser may keep an anonymous public page (core/cache_headers.py): short,
# so a published edit shows everywhere within a minute without purging anything.
CACHE_PUBLIC_MAX_AGE = int(os.environ.get("DJANGO_CACHE_PUBLIC_MAX_AGE", "60"))
# Sessions live in the database only: with Redis down nobody is signed out and sign-in works,
# and a session deleted at sign-out can never be read back from a cache copy that missed
# the deletion during an outage.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# BACKGROUND TASKS
# ------------------------------------------------------------------------------
# Django's tasks API (django-tasks). TASKS_BACKEND picks the queue: "database" (default, no
# set-up: rows in our database, run by `manage.py db_worker`), "rq" (Redis, run by
# `manage.py rqworker default`; needs REDIS_URL) or "immediate" (run inside the caller; tests).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
TASKS = {"default": _TASK_BACKENDS[TASKS_BACKEND]}
RQ_QUEUES = {
    "default": {
        "URL": REDIS_URL or "redis://127.0.0.1:6379/0",
        "DEFAULT_TIMEOUT": 600,
        # A Redis that drops packets must not hang a request that enqueues, nor the health check.
        "REDIS_CLIENT_KWARGS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
}

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "accounts",
    "core",
    "courses",
    "quizzes",
    "certification",
    "academy",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.table_block",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out username/IP before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the header's per-person numbers with the user, and permissions in
    # one query (accounts/backends.py); Django's own stays for sessions signed in through it.
    "accounts.backends.AnnotatedModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/learn/"
LOGOUT_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The client address: the socket peer, or behind DJANGO_TRUSTED_PROXY_COUNT proxies (load
# balancer, CDN) the entry that many places from the right of X-Forwarded-For; see
# accounts/client_address.py. Used by every limit below and by the audit log.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_ip"

# Login throttling: five failures for one username from one address lock it for 15 minutes;
# LOGIN_FAILURE_LIMIT_PER_ADDRESS failures from one address across usernames (password
# spraying) lock that address for as long. The second limit is higher because a clinic's staff
# often share one address. accounts/throttling.py adds it to axes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "accounts.throttling.AddressLimitAxesHandler"
LOGIN_FAILURE_LIMIT_PER_ADDRESS = 20
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Password-reset requests per window: per address (then 429), and per e-mail address (then
# nothing is sent, and the page answers as usual so it never reveals whether an account exists).
PASSWORD_RESET_LIMIT_PER_ADDRESS = 10
PASSWORD_RESET_LIMIT_PER_EMAIL = 3
PASSWORD_RESET_LIMIT_WINDOW = 60 * 60  # seconds

# Sessions: learners stay signed in for SESSION_COOKIE_AGE after their last visit. Staff (admin
# access) are signed out after DJANGO_STAFF_SESSION_IDLE_MINUTES without a request, and when
# the browser closes (accounts/middleware.py).
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
STAFF_SESSION_IDLE_TIMEOUT = 60 * int(os.environ.get("DJANGO_STAFF_SESSION_IDLE_MINUTES", "30"))
SESSION_ACTIVITY_RESOLUTION = 60  # seconds between writes of a session's last activity

# Two-factor authentication (django-otp, accounts/otp.py): anyone who may use the Wagtail admin
# must set up an authenticator app (TOTP) and pass it once per session before any admin page.
# Wrong codes slow down further tries (1, 2, 4, 8... seconds per device, django-otp's throttling).
STAFF_TWO_FACTOR_REQUIRED = True
STAFF_RECOVERY_CODES = 10
# Besides the admin, the paths where staff powers reach and so where staff must have passed
# two-factor too: clinic dashboards (an administrator sees every clinic's staff and exports).
STAFF_TWO_FACTOR_ALSO_GUARDS = ["/clinics/"]
OTP_TOTP_ISSUER = "HFS Academy"

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the session, CSRF and message middleware, so it sees the cookies they set:
    # anonymous public pages are `public` for a CDN, the rest `private` (core/cache_headers.py).
    "core.cache_headers.CacheHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a second factor (django-otp's
    # OTPMiddleware, subclassed so that request.user stays loggable in the audit log).
    "accounts.otp.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionPolicyMiddleware",
    # After the session policy (an idle staff session is ended first): staff reach the admin
    # only after a second factor (accounts/otp.py).
    "accounts.otp.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    # Before anything that queries with the path or query string (redirects, views); after the
    # header middleware, so its 400 carries the same headers as any page.
    "core.params.RefuseNulMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as its documentation asks: it sees the response of every view, including login.
    "axes.middleware.AxesMiddleware",
]

# TEMPLATES
# ------------------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.site_shell",
                "accounts.context_processors.notification_bell",
                "certification.context_processors.managed_clinics",
                "certification.context_processors.assess_queue",
            ],
        },
    },
]

# STATIC AND MEDIA
# ------------------------------------------------------------------------------
STATICFILES_DIRS = [SITE_DIR / "static"]
# Where collectstatic writes and WhiteNoise serves from; DJANGO_STATIC_ROOT moves it (an image
# build step, or the scale-out benchmark's throwaway folder).
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # Wagtail's admin reads the token from the cookie
X_FRAME_OPTIONS = "DENY"  # core.middleware lets the admin frame itself and its previews
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): the backstop behind autoescaping and sanitizing.
# The public site runs no inline script or style. core.middleware replaces some directives for
# the Wagtail admin (CSP_ADMIN_REPLACE), whose editor needs inline styles and which frames
# itself, and lets the admin frame previews, which otherwise keep this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": [
            "https://www.youtube-nocookie.com",
            "https://www.youtube.com",
            "https://player.vimeo.com",
        ],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
CSP_ADMIN_PREFIXES = ("/admin/",)
CSP_ADMIN_REPLACE = {
    # No 'unsafe-inline': core.middleware gives Wagtail's own inline widget initialisers the
    # request's nonce, and nothing else. No 'unsafe-eval': Wagtail 8's admin does not need it.
    "script-src": ["'self'", NONCE],
    # Wagtail's editor scripts (Draftail, the table editor, side panels) apply inline styles.
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "frame-src": ["'self'", "https:"],
    "frame-ancestors": ["'self'"],
}

# EMAIL
# ------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "HFS Academy <noreply@hfs-academy.test>")
# A mail server that hangs must not hold a worker (or the reminder run) forever.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))

# REMINDERS (certification/reminders.py, the daily reminder run)
# ------------------------------------------------------------------------------
# Days before a certificate expires at which its holder (and their managers) are reminded; each
# threshold is reminded once, and a certificate first seen late gets only the nearest one.
CERTIFICATE_REMINDER_DAYS = [90, 60, 30, 7]
# An assigned programme not yet held is "due soon" this many days before its due date.
ASSIGNMENT_DUE_SOON_DAYS = 14

# INVITATIONS (certification/invitations.py): days an invitation link works after it is sent.
INVITATION_DAYS = int(os.environ.get("INVITATION_DAYS", "14"))

# WAGTAIL
# ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "HFS Academy"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# Wagtail's database backend, with SQLite's full-text queries made safe (core/search.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "core.search"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No avatars from gravatar.com: it would leak a hash of every editor's e-mail to a third party.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_WORKFLOW_ENABLED = True
# Off: Clinical review has a single step, and while content is in it only reviewers may edit it
# (Wagtail's workflow lock). With re-approval on, Wagtail ties an approval to the revision it was
# given on and restarts the step whenever a newer revision exists. Approving from the editor
# always saves a revision first, so the approval would restart the very step it approves, and
# the content would never go live. Revisit this if a second review step is ever added.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx"]
# SVG is not accepted: it can carry script.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILEMBEDS_RESPONSIVE_HTML = True

# LOGGING
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail runs its index and reference updates as immediate tasks and logs each one.
        "django_tasks": {"level": "WARNING"},
        "modelsearch": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
