"""Each event tells its person once: issued, revoked, signed, graded, assigned, and the reminders.

Events raised by a write are notified in its transaction and e-mailed after it commits
(`django_capture_on_commit_callbacks(execute=True)` plays the commit); the reminder run
notifies in the site and e-mails itself, by the person's choice per kind.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.models import Notification
from accounts.notifications import set_email_choices
from certification import events, reminders, services
from certification.models import (
    Certificate,
    ClinicMembership,
    ClinicRole,
    Programme,
    ProgrammeAssignment,
    Reminder,
)
from quizzes import services as quiz_services
from tests.certification.conftest import days, meet_everything
from tests.factories import UserFactory, assess, make_checklist, make_question, make_quiz, take_quiz

pytestmark = pytest.mark.django_db

# A Wednesday: the same ISO week runs to Sunday 7 March.
NOW = datetime(2027, 3, 3, 9, 0, tzinfo=UTC)


def notes(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind))


def only(user, kind: str) -> Notification:
    found = notes(user, kind)
    assert len(found) == 1, found
    return found[0]


# Events raised by writes ---------------------------------------------------------------------


@pytest.fixture
def certified(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    return services.issue_if_due(trainee, programme)


def test_an_issued_certificate_tells_its_holder_once(trainee, programme, certified):
    note = only(trainee, "certificate.issued")
    assert note.url == f"/certificates/{certified.code}/"
    assert "Test practitioner" in note.message
    events.certificate_issued(certified)
    assert services.issue_if_due(trainee, programme) is None
    assert len(notes(trainee, "certificate.issued")) == 1


def test_the_issued_e_mail_goes_from_the_queue_after_commit_when_wanted(
    trainee, tree, programme, assessor, mailoutbox, django_capture_on_commit_callbacks
):
    meet_everything(trainee, tree, programme, assessor)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = services.issue_if_due(trainee, programme)
        assert mailoutbox == []  # nothing is sent before the issue commits
    assert [m.to for m in mailoutbox] == [[trainee.email]]
    assert certificate.code in mailoutbox[0].body


def test_no_issued_e_mail_when_the_holder_switched_it_off(
    trainee, tree, programme, assessor, mailoutbox, django_capture_on_commit_callbacks
):
    set_email_choices(trainee, {"certificate.issued": False})
    meet_everything(trainee, tree, programme, assessor)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_if_due(trainee, programme)
    assert mailoutbox == []
    assert len(notes(trainee, "certificate.issued")) == 1


def test_a_revoked_certificate_tells_its_holder_once(trainee, certified, admin_user):
    services.revoke_certificate(certified.pk, admin_user, "Issued in error.")
    note = only(trainee, "certificate.revoked")
    assert note.url == f"/certificates/{certified.code}/" and "revoked" in note.message
    events.certificate_revoked(Certificate.objects.get(pk=certified.pk))
    assert len(notes(trainee, "certificate.revoked")) == 1


def test_a_signed_assessment_tells_the_trainee_once(trainee, assessor, db):
    checklist = make_checklist("palp-signed", safety=False)
    assessment = assess(trainee, assessor, checklist)
    note = only(trainee, "assessment.signed")
    assert note.url == "/learn/competencies/"
    assert "passed" in note.message and assessor.display_name in note.message
    services.sign_assessment(assessment.pk, assessor)  # signing again changes nothing
    assert len(notes(trainee, "assessment.signed")) == 1
    assert notes(assessor, "assessment.signed") == []


def test_a_graded_essay_tells_the_learner_once(tree, trainee, instructor):
    quiz = make_quiz(
        tree.module, [make_question("single_choice"), make_question("essay")], slug="essay"
    )
    attempt = take_quiz(trainee, quiz, right=True)
    response = attempt.responses.get(question_snapshot__type="essay")
    quiz_services.grade_essay(response.pk, instructor, Decimal(4), "Good.")
    note = only(trainee, "essay.graded")
    assert note.url == f"{quiz.url}attempt/{attempt.pk}/result/"
    assert quiz.title in note.message and "passed" in note.message
    quiz_services.grade_essay(response.pk, instructor, Decimal(3), "Regraded.")
    assert len(notes(trainee, "essay.graded")) == 1
    assert notes(instructor, "essay.graded") == []


def test_an_assignment_tells_each_assigned_person_once(clinic, manager, staff, programme):
    other = UserFactory(username="staff-2")
    ClinicMembership.objects.create(clinic=clinic, user=other, role=ClinicRole.STAFF)
    due = date.today() + timedelta(days=60)
    services.assign_programme(clinic, manager, [staff, other], programme, due)
    for user in (staff, other):
        note = only(user, "assignment.new")
        assert note.url == "/learn/programmes/prog/" and "Riverside" in note.message
    services.assign_programme(clinic, manager, [staff], programme, due)
    assert len(notes(staff, "assignment.new")) == 1
    services.assign_programme(clinic, manager, [staff], programme, due + timedelta(days=7))
    assert len(notes(staff, "assignment.new")) == 2  # a new due date is news
    assert notes(manager, "assignment.new") == []


# The reminder run -------------------------------------------------------------------------------


@pytest.fixture
def plain_programme(db):
    return Programme.objects.create(key="plain", title="Plain programme", validity_months=24)


def certificate_expiring(user, programme, expires_at: datetime, cycle: int = 1) -> Certificate:
    return Certificate.objects.create(
        user=user,
        programme=programme,
        cycle=cycle,
        holder_name=user.display_name,
        issued_at=expires_at - programme.validity,
        expires_at=expires_at,
    )


def run_at(now: datetime) -> reminders.ReminderRun:
    return reminders.send_reminders(now=now)


def holder_mails(mailoutbox, user) -> list:
    return [m for m in mailoutbox if m.to == [user.email]]


def test_a_certificate_is_reminded_once_at_each_threshold(
    staff, manager, plain_programme, mailoutbox
):
    expires = NOW + days(100)
    certificate = certificate_expiring(staff, plain_programme, expires)
    for before, expected in [(95, 0), (89, 1), (88, 1), (59, 2), (29, 3), (6, 4), (6, 4)]:
        run_at(expires - days(before))
        assert len(notes(staff, "certificate.expiring")) == expected, before
        assert len(holder_mails(mailoutbox, staff)) == expected, before
    assert sorted(n.key for n in notes(staff, "certificate.expiring")) == sorted(
        f"certificate.expiring:{certificate.pk}:{d}d" for d in (90, 60, 30, 7)
    )
    note = notes(staff, "certificate.expiring")[0]
    assert note.url == f"/certificates/{certificate.code}/"
    assert len(holder_mails(mailoutbox, manager)) == 4  # the manager's e-mail about their staff


def test_a_certificate_first_seen_late_gets_only_the_nearest_threshold(
    staff, plain_programme, mailoutbox
):
    certificate = certificate_expiring(staff, plain_programme, NOW + days(25))
    run_at(NOW)
    run_at(NOW + days(1))
    assert [n.key for n in notes(staff, "certificate.expiring")] == [
        f"certificate.expiring:{certificate.pk}:30d"
    ]
    assert len(holder_mails(mailoutbox, staff)) == 1


def test_an_expired_certificate_is_told_once(staff, plain_programme, mailoutbox):
    certificate = certificate_expiring(staff, plain_programme, NOW - days(1))
    run_at(NOW)
    run_at(NOW + days(3))
    note = only(staff, "certificate.expired")
    assert note.url == "/learn/programmes/plain/"
    assert notes(staff, "certificate.expiring") == []
    mails = holder_mails(mailoutbox, staff)
    assert len(mails) == 1 and "expired" in mails[0].subject
    assert certificate.code in mails[0].body


def test_a_certificate_long_expired_or_renewed_is_not_announced(staff, plain_programme, mailoutbox):
    certificate_expiring(staff, plain_programme, NOW - days(200))
    certificate_expiring(staff, plain_programme, NOW - days(2), cycle=2)
    certificate_expiring(staff, plain_programme, NOW + days(700), cycle=3)
    run_at(NOW)
    assert notes(staff, "certificate.expired") == [] and mailoutbox == []


@pytest.fixture
def assignment(clinic, manager, staff, plain_programme):
    def make(due: date) -> ProgrammeAssignment:
        return ProgrammeAssignment.objects.create(
            clinic=clinic, user=staff, programme=plain_programme, due_date=due, assigned_by=manager
        )

    return make


def test_overdue_is_reminded_weekly(staff, manager, assignment, mailoutbox):
    overdue = assignment(NOW.date() - days(3))
    run_at(NOW)
    note = only(staff, "assignment.overdue")
    assert note.url == "/learn/programmes/plain/" and "Riverside" in note.message
    run_at(NOW + days(2))  # Friday, the same ISO week
    assert len(notes(staff, "assignment.overdue")) == 1
    assert len(holder_mails(mailoutbox, staff)) == 1
    run_at(NOW + days(7))  # the next week
    assert len(notes(staff, "assignment.overdue")) == 2
    assert len(holder_mails(mailoutbox, staff)) == 2
    assert len(holder_mails(mailoutbox, manager)) == 2
    assert Reminder.objects.filter(key__startswith=f"overdue:{overdue.pk}:").count() == 4


def test_due_soon_is_reminded_once_per_due_date(staff, manager, assignment, mailoutbox):
    assigned = assignment(NOW.date() + days(20))
    run_at(NOW)
    assert notes(staff, "assignment.due_soon") == [] and mailoutbox == []
    run_at(NOW + days(7))  # 13 days before
    run_at(NOW + days(8))
    note = only(staff, "assignment.due_soon")
    assert note.url == "/learn/programmes/plain/"
    assert [m.subject.startswith("Due soon") for m in mailoutbox] == [True, True]
    assigned.due_date = NOW.date() + days(25)
    assigned.save()
    run_at(NOW + days(12))
    assert len(notes(staff, "assignment.due_soon")) == 2


def test_nothing_is_due_soon_for_a_holder_of_the_programme(
    staff, assignment, plain_programme, mailoutbox
):
    assignment(NOW.date() + days(5))
    certificate_expiring(staff, plain_programme, NOW + days(400))
    run_at(NOW)
    assert notes(staff, "assignment.due_soon") == [] and mailoutbox == []


def test_a_switched_off_kind_is_not_e_mailed_but_still_notified(
    staff, manager, assignment, mailoutbox
):
    set_email_choices(staff, {"assignment.overdue": False})
    assignment(NOW.date() - days(3))
    run = run_at(NOW)
    assert len(notes(staff, "assignment.overdue")) == 1
    assert holder_mails(mailoutbox, staff) == []
    assert len(holder_mails(mailoutbox, manager)) == 1
    assert (run.sent, run.skipped) == (1, 1)


def test_managers_get_one_digest_per_run_not_one_per_staff_member(
    clinic, staff, manager, plain_programme, assignment, mailoutbox
):
    other = UserFactory(username="staff-3")
    ClinicMembership.objects.create(clinic=clinic, user=other, role=ClinicRole.STAFF)
    assignment(NOW.date() - days(3))
    ProgrammeAssignment.objects.create(
        clinic=clinic, user=other, programme=plain_programme, due_date=NOW.date() - days(1)
    )
    certificate_expiring(other, Programme.objects.create(key="x", title="X"), NOW + days(20))
    run_at(NOW)
    digests = Notification.objects.filter(user=manager)
    assert len(digests) == 1
    digest = digests[0]
    assert digest.kind == "assignment.overdue" and digest.url == "/clinics/riverside/"
    assert digest.message == "Reminders about your staff: 2 overdue, 1 certificate expiring."
    assert digest.emailed_at is None
    run_at(NOW + days(1))
    assert Notification.objects.filter(user=manager).count() == 1
    assert len(holder_mails(mailoutbox, manager)) == 3  # an e-mail per staff reminder, as before


def test_the_reminder_notifications_are_not_e_mailed_twice(
    staff, assignment, mailoutbox, django_capture_on_commit_callbacks
):
    assignment(NOW.date() - days(3))
    with django_capture_on_commit_callbacks(execute=True):
        run_at(NOW)
    assert len(holder_mails(mailoutbox, staff)) == 1  # the reminder itself, not a copy
