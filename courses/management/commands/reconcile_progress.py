"""`python manage.py reconcile_progress [--user NAME] [--dry-run]`: repair missing consequences.

Recomputes every learner's module and course completions and due certificates from their
records (lesson completions, graded attempts, signed assessments) and writes what is missing,
once. Safe to run at any time and any number of times; it also runs hourly from the scheduler.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from courses.evaluation import reconcile


class Command(BaseCommand):
    help = "Recompute learners' completions and due certificates, and record what is missing."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="Only this username.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be written; write nothing."
        )

    def handle(self, *args, user: str | None = None, dry_run: bool = False, **options):
        users = None
        if user is not None:
            users = list(get_user_model().objects.filter(username=user))
            if not users:
                raise CommandError(f"No user named {user!r}.")
        summary = reconcile(users, dry_run=dry_run)
        steps = ", ".join(f"{count} {name}" for name, count in summary.steps.items()) or "nothing"
        verb = "would be recorded" if dry_run else "recorded"
        self.stdout.write(
            f"{summary.learners} learner(s) checked, {summary.repaired_learners} needing repair: "
            f"{summary.modules_completed} module and {summary.courses_completed} course "
            f"completion(s), {steps} {verb}."
        )
