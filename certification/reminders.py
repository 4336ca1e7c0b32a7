"""Reminder e-mails: certificates expiring within 60 days, and overdue assignments.

Each reminder has a key (what, which, to whom) and a Reminder row that records what became of
it. Each e-mail is attempted on its own, so one bad address never holds up the others:

- sent: recorded in the same transaction as the send; running again sends nothing new.
- the mail server refuses the address permanently (a 5xx reply to RCPT): recorded as
  `refused` and not tried again while the recipient's address stays the same; correcting the
  address makes it due again.
- anything else (a temporary 4xx refusal, the mail server unreachable or hanging up): recorded
  as `failed` and tried again on the next run, up to MAX_ATTEMPTS attempts in all (a week of
  daily runs), after which it is `gave_up`, again until the address changes.
"""

from __future__ import annotations

import enum
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from certification.models import (
    Certificate,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    Reminder,
    ReminderStatus,
)
from certification.requirements import Standing, certificates_of, standing

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 7
REASON_LENGTH = 500


@dataclass
class Notice:
    key: str
    recipient: Any
    subject: str
    template: str
    context: dict


def managers_of(user_ids: set[int]) -> dict[int, list]:
    """Staff user id -> the managers of every clinic they belong to (one query)."""
    staff_clinics: dict[int, set[int]] = {}
    managers: dict[int, list] = {}
    for m in ClinicMembership.objects.filter(user_id__in=user_ids, role=ClinicRole.STAFF):
        staff_clinics.setdefault(m.user_id, set()).add(m.clinic_id)
    clinic_ids = {c for cs in staff_clinics.values() for c in cs}
    by_clinic: dict[int, list] = {}
    for m in ClinicMembership.objects.filter(
        clinic_id__in=clinic_ids, role=ClinicRole.MANAGER
    ).select_related("user"):
        by_clinic.setdefault(m.clinic_id, []).append(m.user)
    for user_id, clinics in staff_clinics.items():
        seen = {}
        for clinic_id in clinics:
            for manager in by_clinic.get(clinic_id, []):
                seen[manager.pk] = manager
        managers[user_id] = list(seen.values())
    return managers


def notices(now: datetime | None = None) -> list[Notice]:
    """Every reminder due at `now`: certificates expiring (their status, in SQL) and assignments
    overdue (the learner's standing, as their clinic's dashboard shows it)."""
    now = now or timezone.now()
    expiring = list(Certificate.objects.expiring_within(at=now).select_related("user", "programme"))
    late = list(
        ProgrammeAssignment.objects.filter(due_date__lt=now.date()).select_related(
            "user", "programme", "clinic"
        )
    )
    certificates = certificates_of({a.user_id for a in late}, {a.programme_id for a in late})
    overdue = [
        a
        for a in late
        if standing(certificates.get((a.user_id, a.programme_id), []), a.due_date, False, now)[0]
        == Standing.OVERDUE
    ]
    managers = managers_of({c.user_id for c in expiring} | {a.user_id for a in overdue})
    found = []
    for certificate in expiring:
        context = {
            "certificate": certificate,
            "holder": certificate.user,
            "base_url": settings.WAGTAILADMIN_BASE_URL,
        }
        for recipient in [certificate.user, *managers.get(certificate.user_id, [])]:
            found.append(
                Notice(
                    key=f"expiring:{certificate.pk}:{recipient.pk}",
                    recipient=recipient,
                    subject=f"Certificate expiring {certificate.expires_at:%d %b %Y}: {certificate.programme.title}",
                    template="certification/email/expiring.txt",
                    context={
                        **context,
                        "recipient": recipient,
                        "is_holder": recipient.pk == certificate.user_id,
                    },
                )
            )
    for assignment in overdue:
        context = {
            "assignment": assignment,
            "holder": assignment.user,
            "base_url": settings.WAGTAILADMIN_BASE_URL,
        }
        for recipient in [assignment.user, *managers.get(assignment.user_id, [])]:
            found.append(
                Notice(
                    key=f"overdue:{assignment.pk}:{assignment.due_date.isoformat()}:{recipient.pk}",
                    recipient=recipient,
                    subject=f"Overdue: {assignment.programme.title} was due {assignment.due_date:%d %b %Y}",
                    template="certification/email/overdue.txt",
                    context={
                        **context,
                        "recipient": recipient,
                        "is_holder": recipient.pk == assignment.user_id,
                    },
                )
            )
    return found


class Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class ReminderRun:
    """What one run did: e-mails sent, e-mails that failed, reminders skipped."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    # (key, address, reason) for each e-mail that failed in this run.
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.failed} failed, {self.skipped} skipped"


@dataclass(frozen=True)
class Failure:
    """Why an e-mail was not sent, and whether that is worth trying again."""

    reason: str
    permanent: bool


def classify(exc: Exception) -> Failure:
    """A 5xx refusal of the address is permanent; any other failure may pass by the next run."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        replies = list(exc.recipients.values())
        reason = "; ".join(
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in replies
        )
        return Failure(f"refused: {reason}", all(code >= 500 for code, _ in replies))
    return Failure(f"{type(exc).__name__}: {exc}", False)


def is_due(reminder: Reminder, address: str) -> bool:
    """Whether this reminder should be (re)sent to `address` now."""
    if reminder.status == ReminderStatus.SENT:
        return False
    if reminder.status in (ReminderStatus.REFUSED, ReminderStatus.GAVE_UP):
        return reminder.address != address
    return True


def deliver(notice: Notice, now: datetime) -> tuple[Outcome, str]:
    """Send one reminder unless it was sent or given up; record the outcome on its row.

    Returns the outcome and, for a failure, its reason. The row is locked while sending, so
    two runs at once send it once.
    """
    address = notice.recipient.email
    if not address:
        return Outcome.SKIPPED, ""
    with transaction.atomic():
        reminder, _ = Reminder.objects.select_for_update().get_or_create(
            key=notice.key,
            defaults={"recipient": notice.recipient, "status": ReminderStatus.FAILED},
        )
        if not is_due(reminder, address):
            return Outcome.SKIPPED, ""
        if reminder.address != address:
            reminder.attempts = 0
        reminder.address = address
        reminder.attempts += 1
        reminder.last_attempt_at = now
        try:
            send_mail(
                notice.subject,
                render_to_string(notice.template, notice.context),
                None,
                [address],
            )
        except (smtplib.SMTPException, OSError) as exc:
            failure = classify(exc)
            if failure.permanent:
                reminder.status = ReminderStatus.REFUSED
            elif reminder.attempts >= MAX_ATTEMPTS:
                reminder.status = ReminderStatus.GAVE_UP
            else:
                reminder.status = ReminderStatus.FAILED
            reminder.failure_reason = failure.reason[:REASON_LENGTH]
            reminder.save()
            return Outcome.FAILED, reminder.failure_reason
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = now
        reminder.failure_reason = ""
        reminder.save()
    return Outcome.SENT, ""


def send_reminders(now: datetime | None = None) -> ReminderRun:
    """Send every due reminder, each on its own: one failure never stops the rest.

    Recipients without an e-mail address, reminders already sent and reminders given up
    for the recipient's current address are skipped.
    """
    now = now or timezone.now()
    run = ReminderRun()
    for notice in notices(now):
        outcome, reason = deliver(notice, now)
        if outcome is Outcome.SENT:
            run.sent += 1
        elif outcome is Outcome.SKIPPED:
            run.skipped += 1
        else:
            run.failed += 1
            run.failures.append((notice.key, notice.recipient.email, reason))
            logger.warning(
                "Reminder %s to %s not sent: %s", notice.key, notice.recipient.email, reason
            )
    return run
