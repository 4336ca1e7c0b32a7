"""The notifications page: a person's own notifications, opening one, marking them read."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Notification
from accounts.notifications import mark_read
from core.params import parse_id

PAGE_SIZE = 20


def is_local_url(url: str, request: AuthenticatedHttpRequest) -> bool:
    """Whether `url` leads to this site: a path from the root, or an address on the host the
    request came to (never another host, `//host`, or a scheme such as `javascript:`)."""
    if not (url.startswith("/") or urlsplit(url).netloc):
        return False
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@login_required
@require_GET
def notification_list(request: AuthenticatedHttpRequest) -> TemplateResponse:
    """The signed-in person's notifications, newest first, a page at a time."""
    notifications = Notification.objects.filter(user=request.user).only(
        "pk", "message", "url", "created_at", "read_at"
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "accounts/notifications.html",
        {"notifications": page},
    )


@login_required
@require_GET
def open_notification(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of the person's own notifications read and follow its link (on this site only).

    Someone else's notification is a 404. Marking read is idempotent, so a plain link is safe.
    """
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    mark_read(request.user, [notification.pk])
    if is_local_url(notification.url, request):
        return HttpResponseRedirect(notification.url)
    if notification.url:
        messages.warning(
            request, "That notification's link leads off this site, so it was not followed."
        )
    return redirect("notifications:list")


@login_required
@require_POST
def mark_notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark the person's notifications read: those posted as `notification`, else all of them."""
    raw = request.POST.getlist("notification")
    parsed = [parse_id(value) for value in raw]
    if None in parsed:
        return HttpResponseBadRequest("Notification ids are whole numbers.")
    ids = [value for value in parsed if value is not None] if raw else None
    changed = mark_read(request.user, ids)
    if ids is None:
        messages.success(
            request,
            f"{changed} notification{'s' if changed != 1 else ''} marked as read."
            if changed
            else "There were no unread notifications.",
        )
    return redirect("notifications:list")
