"""Reminder e-mails: certificates expiring within 60 days, and overdue assignments.

Each reminder has a key (what, which, to whom); a Reminder row is written in the same
transaction as the e-mail is sent, so running the command again sends nothing new, and an
e-mail that failed to send is tried again next time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from certification.models import (
    Certificate,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    Reminder,
)


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
    now = now or timezone.now()
    expiring = list(Certificate.objects.expiring_within(at=now).select_related("user", "programme"))
    late = list(
        ProgrammeAssignment.objects.filter(due_date__lt=now.date()).select_related(
            "user", "programme", "clinic"
        )
    )
    held = set(
        Certificate.objects.valid(now)
        .filter(user_id__in={a.user_id for a in late})
        .values_list("user_id", "programme_id")
    )
    overdue = [a for a in late if (a.user_id, a.programme_id) not in held]
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


def send_reminders(now: datetime | None = None) -> tuple[int, int]:
    """(sent, skipped as already sent). Recipients without an e-mail address are skipped."""
    sent = skipped = 0
    for notice in notices(now):
        if not notice.recipient.email:
            skipped += 1
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(key=notice.key, recipient=notice.recipient)
                send_mail(
                    notice.subject,
                    render_to_string(notice.template, notice.context),
                    None,
                    [notice.recipient.email],
                )
        except IntegrityError:
            skipped += 1
            continue
        sent += 1
    return sent, skipped
