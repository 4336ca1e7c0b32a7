"""`send_certification_reminders`: expiring certificates and overdue assignments, once each."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from certification import reminders, services
from certification.models import ClinicMembership, ClinicRole, Reminder, ReminderStatus
from tests.certification.conftest import days, meet_everything
from tests.concurrency import requires_postgres, run_concurrently
from tests.factories import UserFactory

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


@pytest.fixture
def mail_server(settings):
    """A mail server that refuses the addresses put in settings.MAIL_REFUSED."""
    settings.EMAIL_BACKEND = "tests.certification.mail_backends.RefusingBackend"
    settings.MAIL_REFUSED = {}
    settings.MAIL_SERVER_DOWN = False
    return settings


@pytest.fixture
def overdue_team(clinic, manager, programme):
    """Eight staff past their due date: sixteen reminders (each of them, and their manager)."""
    team = [UserFactory(username=f"team-{n}") for n in range(8)]
    for user in team:
        ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    services.assign_programme(clinic, manager, team, programme, timezone.now().date() - days(3))
    mail.outbox.clear()  # the assignment's own notification e-mails (sent once it commits)
    return team


def run() -> str:
    out, err = StringIO(), StringIO()
    call_command("send_certification_reminders", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def reminder_for(user) -> Reminder:
    return Reminder.objects.get(recipient=user)


def test_a_refused_address_is_recorded_and_the_other_reminders_still_go_out(
    mail_server, overdue_team, manager, mailoutbox
):
    bad = overdue_team[2]
    mail_server.MAIL_REFUSED = {bad.email: 550}
    output = run()
    expected = sorted([u.email for u in overdue_team if u != bad] + [manager.email] * 8)
    assert sorted(m.to[0] for m in mailoutbox) == expected
    assert "15 reminder(s) sent; 1 failed; 0 skipped" in output
    assert "Not sent: overdue:" in output and bad.email in output
    row = reminder_for(bad)
    assert row.status == ReminderStatus.REFUSED
    assert row.attempts == 1 and row.address == bad.email and row.sent_at is None
    assert "550" in row.failure_reason and "rejected" in row.failure_reason
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 15


def test_a_permanently_refused_address_is_not_tried_again(mail_server, overdue_team, mailoutbox):
    bad = overdue_team[0]
    mail_server.MAIL_REFUSED = {bad.email: 550}
    run()
    sent = len(mailoutbox)
    output = run()
    assert "0 reminder(s) sent; 0 failed; 16 skipped" in output
    assert len(mailoutbox) == sent
    assert reminder_for(bad).attempts == 1


def test_a_corrected_address_gets_the_reminder_that_was_refused(
    mail_server, overdue_team, mailoutbox
):
    bad = overdue_team[0]
    mail_server.MAIL_REFUSED = {bad.email: 550}
    run()
    bad.email = "corrected@example.org"
    bad.save()
    output = run()
    assert "1 reminder(s) sent; 0 failed; 15 skipped" in output
    assert mailoutbox[-1].to == ["corrected@example.org"]
    row = reminder_for(bad)
    assert row.status == ReminderStatus.SENT and row.attempts == 1 and row.failure_reason == ""


def test_a_temporary_refusal_is_tried_again_on_the_next_run(mail_server, overdue_team, mailoutbox):
    busy = overdue_team[1]
    mail_server.MAIL_REFUSED = {busy.email: 451}
    run()
    assert reminder_for(busy).status == ReminderStatus.FAILED
    run()
    assert reminder_for(busy).attempts == 2
    mail_server.MAIL_REFUSED = {}
    output = run()
    assert "1 reminder(s) sent; 0 failed; 15 skipped" in output
    row = reminder_for(busy)
    assert row.status == ReminderStatus.SENT and row.attempts == 3
    assert [m.to for m in mailoutbox].count([busy.email]) == 1


def test_repeated_temporary_failures_give_up_after_the_last_attempt(
    mail_server, overdue_team, mailoutbox
):
    busy = overdue_team[1]
    mail_server.MAIL_REFUSED = {busy.email: 451}
    for _ in range(reminders.MAX_ATTEMPTS):
        run()
    row = reminder_for(busy)
    assert row.status == ReminderStatus.GAVE_UP and row.attempts == reminders.MAX_ATTEMPTS
    mail_server.MAIL_REFUSED = {}
    assert "0 reminder(s) sent; 0 failed; 16 skipped" in run()
    assert reminder_for(busy).attempts == reminders.MAX_ATTEMPTS


def test_reminders_not_sent_while_the_mail_server_is_down_go_out_when_it_is_back(
    mail_server, overdue_team, mailoutbox
):
    mail_server.MAIL_SERVER_DOWN = True
    assert "0 reminder(s) sent; 16 failed; 0 skipped" in run()
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.FAILED}
    assert "ConnectionRefusedError" in Reminder.objects.first().failure_reason
    mail_server.MAIL_SERVER_DOWN = False
    assert "16 reminder(s) sent; 0 failed; 0 skipped" in run()
    assert len(mailoutbox) == 16
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {2}


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_runs_send_each_reminder_once(mail_server, overdue_team, manager, mailoutbox):
    bad = overdue_team[0]
    mail_server.MAIL_REFUSED = {bad.email: 550}
    runs = run_concurrently(reminders.send_reminders, threads=4)
    assert not [r for r in runs if isinstance(r, Exception)], runs
    assert sum(r.sent for r in runs) == 15 and sum(r.failed for r in runs) == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [u.email for u in overdue_team if u != bad] + [manager.email] * 8
    )
    assert reminder_for(bad).attempts == 1
