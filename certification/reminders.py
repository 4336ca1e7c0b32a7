"""The reminder run: what is due soon, overdue, expiring or expired, by e-mail and in the site.

Run daily (the worker's scheduler, `certification-reminders`; or from cron,
`manage.py send_certification_reminders`). It finds:

- certificates expiring: reminded at each of settings.CERTIFICATE_REMINDER_DAYS before expiry
  (90, 60, 30 and 7 days), each threshold once; a certificate first seen late (25 days before)
  gets only the nearest threshold (30), not the ones it has passed;
- certificates expired in the last EXPIRED_WITHIN (once each, unless already renewed);
- assignments due within settings.ASSIGNMENT_DUE_SOON_DAYS and not yet held (once per due date);
- assignments overdue (the learner's standing, as the clinic's dashboard shows it): once a week,
  the ISO week being part of the key.

The person concerned gets an in-site notification (`accounts.notifications.notify`, keyed by
the event, without its e-mail copy: this run e-mails itself) and a reminder e-mail unless they
switched that kind's e-mail off. Their clinic's managers get the same e-mail about each of their
staff, as ever (by their own choice for that kind), and one in-site digest per run that counts
what is new about their staff ("2 overdue, 1 certificate expiring"), rather than one per staff
member.

Each reminder e-mail has a key (what, which, to whom) and a Reminder row that records what became
of it. Each e-mail is attempted on its own, so one bad address never holds up the others:

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
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.notifications import emails_wanted, notify
from certification.events import programme_url
from certification.models import (
    Certificate,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    Reminder,
    ReminderStatus,
)
from certification.requirements import HELD, Standing, certificates_of, standing

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 7
REASON_LENGTH = 500
# A certificate that expired longer ago than this is not announced (nor, on a first run, every
# certificate that ever expired).
EXPIRED_WITHIN = timedelta(days=30)

OVERDUE = "assignment.overdue"
DUE_SOON = "assignment.due_soon"
EXPIRING = "certificate.expiring"
EXPIRED = "certificate.expired"
# The managers' digest names its most pressing kind first.
DIGEST_ORDER = [OVERDUE, EXPIRED, EXPIRING, DUE_SOON]
DIGEST_WORDS = {
    OVERDUE: ("overdue", "overdue"),
    EXPIRED: ("certificate expired", "certificates expired"),
    EXPIRING: ("certificate expiring", "certificates expiring"),
    DUE_SOON: ("due soon", "due soon"),
}


@dataclass
class Notice:
    """One reminder e-mail to one recipient, about one event of one holder."""

    key: str
    recipient: Any
    subject: str
    template: str
    context: dict
    kind: str = ""
    holder: Any = None
    # The holder's in-site notification: its key (the event, to whomever), message and link.
    event: str = ""
    message: str = ""
    url: str = ""
    # On the holder's notice: their managers, whose digest counts this event when it is new.
    managers: list = field(default_factory=list)

    @property
    def to_holder(self) -> bool:
        return self.holder is not None and self.recipient.pk == self.holder.pk


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


def reminder_days() -> list[int]:
    """settings.CERTIFICATE_REMINDER_DAYS, nearest first."""
    return sorted({int(d) for d in settings.CERTIFICATE_REMINDER_DAYS if int(d) > 0})


def expiry_threshold(expires_at: datetime, now: datetime, days: list[int]) -> int | None:
    """Pure: the nearest reminder threshold (days before expiry) that `now` has reached.

    With thresholds [7, 30, 60, 90], 29 days before expiry is the 30-day one, 95 days is none.
    """
    for d in days:
        if expires_at <= now + timedelta(days=d):
            return d
    return None


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _for_holder_and_managers(
    holder: Any,
    managers: list,
    *,
    key: str,
    kind: str,
    event: str,
    message: str,
    url: str,
    subject: str,
    template: str,
    context: dict,
) -> list[Notice]:
    """The notice to the holder (carrying the in-site notification) and one to each manager."""
    found = []
    for recipient in [holder, *managers]:
        is_holder = recipient.pk == holder.pk
        found.append(
            Notice(
                key=f"{key}:{recipient.pk}",
                recipient=recipient,
                subject=subject,
                template=template,
                context={
                    **context,
                    "holder": holder,
                    "base_url": settings.WAGTAILADMIN_BASE_URL,
                    "recipient": recipient,
                    "is_holder": is_holder,
                },
                kind=kind,
                holder=holder,
                event=event,
                message=message,
                url=url,
                managers=managers if is_holder else [],
            )
        )
    return found


def notices(now: datetime | None = None) -> list[Notice]:
    """Every reminder due at `now`: certificates expiring or expired (their status, in SQL) and
    assignments due soon or overdue (the learner's standing, as their clinic's dashboard shows it)."""
    now = now or timezone.now()
    today = now.date()
    days = reminder_days()
    expiring = (
        list(
            Certificate.objects.expiring_within(days=days[-1], at=now).select_related(
                "user", "programme"
            )
        )
        if days
        else []
    )
    renewed = Certificate.objects.filter(
        user=OuterRef("user"), programme=OuterRef("programme"), cycle__gt=OuterRef("cycle")
    )
    expired = list(
        Certificate.objects.expired(now)
        .filter(expires_at__gt=now - EXPIRED_WITHIN)
        .exclude(Exists(renewed))
        .select_related("user", "programme")
    )
    soon = today + timedelta(days=settings.ASSIGNMENT_DUE_SOON_DAYS)
    assignments = list(
        ProgrammeAssignment.objects.filter(due_date__lte=soon).select_related(
            "user", "programme", "clinic"
        )
    )
    certificates = certificates_of(
        {a.user_id for a in assignments}, {a.programme_id for a in assignments}
    )
    overdue, due_soon = [], []
    for a in assignments:
        held, _ = standing(
            certificates.get((a.user_id, a.programme_id), []), a.due_date, False, now
        )
        if held == Standing.OVERDUE:
            overdue.append(a)
        elif a.due_date >= today and held not in HELD:
            due_soon.append(a)
    managers = managers_of(
        {c.user_id for c in expiring + expired} | {a.user_id for a in overdue + due_soon}
    )
    found = []
    for certificate in expiring:
        threshold = expiry_threshold(certificate.expires_at, now, days)
        title = certificate.programme.title
        found += _for_holder_and_managers(
            certificate.user,
            managers.get(certificate.user_id, []),
            key=f"expiring:{certificate.pk}:{threshold}d",
            kind=EXPIRING,
            event=f"{EXPIRING}:{certificate.pk}:{threshold}d",
            message=f"Your certificate “{title}” expires on {certificate.expires_at:%d %b %Y}.",
            url=certificate.get_absolute_url(),
            subject=f"Certificate expiring {certificate.expires_at:%d %b %Y}: {title}",
            template="certification/email/expiring.txt",
            context={"certificate": certificate},
        )
    for certificate in expired:
        title = certificate.programme.title
        found += _for_holder_and_managers(
            certificate.user,
            managers.get(certificate.user_id, []),
            key=f"expired:{certificate.pk}",
            kind=EXPIRED,
            event=f"{EXPIRED}:{certificate.pk}",
            message=f"Your certificate “{title}” expired on {certificate.expires_at:%d %b %Y}.",
            url=programme_url(certificate.programme),
            subject=f"Certificate expired {certificate.expires_at:%d %b %Y}: {title}",
            template="certification/email/expired.txt",
            context={"certificate": certificate},
        )
    for assignment in due_soon:
        title, due = assignment.programme.title, assignment.due_date
        found += _for_holder_and_managers(
            assignment.user,
            managers.get(assignment.user_id, []),
            key=f"due-soon:{assignment.pk}:{due.isoformat()}",
            kind=DUE_SOON,
            event=f"{DUE_SOON}:{assignment.pk}:{due.isoformat()}",
            message=f"“{title}” is due {due:%d %b %Y} ({assignment.clinic.name}).",
            url=programme_url(assignment.programme),
            subject=f"Due soon: {title} is due {due:%d %b %Y}",
            template="certification/email/due_soon.txt",
            context={"assignment": assignment},
        )
    week = iso_week(today)
    for assignment in overdue:
        title, due = assignment.programme.title, assignment.due_date
        found += _for_holder_and_managers(
            assignment.user,
            managers.get(assignment.user_id, []),
            key=f"overdue:{assignment.pk}:{due.isoformat()}:{week}",
            kind=OVERDUE,
            event=f"{OVERDUE}:{assignment.pk}:{due.isoformat()}:{week}",
            message=f"“{title}” was due {due:%d %b %Y} ({assignment.clinic.name}) "
            "and is not yet held.",
            url=programme_url(assignment.programme),
            subject=f"Overdue: {title} was due {due:%d %b %Y}",
            template="certification/email/overdue.txt",
            context={"assignment": assignment},
        )
    return found


class Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class ReminderRun:
    """What one run did: e-mails sent, e-mails that failed, reminders skipped, and in-site
    notifications added (to the people concerned, and their managers' digests)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    notified: int = 0
    # (key, address, reason) for each e-mail that failed in this run.
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.failed} failed, {self.skipped} skipped, "
            f"{self.notified} notified"
        )


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


