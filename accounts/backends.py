"""The model backend, with what every page's header asks of the signed-in person read at once.

Django's ModelBackend reads the signed-in user in one query per request, then their own and
their groups' permissions in two more the first time a permission is checked (the header's
"Admin" link, the staff viewer's pass through course locks), and the site shell counts unread
notifications and looks up managed clinics in queries of their own. This backend:

- reads the user with the *user annotations* registered by the apps that need a number per
  person in every page's header (`register_user_annotation`: accounts' unread notifications,
  certification's managed clinics), so the header costs no query of its own;
- reads all of a user's permissions (their own and their groups') in one query.

Django's ModelBackend stays listed after this one in AUTHENTICATION_BACKENDS, so sessions
signed in through it keep working; both share the user's permission cache (`_perm_cache`).
Credentials this backend refuses are not checked again by ModelBackend (one password hash per
sign-in attempt, as before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Expression, Q

_ANNOTATIONS: dict[str, Callable[[], Expression]] = {}


def register_user_annotation(name: str, expression: Callable[[], Expression]) -> None:
    """Read `expression()` (a subquery on OuterRef("pk")) with the signed-in user, as the
    attribute `name` (from an AppConfig.ready). Readers must treat a missing attribute as
    "not read" (a user loaded another way) and query for themselves."""
    _ANNOTATIONS[name] = expression


class AnnotatedModelBackend(ModelBackend):
    """ModelBackend whose `get_user` adds the registered annotations and whose permission
    lookup is one query."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            # Django's authenticate() stops here and reports the failure, as it would after
            # ModelBackend: that backend would only hash the same password again.
            raise PermissionDenied
        return user

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        annotations = {name: build() for name, build in _ANNOTATIONS.items()}
        user = user_model._default_manager.filter(pk=user_id).annotate(**annotations).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                perms = Permission.objects.all()
            else:
                own = Permission.objects.filter(user=user_obj).values("pk")
                grouped = Permission.objects.filter(group__user=user_obj).values("pk")
                perms = Permission.objects.filter(Q(pk__in=own) | Q(pk__in=grouped))
            rows = perms.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in rows}
        return user_obj._perm_cache
