"""Template context the site shell takes from accounts: the bell's unread count."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import cached_property

from accounts.notifications import unread_count


class NotificationBell:
    """The header bell's number, counted only when a template asks for it (`bell.unread`).

    Nothing is queried for visitors who are not signed in, nor on pages that never show the
    bell; the number comes with the signed-in user (accounts.backends), or else costs one count
    query, however often it is read.
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def unread(self) -> int:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        read_with_user = getattr(user, "unread_notification_count", None)
        return read_with_user if read_with_user is not None else unread_count(user)


def notification_bell(request: HttpRequest) -> dict[str, NotificationBell]:
    """`notification_bell`: the lazy unread count the header shows on the bell."""
    return {"notification_bell": NotificationBell(request)}
