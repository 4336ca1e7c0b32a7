"""Notifications: the bell in the header, the notifications page, and e-mail by choice.

Any app tells a person something with `notify(user, kind, message, url=..., key=...)`. The kinds
are registered by the apps that raise them (`register_kind`, from `AppConfig.ready`), each with
a label for the profile page and whether it is e-mailed by default; each person may switch the
e-mail for a kind on or off (NotificationPreference). The in-site notification is always kept.

E-mail is never sent inside a request: `notify` enqueues `send_notification_email` after the
write (core.tasks.enqueue_after_write), and a failed send is tried again later (retry_later),
each try visible to admins under Reports > Background tasks.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from accounts.models import Notification, NotificationPreference, User
from core.tasks import enqueue_after_write, retry_later

logger = logging.getLogger(__name__)

SUBJECT_LENGTH = 150


@dataclass(frozen=True)
class Kind:
    """One kind of notification: `label` names it on the profile page ("A certificate is issued")."""

    key: str
    label: str
    email_by_default: bool = True


_KINDS: dict[str, Kind] = {}


def register_kind(key: str, label: str, *, email_by_default: bool = True) -> Kind:
    """Declare a kind of notification (call from `AppConfig.ready`; registering twice is harmless)."""
    kind = Kind(key, label, email_by_default)
    _KINDS[key] = kind
    return kind


def kinds() -> list[Kind]:
    """Every registered kind, in the order registered."""
    return list(_KINDS.values())


def get_kind(key: str) -> Kind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"no notification kind {key!r} is registered") from None


def emails_wanted(user: User, kind: str) -> bool:
    """Whether `user` wants `kind` by e-mail: their choice, else the kind's default."""
    choice = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("by_email", flat=True)
        .first()
    )
    return get_kind(kind).email_by_default if choice is None else choice


def email_choices(user: User) -> dict[str, bool]:
    """Kind key -> whether `user` gets it by e-mail, for every registered kind (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "by_email"))
    return {kind.key: chosen.get(kind.key, kind.email_by_default) for kind in kinds()}


def set_email_choices(user: User, choices: dict[str, bool]) -> None:
    """Record `user`'s e-mail choice for each kind in `choices` (unknown kinds are refused)."""
    for key in choices:
        get_kind(key)
    with transaction.atomic():
        for key, by_email in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=key, defaults={"by_email": by_email}
            )


# Set by `without_email` for the code running inside it (this thread or task only).
_EMAIL_OFF: ContextVar[bool] = ContextVar("notification_email_off", default=False)


@contextmanager
def without_email() -> Iterator[None]:
    """Notifications raised inside are kept in the site but not e-mailed.

    For history written after the fact (the demo's learners): nobody should receive e-mail
    about events that did not just happen.
    """
    token = _EMAIL_OFF.set(True)
    try:
        yield
    finally:
        _EMAIL_OFF.reset(token)


def notify(
    user: User,
    kind: str,
    message: str,
    *,
    url: str = "",
    key: str = "",
    email: bool = True,
) -> Notification | None:
    """Tell `user` that `message` (a link to `url` on this site); return the new notification.

    With a `key`, notifying the same event again does nothing and returns None. The e-mail copy
    is enqueued when the person wants this kind by e-mail and has an address; `email=False` is
    for callers that e-mail by other means (the reminder run keeps its own delivery records).
    """
    get_kind(kind)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, message=message[:300], url=url[:300], key=key[:200]
            )
    except IntegrityError:
        if key and Notification.objects.filter(user=user, key=key[:200]).exists():
            return None
        raise
    if (
        email
        and not _EMAIL_OFF.get()
        and user.email
        and user.is_active
        and emails_wanted(user, kind)
    ):
        enqueue_after_write(send_notification_email, notification.pk)
    return notification


def unread_count(user: User) -> int:
    """How many of `user`'s notifications are unread (one query; the bell's number)."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def unread_count_expression() -> Expression:
    """`unread_count` as a subquery on the user (OuterRef "pk"): read with the signed-in user
    (accounts.backends), so the bell costs no query of its own."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark `user`'s notifications read (those in `ids`, or all); return how many changed.

    Ids of other people's notifications change nothing.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def email_subject(message: str) -> str:
    """The e-mail subject for `message`: one line (a line break in a header is refused)."""
    subject = " ".join(message.split())
    return subject if len(subject) <= SUBJECT_LENGTH else subject[: SUBJECT_LENGTH - 1] + "…"


def is_permanent_refusal(exc: Exception) -> bool:
    """Whether the mail server refused every recipient for good (5xx): trying again cannot help."""
    return (
        isinstance(exc, smtplib.SMTPRecipientsRefused)
        and bool(exc.recipients)
        and all(code >= 500 for code, _reply in exc.recipients.values())
    )


@task()
def send_notification_email(notification_id: int, attempt: int = 1) -> bool:
    """E-mail one notification to its person; False when there is nothing to send.

    Sent once: a notification already e-mailed, or whose person has since lost their address,
    switched the kind off or been deactivated, is skipped. The row is locked while sending, so
    two runs of this task (a retry and a late first try) never both send. A failure is raised,
    so that the try is recorded as failed (*Reports > Background tasks*), and, unless the server
    refused the address for good, tried again later.
    """
    try:
        return _send_once(notification_id)
    except (smtplib.SMTPException, OSError) as exc:
        if is_permanent_refusal(exc):
            logger.warning("Notification %s e-mail refused for good: %s", notification_id, exc)
        else:
            logger.warning(
                "Notification %s e-mail failed (try %s): %s", notification_id, attempt, exc
            )
            retry_later(send_notification_email, notification_id, attempt=attempt)
        raise


def _send_once(notification_id: int) -> bool:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        user = notification.user
        kind = _KINDS.get(notification.kind)
        if kind is None or not (user.email and user.is_active and emails_wanted(user, kind.key)):
            return False
        context = {
            "notification": notification,
            "user": user,
            "base_url": settings.WAGTAILADMIN_BASE_URL,
            "kind": kind,
        }
        send_mail(
            email_subject(notification.message),
            render_to_string("accounts/email/notification.txt", context),
            None,
            [user.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True
