"""Demo accounts and learner history for `load_demo` (dev and test settings only)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from core.roles import INSTRUCTORS, REVIEWERS

TRAINEES = "Trainees"
CLINIC_MANAGERS = "Clinic managers"

# username, role shown to the person running the demo, groups, superuser
DEMO_USERS = [
    ("admin", "administrator (everything)", [], True),
    ("instructor", "instructor: authors content, grades essays", [INSTRUCTORS], False),
    ("reviewer", "clinical reviewer: approves content", [REVIEWERS], False),
    ("manager", "clinic manager: sees the clinic's staff", [CLINIC_MANAGERS], False),
    ("trainee", "trainee: takes the course", [TRAINEES], False),
]
NAMES = {
    "admin": ("Alex", "Admin"),
    "instructor": ("Irene", "Instructor"),
    "reviewer": ("Ravi", "Reviewer"),
    "manager": ("Maya", "Manager"),
    "trainee": ("Tom", "Trainee"),
}


@transaction.atomic
def load_demo(password: str) -> dict:
    """Create or refresh the demo users (idempotent); returns them by username."""
    User = get_user_model()
    users = {}
    for username, _role, groups, superuser in DEMO_USERS:
        first, last = NAMES[username]
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@hfs-academy.test",
                "first_name": first,
                "last_name": last,
            },
        )
        user.is_superuser = user.is_staff = superuser
        user.set_password(password)
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
        users[username] = user
    return users
