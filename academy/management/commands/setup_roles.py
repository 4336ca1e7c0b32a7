"""`python manage.py setup_roles`: create or complete the staff groups and the review workflow."""

from typing import Any

from django.core.management.base import BaseCommand

from academy.roles import setup_roles


class Command(BaseCommand):
    help = (
        "Create or complete the Instructors and Clinical reviewers groups, their permissions "
        "and the Clinical review workflow. Idempotent; run after load_curriculum."
    )

    def handle(self, *args: Any, verbosity: int = 1, **options: Any) -> None:
        groups = setup_roles()
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Roles ready: {', '.join(sorted(groups))}."))
