"""`send_certification_reminders`: expiring certificates and overdue assignments, once each."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from certification import services
from certification.models import Reminder
from tests.certification.conftest import meet_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring(staff, manager, clinic, tree, programme, assessor):
    when = timezone.now() - programme.validity + timedelta(days=30)
    meet_everything(staff, tree, programme, assessor, when=when)
    return services.issue_if_due(staff, programme, now=when)


def test_expiring_certificates_remind_the_holder_and_their_managers(
    expiring, staff, manager, mailoutbox
):
    call_command("send_certification_reminders", verbosity=0)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([staff.email, manager.email])
    holder_mail = next(m for m in mailoutbox if m.to == [staff.email])
    assert (
        "expires on" in holder_mail.body and f"/certificates/{expiring.code}/" in holder_mail.body
    )


def test_running_twice_sends_nothing_new(expiring, mailoutbox):
    call_command("send_certification_reminders", verbosity=0)
    first = len(mailoutbox)
    call_command("send_certification_reminders", verbosity=0)
    assert len(mailoutbox) == first == Reminder.objects.count() == 2


def test_overdue_assignments_remind_trainee_and_manager(
    staff, manager, clinic, programme, mailoutbox
):
    services.assign_programme(
        clinic, manager, [staff], programme, timezone.now().date() - timedelta(days=3)
    )
    call_command("send_certification_reminders", verbosity=0)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([staff.email, manager.email])
    assert all("Overdue" in m.subject for m in mailoutbox)
    call_command("send_certification_reminders", verbosity=0)
    assert len(mailoutbox) == 2


def test_nothing_to_say_sends_nothing(staff, manager, clinic, programme, mailoutbox):
    services.assign_programme(
        clinic, manager, [staff], programme, timezone.now().date() + timedelta(days=30)
    )
    call_command("send_certification_reminders", verbosity=0)
    assert mailoutbox == []


def test_a_failed_send_is_tried_again_next_time(expiring, mailoutbox, settings, monkeypatch):
    from certification import reminders

    calls = {"n": 0}
    real = reminders.send_mail

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("mail server down")
        return real(*args, **kwargs)

    monkeypatch.setattr(reminders, "send_mail", flaky)
    with pytest.raises(ConnectionError):
        call_command("send_certification_reminders", verbosity=0)
    assert Reminder.objects.count() == 0
    call_command("send_certification_reminders", verbosity=0)
    assert Reminder.objects.count() == 2 and len(mailoutbox) == 2
