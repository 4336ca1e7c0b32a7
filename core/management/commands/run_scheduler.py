"""`python manage.py run_scheduler`: enqueue the periodic jobs (reconcile, reminders, deadlines).

Run one or several beside the task worker; each period's run is claimed by a unique row, so
several schedulers never enqueue the same run twice. `--once` enqueues what is due and exits
(for cron).
"""

import time

from django.core.management.base import BaseCommand

from core.tasks import enqueue_due, periodic_jobs


class Command(BaseCommand):
    help = "Enqueue periodic background jobs when they are due (loops; --once for cron)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue what is due, then exit.")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="Seconds between checks (default 30)."
        )

    def handle(self, *args, once: bool = False, interval: float = 30.0, verbosity: int = 1, **kw):
        if verbosity:
            jobs = ", ".join(f"{job.name} every {job.every}" for job in periodic_jobs())
            self.stdout.write(f"Periodic jobs: {jobs}")
        while True:
            for name in enqueue_due():
                if verbosity:
                    self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(interval)
