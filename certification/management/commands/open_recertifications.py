"""`python manage.py open_recertifications`: open the recertification of every certificate whose
window has come (certification.recertification), for cron when the worker's scheduler does not
run it. Each holder is assigned the renewal path and told, with their managers; running it twice
opens nothing new."""

from django.core.management.base import BaseCommand

from certification.recertification import open_recertifications


class Command(BaseCommand):
    help = (
        "Open recertification for every certificate inside its programme's recertification "
        "window: assign the renewal path, notify the holder and their managers (idempotent)."
    )

    def handle(self, *args, verbosity: int = 1, **options):
        opened = open_recertifications()
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"{len(opened)} recertification(s) opened."))
