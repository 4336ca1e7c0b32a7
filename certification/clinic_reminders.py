"""A clinic manager reminds chosen staff of what they still have to do.

`RemindStaffAction` (Wagtail's actions shape) checks that the user manages the clinic and that
everyone chosen is its staff, at most MAX_PER_REQUEST of them; then, holding a lock on the
clinic row (so that two managers or two app servers sending at once never both remind the same
person), it leaves out whoever this clinic reminded within REMINDER_INTERVAL (read from the
audit log, the database every server shares) and whoever has nothing outstanding, writes one
audit entry naming the people reminded, and enqueues `send_clinic_reminders` after the write.

The task tells each person, through `accounts.notifications.notify` (in-site, and by e-mail if
they want the "clinic.reminder" kind so), what is still outstanding as the dashboard shows it:
each programme of the clinic they do not hold, with its missing requirements and due date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks import task
from wagtail.actions.base import BaseAction
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from accounts.notifications import notify
from certification.clinics import Cell, clinic_programmes, staff_ids_among
from certification.events import programme_url
from certification.models import Clinic, Programme, ProgrammeAssignment
from certification.permissions import may_remind_staff
from certification.requirements import HELD, programme_states
from certification.rules import CertificationError
from core.tasks import enqueue_after_write

REMIND = "certification.clinic.remind"
KIND = "clinic.reminder"
REMINDER_INTERVAL = timedelta(hours=24)
MAX_PER_REQUEST = 50


@dataclass
class Outstanding:
    """A programme of the clinic someone does not hold, and what they still miss in it."""

    programme: Programme
    missing: list[str]
    due: Any  # date | None


def outstanding(clinic: Clinic, users: list, *, now: datetime) -> dict[int, list[Outstanding]]:
    """User id -> the clinic's programmes each of `users` does not hold (constant queries)."""
    if not users:
        return {}
    programmes = clinic_programmes(clinic)
    states = programme_states(users, programmes, now=now)
    assignments = {
        (a.user_id, a.programme_id): a
        for a in ProgrammeAssignment.objects.filter(
            clinic=clinic, user__in=users, programme__in=programmes
        )
    }
    found: dict[int, list[Outstanding]] = {}
    for user in users:
        items = []
        for programme in programmes:
            state = states[(user.pk, programme.pk)]
            assignment = assignments.get((user.pk, programme.pk))
            status, shown = state.standing(assignment.due_date if assignment else None)
            if status in HELD:
                continue
            cell = Cell(status, state, shown, assignment)
            missing = [r.title for r in state.requirements if not r.met]
            items.append(Outstanding(programme, missing, cell.due_date))
        found[user.pk] = items
    return found


# A notification is one short line: name the first few missing requirements; the programme page
# lists them all.
MISSING_NAMED = 2


def reminder_message(clinic: Clinic, items: list[Outstanding]) -> str:
    """What the reminder says: each programme outstanding, when due, what is missing."""
    parts = []
    for item in items:
        text = item.programme.title
        if item.due:
            text += f" (due {date_format(item.due, 'j M Y')})"
        if item.missing:
            shown = item.missing[:MISSING_NAMED]
            more = len(item.missing) - len(shown)
            text += ": " + ", ".join(shown) + (f" and {more} more" if more else "")
        parts.append(text)
    return f"{clinic.name} reminds you of what is still to do. " + "; ".join(parts) + "."


def reminder_url(items: list[Outstanding]) -> str:
    """The programme's page when one is outstanding, else the learner's page."""
    return programme_url(items[0].programme) if len(items) == 1 else "/learn/"


def recently_reminded(clinic: Clinic, *, now: datetime) -> set[int]:
    """Ids of the staff this clinic reminded within REMINDER_INTERVAL before `now` (one query)."""
    entries = ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Clinic),
        object_id=str(clinic.pk),
        action=REMIND,
        timestamp__gt=now - REMINDER_INTERVAL,
    ).values_list("data", flat=True)
    return {int(pk) for data in entries for pk in (data or {}).get("staff", [])}


@dataclass
class RemindResult:
    """Who was queued a reminder, and who was left out and why."""

    queued: list[int] = field(default_factory=list)
    recently_reminded: list[int] = field(default_factory=list)
    nothing_outstanding: list[int] = field(default_factory=list)


class RemindStaffAction(BaseAction):
    """Remind `staff_ids` (staff of `clinic`) of what they still have to do."""

    action_name = "remind_staff"

    def __init__(self, clinic: Clinic, user: Any, staff_ids: list[int]) -> None:
        super().__init__(clinic, user=user)
        self.staff_ids = sorted(set(staff_ids))

    def check(self, skip_permission_checks: bool = False) -> None:
        """The clinic's managers only; its own staff only, one to MAX_PER_REQUEST of them."""
        if not skip_permission_checks and not may_remind_staff(self.user, self.instance):
            raise PermissionDenied("Only this clinic's managers can remind its staff.")
        if not self.staff_ids:
            raise CertificationError("Choose at least one staff member to remind.")
        if len(self.staff_ids) > MAX_PER_REQUEST:
            raise CertificationError(
                f"Remind at most {MAX_PER_REQUEST} people at a time; "
                f"{len(self.staff_ids)} are selected."
            )
        if staff_ids_among(self.instance, self.staff_ids) != set(self.staff_ids):
            raise CertificationError("Only this clinic's staff can be reminded.")

    def execute(
        self, skip_permission_checks: bool = False, now: datetime | None = None
    ) -> RemindResult:
        now = now or timezone.now()
        result = RemindResult()
        with transaction.atomic():
            self.check(skip_permission_checks=skip_permission_checks)
            # One sender at a time per clinic, whichever app server: the check below then
            # sees every reminder already recorded.
            Clinic.objects.select_for_update().filter(pk=self.instance.pk).first()
            recent = recently_reminded(self.instance, now=now)
            result.recently_reminded = [pk for pk in self.staff_ids if pk in recent]
            users = list(
                get_user_model().objects.filter(pk__in=self.staff_ids).exclude(pk__in=recent)
            )
            due = outstanding(self.instance, users, now=now)
            for user in sorted(users, key=lambda u: u.pk):
                (result.queued if due.get(user.pk) else result.nothing_outstanding).append(user.pk)
            if result.queued:
                entry = log(
                    instance=self.instance,
                    action=REMIND,
                    user=self.user,
                    data={
                        "staff": result.queued,
                        "count": len(result.queued),
                        "skipped": len(result.recently_reminded) + len(result.nothing_outstanding),
                    },
                )
                enqueue_after_write(
                    send_clinic_reminders, self.instance.pk, result.queued, entry.pk
                )
        return result


@task()
def send_clinic_reminders(clinic_id: int, user_ids: list[int], entry_id: int) -> int:
    """Notify each of `user_ids` of what is outstanding now; return how many were notified.

    Each notification is keyed by the audit entry and the person, so a repeated run adds
    nothing; someone who has since met everything is not told.
    """
    clinic = Clinic.objects.filter(pk=clinic_id).first()
    if clinic is None:
        return 0
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True))
    due = outstanding(clinic, users, now=timezone.now())
    sent = 0
    for user in users:
        items = due.get(user.pk)
        if not items:
            continue
        notification = notify(
            user,
            KIND,
            reminder_message(clinic, items),
            url=reminder_url(items),
            key=f"{KIND}:{entry_id}:{user.pk}",
        )
        sent += notification is not None
    return sent
