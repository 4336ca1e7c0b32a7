"""`python manage.py send_certification_reminders`: e-mail trainees and their managers about
certificates expiring within 60 days and overdue assignments. Running it twice sends nothing new."""

from django.core.management.base import BaseCommand

from certification.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail reminders for expiring certificates and overdue programme assignments (idempotent)."
    )

    def handle(self, *args, verbosity: int = 1, **options):
        sent, skipped = send_reminders()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{sent} reminder(s) sent; {skipped} already sent or without an e-mail address."
                )
            )
