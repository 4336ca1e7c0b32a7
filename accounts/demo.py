"""Demo accounts (dev and test settings only): the helper every app's demo data uses."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import User

TRAINEES = "Trainees"


def demo_user(
    username: str,
    first: str,
    last: str,
    password: str,
    groups: list[str],
    superuser: bool = False,
) -> User:
    """Create or refresh a demo account: its name, password, groups and superuser flag."""
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@hfs-academy.test", "first_name": first, "last_name": last},
    )
    user.is_superuser = user.is_staff = superuser
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
    return user
