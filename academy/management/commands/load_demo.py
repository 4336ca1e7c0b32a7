"""`python manage.py load_demo`: the curriculum plus demo users (never under production settings)."""

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from academy.demo import DEMO_USERS, MORE_TRAINEES, load_demo
from accounts.notifications import without_email
from certification.demo import staff_sign_ins


class Command(BaseCommand):
    help = "Load the curriculum and demo users, a clinic and some learner history. Refuses under production settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port the site is served on, for the sign-in address printed at the end "
            "(default: $PORT, else 8000; `make run PORT=8001` passes its own).",
        )

    def handle(self, *args: Any, port: int, **options: Any) -> None:
        if getattr(settings, "ENVIRONMENT", "production") not in {"dev", "test"}:
            raise CommandError(
                "load_demo refuses to run under production settings: it creates accounts with a known password."
            )
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        password = os.environ.get("DEMO_PASSWORD") or settings.DEMO_PASSWORD_DEFAULT
        call_command("load_curriculum", verbosity=options.get("verbosity", 1), stdout=self.stdout)
        with without_email():  # the demo's history is shown in the site, not e-mailed
            load_demo(password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded. Sign in at http://127.0.0.1:{port}/accounts/login/ as:"
            )
        )
        for username, role, _groups, _superuser in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role}")
        self.stdout.write(f"  {'':<12} more trainees: {', '.join(u for u, *_ in MORE_TRAINEES)}")
        heading, usernames = staff_sign_ins()
        self.stdout.write(f"  {'':<12} {heading}: {', '.join(usernames)}")
        source = (
            "DEMO_PASSWORD"
            if os.environ.get("DEMO_PASSWORD")
            else "default; set DEMO_PASSWORD to change it"
        )
        self.stdout.write(f"  password:    {password}  ({source})")
        if settings.STAFF_TWO_FACTOR_REQUIRED:
            self.stdout.write(
                "  Staff (admin, instructor, reviewer) set up two-factor authentication with an "
                "authenticator app on their first visit to /admin/."
            )
