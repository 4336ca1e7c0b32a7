"""Limits on sign-in failures and password-reset requests.

django-axes locks one username from one address after AXES_FAILURE_LIMIT failures. Axes applies a
single limit to all of its lock-out parameters, so the wider limit on one address trying many
usernames (password spraying) is added here, as an axes handler: it counts the failures axes has
already recorded for the address, so both limits share axes' records, lock-out page and cool-off.
Password-reset requests are counted in the cache (Redis when scaled out), per address and per
e-mail address.
"""

from __future__ import annotations

import hashlib

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest

from accounts.client_address import client_ip


class AddressLimitAxesHandler(AxesDatabaseHandler):
    """Axes' database handler plus a lock on an address with too many failures across usernames.

    The per-address count is the sum of axes' failure records for that address within the
    cool-off. A successful sign-in clears only the records of the account that signed in, so
    signing in to one's own account does not reset the count of failures on other accounts.
    """

    def is_locked(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_is_locked(request)

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs) -> None:
        super().user_login_failed(sender, credentials, request=request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if self.address_is_locked(request):
            # The same flag axes sets, so its middleware answers with the lock-out page.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=credentials.get("username") if credentials else None,
                ip_address=request.axes_ip_address,
            )

    @staticmethod
    def address_is_locked(request: HttpRequest) -> bool:
        """True when the request's address has reached LOGIN_FAILURE_LIMIT_PER_ADDRESS."""
        address = getattr(request, "axes_ip_address", None)
        if not address:
            return False
        failures = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=get_cool_off_threshold(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        return (failures or 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS


def within_limit(scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one event for (`scope`, `key`); False once more than `limit` fall in the window.

    A fixed window starting at the first event. The key is hashed, so e-mail addresses are not
    kept in the cache in clear. `add` then `incr` is atomic on Redis and on the local cache.
    """
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()
    cache_key = f"throttle:{scope}:{digest}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr: this event starts a new window
        cache.add(cache_key, 1, timeout=window_seconds)
        count = 1
    return count <= limit


def reset_request_allowed_from(request: HttpRequest) -> bool:
    """Count a password-reset request from the request's address; False when over the limit."""
    return within_limit(
        "password-reset-address",
        client_ip(request) or "unknown",
        settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        settings.PASSWORD_RESET_LIMIT_WINDOW,
    )


def reset_email_allowed(email: str) -> bool:
    """Count a reset e-mail asked for `email`; False when over the limit (nothing is sent)."""
    return within_limit(
        "password-reset-email",
        email.strip().lower(),
        settings.PASSWORD_RESET_LIMIT_PER_EMAIL,
        settings.PASSWORD_RESET_LIMIT_WINDOW,
    )
