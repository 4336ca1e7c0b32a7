"""Security events in Wagtail's audit log (admin: Reports > Site history, filter by action).

Sign-ins, failed sign-ins, password-reset requests and resets are recorded on the account
concerned; exports of personal data on the clinic or course exported. Each entry keeps the
client address (accounts.client_address). Passwords are never recorded. A failed sign-in for a
username that matches no account is not recorded here: what was typed is often a password or
someone else's e-mail address, and the audit log is read by every admin. Such failures still count
towards lock-outs in django-axes' own records.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Model
from django.http import HttpRequest
from wagtail.log_actions import LogFormatter, log

from accounts.client_address import client_ip

SIGN_IN = "accounts.sign_in"
SIGN_IN_FAILED = "accounts.sign_in_failed"
RESET_REQUESTED = "accounts.password_reset_request"
RESET_COMPLETED = "accounts.password_reset"
EXPORT = "accounts.export"

# Query strings are kept as filters; a pasted URL full of junk should not bloat the log.
MAX_FILTERS_LENGTH = 500


def _address(request: HttpRequest | None) -> str:
    return (client_ip(request) if request is not None else None) or "unknown"


def log_sign_in(request: HttpRequest | None, user) -> None:
    """Record that `user` signed in."""
    log(instance=user, action=SIGN_IN, user=user, data={"address": _address(request)})


def log_failed_sign_in(request: HttpRequest | None, username: str) -> None:
    """Record a failed sign-in on the account named `username`, if there is one."""
    User = get_user_model()
    user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
    if user is not None:
        log(instance=user, action=SIGN_IN_FAILED, data={"address": _address(request)})


def log_password_reset_requested(request: HttpRequest, user) -> None:
    """Record that a reset link was asked for `user` (by whoever knows their e-mail address)."""
    log(instance=user, action=RESET_REQUESTED, data={"address": _address(request)})


def log_password_reset(request: HttpRequest, user) -> None:
    """Record that `user` set a new password through a reset link."""
    log(instance=user, action=RESET_COMPLETED, user=user, data={"address": _address(request)})


def log_export(request: HttpRequest, instance: Model, report: str) -> None:
    """Record that the signed-in user exported `report` about `instance` (a clinic, a course)."""
    log(
        instance=instance,
        action=EXPORT,
        user=request.user,
        data={
            "report": report,
            "filters": request.GET.urlencode()[:MAX_FILTERS_LENGTH],
            "address": _address(request),
        },
    )


class AddressFormatter(LogFormatter):
    """A message naming the client address kept in the entry's data."""

    def format_message(self, log_entry) -> str:
        return f"{self.message} (from {log_entry.data.get('address', 'unknown')})"


class SignInFormatter(AddressFormatter):
    label = "Sign in"
    message = "Signed in"


class FailedSignInFormatter(AddressFormatter):
    label = "Failed sign-in"
    message = "Sign-in failed: wrong password or account locked"


class ResetRequestFormatter(AddressFormatter):
    label = "Password reset requested"
    message = "Password reset link requested"


class ResetFormatter(AddressFormatter):
    label = "Password reset"
    message = "New password set through a reset link"


class ExportFormatter(LogFormatter):
    label = "Export data"

    def format_message(self, log_entry) -> str:
        data = log_entry.data
        filters = data.get("filters") or "none"
        return f"Exported {data.get('report', 'data')} (filters: {filters}; from {data.get('address', 'unknown')})"


FORMATTERS: dict[str, type[LogFormatter]] = {
    SIGN_IN: SignInFormatter,
    SIGN_IN_FAILED: FailedSignInFormatter,
    RESET_REQUESTED: ResetRequestFormatter,
    RESET_COMPLETED: ResetFormatter,
    EXPORT: ExportFormatter,
}
