"""`python manage.py send_certification_reminders`: e-mail trainees and their managers about
certificates expiring within 60 days and overdue assignments. Running it twice sends nothing new;
an address the mail server refuses is recorded and skipped, and the rest still go out."""

from django.core.management.base import BaseCommand

from certification.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail reminders for expiring certificates and overdue programme assignments "
        "(idempotent; a refused address does not stop the others)."
    )

    def handle(self, *args, verbosity: int = 1, **options):
        run = send_reminders()
        if not verbosity:
            return
        for key, address, reason in run.failures:
            self.stderr.write(f"Not sent: {key} to {address}: {reason}")
        summary = (
            f"{run.sent} reminder(s) sent; {run.failed} failed; {run.skipped} skipped "
            "(already sent, refused before, or without an e-mail address)."
        )
        style = self.style.WARNING if run.failed else self.style.SUCCESS
        self.stdout.write(style(summary))
