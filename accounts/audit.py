"""Security events in Wagtail's audit log (admin: Reports > Site history, filter by action).

Sign-ins, failed sign-ins, password-reset requests and resets, and changes of one's own e-mail
address are recorded on the account concerned; exports of personal data on the clinic or course exported. Each entry keeps the
client address (accounts.client_address). Passwords are never recorded. Staff two-factor events
(set-up, wrong codes, recovery codes used or renewed, resets) are recorded too, never the codes. A failed sign-in for a
username that matches no account is not recorded here: what was typed is often a password or
someone else's e-mail address, and the audit log is read by every admin. Such failures still count
towards lock-outs in django-axes' own records.

`log_entry` writes an entry exactly as Wagtail's `log()` does, in one INSERT: for actions on
the hot path of a request (a quiz submit) that already hold the actor and the object.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from wagtail.log_actions import LogFormatter, get_active_log_context, log
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from accounts.client_address import client_ip

SIGN_IN = "accounts.sign_in"
SIGN_IN_FAILED = "accounts.sign_in_failed"
RESET_REQUESTED = "accounts.password_reset_request"
RESET_COMPLETED = "accounts.password_reset"
EXPORT = "accounts.export"
EMAIL_CHANGED = "accounts.email_change"
# Staff two-factor authentication (accounts/otp.py). Codes are never recorded.
TWO_FACTOR_SET_UP = "accounts.two_factor_set_up"
TWO_FACTOR_FAILED = "accounts.two_factor_failed"
TWO_FACTOR_RECOVERY_USED = "accounts.two_factor_recovery_used"
TWO_FACTOR_NEW_CODES = "accounts.two_factor_new_codes"
TWO_FACTOR_RESET = "accounts.two_factor_reset"

# Query strings are kept as filters; a pasted URL full of junk should not bloat the log.
MAX_FILTERS_LENGTH = 500


# The entry's foreign keys `log_entry` does not read back: the content type comes from
# ContentType's cache, the actor is the caller's user, and no revision is set.
_HELD = ("content_type", "user", "revision")


def log_entry(
    instance: Model, action: str, *, user: Any = None, data: dict[str, Any] | None = None
) -> Any:
    """`wagtail.log_actions.log(instance=instance, action=action, user=user, data=data)`, the
    same entry, written in one INSERT.

    Wagtail's log entry validates itself on every save (`full_clean`), and validating a foreign
    key reads its row back: two SELECTs before each INSERT, for a content type read from
    ContentType's cache and a user the request holds. Here the entry is built with the same
    values as Wagtail's `log_action` (title, timestamp, the active log context's user and
    uuid, the object's id), validated without those two reads (the registered-action check
    and every field's own checks still run), and saved with its signals. Objects logged on
    another entry model (pages) go through Wagtail's `log()` unchanged.
    """
    model = log_registry.get_log_model_for_instance(instance)
    if model is None or not issubclass(model, ModelLogEntry):
        return log(instance=instance, action=action, user=user, data=data)
    if instance.pk is None:
        raise ValueError(
            f"Attempted to log an action for object {instance!r} with empty primary key"
        )
    context = get_active_log_context()
    entry = model(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        label=model.objects.get_instance_title(instance),
        action=action,
        timestamp=timezone.now(),
        data=data or {},
        user=user or context.user,
        uuid=context.uuid,
        object_id=str(instance.pk),
    )
    entry.full_clean(exclude=_HELD)
    Model.save(entry)  # BaseLogEntry.save would run the full validation again
    return entry


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


def log_email_change(request: HttpRequest, user) -> None:
    """Record that `user` changed their own e-mail address on the profile page."""
    log(instance=user, action=EMAIL_CHANGED, user=user, data={"address": _address(request)})


def log_two_factor(request: HttpRequest | None, user, action: str) -> None:
    """Record a two-factor event (one of `TWO_FACTOR_*`) on `user`'s account.

    With a request, `user` acted themselves, except for a wrong code (recorded with no actor,
    like a failed sign-in). Without one, an administrator acted on the command line
    (`manage.py reset_two_factor`).
    """
    acted = request is not None and action != TWO_FACTOR_FAILED
    address = _address(request) if request is not None else "the command line"
    log(instance=user, action=action, user=user if acted else None, data={"address": address})


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


class EmailChangeFormatter(AddressFormatter):
    label = "E-mail address changed"
    message = "E-mail address changed on the profile page"


class TwoFactorSetUpFormatter(AddressFormatter):
    label = "Two-factor set up"
    message = "Two-factor authentication set up (authenticator app and recovery codes)"


class TwoFactorFailedFormatter(AddressFormatter):
    label = "Two-factor code refused"
    message = "A wrong two-factor code was entered"


class TwoFactorRecoveryUsedFormatter(AddressFormatter):
    label = "Recovery code used"
    message = "Passed two-factor with a single-use recovery code"


class TwoFactorNewCodesFormatter(AddressFormatter):
    label = "New recovery codes"
    message = "New recovery codes made; the old ones no longer work"


class TwoFactorResetFormatter(AddressFormatter):
    label = "Two-factor reset"
    message = "Two-factor authentication removed; set up again at the next admin visit"


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
    EMAIL_CHANGED: EmailChangeFormatter,
    TWO_FACTOR_SET_UP: TwoFactorSetUpFormatter,
    TWO_FACTOR_FAILED: TwoFactorFailedFormatter,
    TWO_FACTOR_RECOVERY_USED: TwoFactorRecoveryUsedFormatter,
    TWO_FACTOR_NEW_CODES: TwoFactorNewCodesFormatter,
    TWO_FACTOR_RESET: TwoFactorResetFormatter,
}
