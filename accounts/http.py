"""Request types for views that only signed-in users reach.

Django types `request.user` as `User | AnonymousUser`. A view behind `login_required` (or a page
whose `serve` sends anonymous visitors to the login page before routing) only ever sees a
signed-in user; annotating its request as `AuthenticatedHttpRequest` says so to the type checker.
Nothing at runtime creates or checks this class.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """An `HttpRequest` whose user is signed in (for annotations only)."""

    user: User
