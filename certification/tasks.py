"""Certification's background jobs (periodic: registered in CertificationConfig.ready)."""

from django_tasks import task

from certification.reminders import send_reminders


@task()
def send_reminders_task() -> str:
    """The daily reminders: each e-mail is keyed, so an extra run sends nothing new."""
    return str(send_reminders())
