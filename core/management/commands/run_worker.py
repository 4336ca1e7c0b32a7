"""`python manage.py run_worker`: run the task worker of whichever queue TASKS_BACKEND selects."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the background task worker (database queue or RQ, as TASKS_BACKEND says)."

    def handle(self, *args, verbosity: int = 1, **options):
        backend = settings.TASKS_BACKEND
        if backend == "database":
            call_command("db_worker", verbosity=verbosity)
        elif backend == "rq":
            call_command(
                "rqworker",
                "default",
                job_class="django_tasks_rq.backend.Job",
                with_scheduler=True,
                verbosity=verbosity,
            )
        else:
            raise CommandError(
                f"TASKS_BACKEND={backend!r} runs tasks inside the web process: no worker to start."
            )
