"""Certification's background jobs (periodic: registered in CertificationConfig.ready)."""

from django_tasks import task

from certification.reminders import send_reminders


@task()
def send_reminders_task() -> str:
    """The daily reminder run (certification.reminders): each notification and e-mail is keyed,
    so an extra run sends nothing new."""
    return str(send_reminders())


@task()
def send_invitation_email(invitation_id: int, nonce: str, attempt: int = 1) -> bool:
    """E-mail one invitation's current link (or an existing account's notice), once; a mail
    failure is raised, so the try is recorded as failed, and tried again later."""
    from certification.invitations import deliver_or_retry

    return deliver_or_retry(send_invitation_email, invitation_id, nonce, attempt)


@task()
def import_invitations_task(clinic_id: int, inviter_id: int, rows: list[dict]) -> str:
    """Invite the checked rows of a manager's CSV file (certification.invitation_import)."""
    from certification.invitation_import import import_rows

    return str(import_rows(clinic_id, inviter_id, rows))
