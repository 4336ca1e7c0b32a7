"""`python manage.py send_certification_reminders`: the reminder run (certification.reminders),
for cron when the worker's scheduler does not run it. Trainees and their managers are reminded
of certificates expiring (at each of CERTIFICATE_REMINDER_DAYS) or expired, and of assignments
due soon or overdue, by e-mail and in the site. Running it twice sends nothing new; an address
the mail server refuses is recorded and skipped, and the rest still go out."""

from django.core.management.base import BaseCommand

from certification.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Reminders (e-mail and in-site) for expiring or expired certificates and programme "
        "assignments due soon or overdue (idempotent; a refused address does not stop the others)."
    )

    def handle(self, *args, verbosity: int = 1, **options):
        run = send_reminders()
        if not verbosity:
            return
        for key, address, reason in run.failures:
            self.stderr.write(f"Not sent: {key} to {address}: {reason}")
        summary = (
            f"{run.sent} reminder(s) sent; {run.failed} failed; {run.skipped} skipped "
            "(already sent, refused before, switched off, or without an e-mail address); "
            f"{run.notified} new notification(s)."
        )
        style = self.style.WARNING if run.failed else self.style.SUCCESS
        self.stdout.write(style(summary))
