"""`python manage.py reset_two_factor <username>`: help a staff member who lost their phone and codes."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.audit import TWO_FACTOR_RESET, log_two_factor
from accounts.otp import remove_two_factor


class Command(BaseCommand):
    help = (
        "Remove a user's two-factor devices (authenticator app and recovery codes), so they set "
        "up a new app at their next admin visit. Recorded in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The account to reset.")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No account with the username {username!r}.")
        removed = remove_two_factor(user)
        if not removed:
            self.stdout.write(f"{username} has no two-factor devices; nothing changed.")
            return
        log_two_factor(None, user, TWO_FACTOR_RESET)
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {removed} two-factor device(s) of {username}. They set up a new "
                "authenticator app at their next admin visit."
            )
        )
