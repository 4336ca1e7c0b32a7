"""Session lifetimes: short and idle-limited for staff, long for learners.

A staff session (the user may use the Wagtail admin) ends after STAFF_SESSION_IDLE_TIMEOUT
seconds without a request, checked on the server, and its cookie ends with the browser. A
learner's session lasts SESSION_COOKIE_AGE from its last activity. Activity is written to the
session at most once per SESSION_ACTIVITY_RESOLUTION seconds, so an active user does not cost a
session write on every request.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

STAFF_FLAG = "accounts.staff_session"
LAST_SEEN = "accounts.last_seen"
ADMIN_PERMISSION = "wagtailadmin.access_admin"


def _now() -> int:
    return int(timezone.now().timestamp())


def start_session_policy(request: HttpRequest, user) -> None:
    """At sign-in: mark the session as staff when `user` may use the admin; start the idle clock."""
    request.session[LAST_SEEN] = _now()
    if user.has_perm(ADMIN_PERMISSION):
        _make_staff(request)


def _make_staff(request: HttpRequest) -> None:
    request.session[STAFF_FLAG] = True
    request.session.set_expiry(0)  # the cookie ends when the browser closes


class SessionPolicyMiddleware:
    """Signs staff out after STAFF_SESSION_IDLE_TIMEOUT idle seconds and keeps activity current.

    Listed after AuthenticationMiddleware and MessageMiddleware. Requests without a session
    cookie (anonymous visitors, load-balancer probes) are left alone and read no session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            self.apply(request)
        return self.get_response(request)

    def apply(self, request: HttpRequest) -> None:
        session = request.session
        if SESSION_KEY not in session:
            return
        # Admin access granted after sign-in: the staff rules apply from the first admin page.
        if (
            not session.get(STAFF_FLAG)
            and self._is_admin_request(request)
            and request.user.has_perm(ADMIN_PERMISSION)
        ):
            _make_staff(request)
        now = _now()
        last_seen = session.get(LAST_SEEN)
        if (
            session.get(STAFF_FLAG)
            and isinstance(last_seen, int)
            and now - last_seen > settings.STAFF_SESSION_IDLE_TIMEOUT
        ):
            logout(request)
            minutes = settings.STAFF_SESSION_IDLE_TIMEOUT // 60
            messages.info(request, f"You were signed out after {minutes} minutes without activity.")
            return
        if (
            not isinstance(last_seen, int)
            or now - last_seen >= settings.SESSION_ACTIVITY_RESOLUTION
        ):
            session[LAST_SEEN] = now

    @staticmethod
    def _is_admin_request(request: HttpRequest) -> bool:
        return request.path_info.startswith(reverse("wagtailadmin_home"))
