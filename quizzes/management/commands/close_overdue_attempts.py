"""`python manage.py close_overdue_attempts`: grade the attempts whose time limit ran out.

Safe to run at any time, as often as wanted, and from several places at once: each attempt is
graded once. Schedule it every few minutes so that learners who closed the page see a result.
"""

from django.core.management.base import BaseCommand, CommandError

from quizzes.lifecycle import close_overdue_attempts


class Command(BaseCommand):
    help = "Grade and close open quiz attempts whose time limit has run out, with the answers saved in time."

    def handle(self, *args, verbosity: int = 1, **options):
        result = close_overdue_attempts()
        if verbosity:
            self.stdout.write(f"Closed {result.closed} overdue attempt(s).")
        if result.failed:
            # A non-zero exit makes the scheduler's log show that something needs a look.
            raise CommandError(
                f"{len(result.failed)} overdue attempt(s) could not be closed "
                f"(ids {', '.join(map(str, result.failed))}); see the log."
            )