def digest_message(counts: Counter) -> str:
    """Pure: "Reminders about your staff: 2 overdue, 1 certificate expiring." """
    parts = [
        f"{counts[kind]} {DIGEST_WORDS[kind][counts[kind] != 1]}"
        for kind in DIGEST_ORDER
        if counts[kind]
    ]
    return f"Reminders about your staff: {', '.join(parts)}."


def notify_managers(digests: dict[int, tuple[Any, Counter]], now: datetime) -> int:
    """One in-site digest per manager of what this run found new about their staff (at most one
    a day); returns how many were added. It links to the manager's clinic dashboard."""
    clinics: dict[int, str] = {}
    for m in (
        ClinicMembership.objects.filter(user_id__in=digests, role=ClinicRole.MANAGER)
        .select_related("clinic")
        .order_by("clinic__name")
    ):
        clinics.setdefault(m.user_id, m.clinic.slug)
    added = 0
    for manager_id, (manager, counts) in digests.items():
        slug = clinics.get(manager_id)
        made = notify(
            manager,
            next(kind for kind in DIGEST_ORDER if counts[kind]),
            digest_message(counts),
            url=reverse("clinics:dashboard", args=[slug]) if slug else "",
            key=f"staff-reminders:{now.date().isoformat()}",
            email=False,
        )
        added += made is not None
    return added


def send_reminders(now: datetime | None = None, *, email: bool = True) -> ReminderRun:
    """Notify and e-mail every due reminder, each on its own: one failure never stops the rest.

    The in-site notification is added once per event (its key); the e-mail is skipped for
    recipients without an address or who switched that kind's e-mail off, and for reminders
    already sent or given up for the recipient's current address. With `email=False` only the
    in-site notifications are added (the demo data): the next real run still e-mails.
    """
    now = now or timezone.now()
    run = ReminderRun()
    digests: dict[int, tuple[Any, Counter]] = {}
    for notice in notices(now):
        if notice.to_holder:
            made = notify(
                notice.holder,
                notice.kind,
                notice.message,
                url=notice.url,
                key=notice.event,
                email=False,
            )
            if made is not None:
                run.notified += 1
                for manager in notice.managers:
                    digests.setdefault(manager.pk, (manager, Counter()))[1][notice.kind] += 1
        if not email:
            continue
        if not emails_wanted(notice.recipient, notice.kind):
            run.skipped += 1
            continue
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
    run.notified += notify_managers(digests, now)
    return run
