"""Recertification: the window opens once, assigns the renewal path and tells the holder and
their managers; a material change to a required course opens it early for holders only; the
learner's programme page and the clinic's pages show it; completing it issues the next cycle."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import ModelLogEntry, PageLogEntry

from accounts.models import Notification
from certification import services
from certification.models import (
    Certificate,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    Recertification,
    RecertificationReason,
)
from certification.recertification import (
    OPEN,
    handle_material_change,
    open_recertification,
    open_recertifications,
)
from core.tasks import periodic_jobs
from courses.models import CoursePage, Enrollment
from tests.certification.conftest import assess, finish_course, meet_everything
from tests.concurrency import requires_postgres, run_concurrently
from tests.factories import UserFactory, take_quiz

pytestmark = pytest.mark.django_db

URL = "/learn/programmes/prog/"


def certify(user, programme, *, expires_in: int, cycle: int = 1, **extra) -> Certificate:
    """A certificate of `programme` expiring in `expires_in` days (issued a validity before)."""
    expires = timezone.now() + timedelta(days=expires_in)
    return Certificate.objects.create(
        user=user,
        programme=programme,
        cycle=cycle,
        holder_name=user.display_name,
        issued_at=expires - programme.validity,
        expires_at=expires,
        **extra,
    )


@pytest.fixture
def holder(staff, clinic, manager, programme):
    """The trainee, staff of the clinic, assigned the programme, certified until 30 days on."""
    services.assign_programme(
        clinic, manager, [staff], programme, timezone.localdate() - timedelta(days=600)
    )
    certify(staff, programme, expires_in=30)
    return staff


def test_the_window_opens_once_assigns_the_path_and_tells_holder_and_managers(
    holder, programme, clinic, manager, other_manager, tree
):
    certificate = holder.certificates.get()
    Enrollment.objects.filter(user=holder).delete()

    first = open_recertifications()
    again = open_recertifications()

    assert len(first) == 1 and again == []
    recertification = Recertification.objects.get()
    assert recertification.certificate == certificate
    assert recertification.reason == RecertificationReason.WINDOW and recertification.is_open
    assignment = ProgrammeAssignment.objects.get(user=holder, programme=programme)
    assert assignment.due_date == timezone.localdate(certificate.expires_at)
    # No renewal courses named: the first path's course again.
    assert Enrollment.objects.filter(user=holder, course=tree.course).exists()
    opened = Notification.objects.get(user=holder, kind="recertification.opened")
    assert opened.url == URL and certificate.expires_at.strftime("%d %b %Y") in opened.message
    # Told once, by the opening: no second "assignment.new" for the moved due date.
    assert Notification.objects.filter(user=holder, kind="assignment.new").count() == 1
    told = Notification.objects.get(user=manager, kind="recertification.staff")
    assert holder.display_name in told.message
    assert told.url == f"/clinics/{clinic.slug}/staff/{holder.pk}/"
    assert not Notification.objects.filter(user=other_manager).exists()
    assert ModelLogEntry.objects.filter(action=OPEN, object_id=str(recertification.pk)).count() == 1
    assert ModelLogEntry.objects.filter(
        action="certification.programme.assign", data__recertification=recertification.pk
    ).exists()


def test_renewal_courses_are_enrolled_when_the_programme_names_them(holder, programme, tree):
    from tests.factories.courses import CoursePageFactory

    refresher = CoursePageFactory(parent=tree.index, title="Refresher")
    programme.renewal_courses = [refresher]
    programme.save()
    open_recertifications()
    assert Enrollment.objects.filter(user=holder, course=refresher).exists()


def test_a_certificate_not_yet_in_its_window_is_left_until_it_is(staff, programme):
    certificate = certify(staff, programme, expires_in=programme.recertification_window_days + 5)
    assert open_recertifications() == []
    later = timezone.now() + timedelta(days=6)
    assert [r.certificate for r in open_recertifications(later)] == [certificate]


def test_revoked_expired_and_superseded_certificates_are_left(
    programme, trainee, other_trainee, admin_user
):
    certify(trainee, programme, expires_in=-1)  # expired
    revoked = certify(other_trainee, programme, expires_in=20)
    services.revoke_certificate(revoked.pk, admin_user, "Audit finding.")
    renewed = UserFactory(username="renewed")
    certify(renewed, programme, expires_in=10, cycle=1)
    newest = certify(renewed, programme, expires_in=700, cycle=2)
    assert open_recertifications() == []
    assert [
        r.certificate for r in open_recertifications(newest.expires_at - timedelta(days=1))
    ] == [newest]


def test_the_command_and_the_daily_job_open_the_window(holder, capsys):
    assert "certification-recertification" in {job.name for job in periodic_jobs()}
    call_command("open_recertifications")
    assert "1 recertification(s) opened" in capsys.readouterr().out
    call_command("open_recertifications")
    assert "0 recertification(s) opened" in capsys.readouterr().out


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_runs_open_one_recertification(holder):
    results = run_concurrently(open_recertifications, threads=6)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r) for r in results) == 1
    assert Recertification.objects.count() == 1
    assert Notification.objects.filter(kind="recertification.opened").count() == 1


# Material change -------------------------------------------------------------------------------


def publish(course: CoursePage, *, material: bool, note: str = "") -> None:
    course.material_change = material
    course.material_change_note = note
    course.save_revision().publish()


def test_a_material_change_opens_recertification_early_for_holders_only(
    staff, other_trainee, programme, tree, django_capture_on_commit_callbacks
):
    far = certify(staff, programme, expires_in=500)  # long before its window
    finish_course(other_trainee, tree, programme)  # took the course, holds no certificate
    course = CoursePage.objects.get(pk=tree.course.pk)

    with django_capture_on_commit_callbacks(execute=True):
        publish(course, material=False)
    assert not Recertification.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        publish(course, material=True, note="New needle-depth guidance for the lower eyelid.")
    recertification = Recertification.objects.get()
    assert recertification.certificate == far
    assert recertification.reason == RecertificationReason.MATERIAL_CHANGE
    assert recertification.note == "New needle-depth guidance for the lower eyelid."
    assert "needle-depth" in Notification.objects.get(kind="recertification.opened").message
    # The box is unticked once handled: on the live page and in what the editor opens next.
    course.refresh_from_db()
    assert course.material_change is False
    assert course.get_latest_revision().content["material_change"] is False
    assert PageLogEntry.objects.filter(
        page=course, action="certification.recertification.material_change"
    ).exists()
    # Publishing again (the box cleared) opens nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
    assert Recertification.objects.count() == 1


def test_a_certificate_issued_after_the_change_was_published_is_left(staff, programme, tree):
    course = CoursePage.objects.get(pk=tree.course.pk)
    course.material_change = True
    revision = course.save_revision()
    revision.publish()
    certify(staff, programme, expires_in=700)  # issued after `published_at` below
    published_at = timezone.now() - timedelta(days=400)
    assert handle_material_change(course.pk, revision.pk, published_at) == []


# Showing it -------------------------------------------------------------------------------------


def test_the_programme_page_says_since_when_why_and_by_when(client, holder, programme):
    recertification = open_recertification(
        holder.certificates.get(), RecertificationReason.MATERIAL_CHANGE, note="Safer technique."
    )
    assert recertification is not None
    client.force_login(holder)
    html = client.get(URL).content.decode()
    assert "Recertification open" in html and "Safer technique." in html
    due = recertification.certificate.expires_at
    assert f"Complete the renewal path by {due:%-d %b %Y}" in html
    assert f"since {recertification.opened_at:%-d %b %Y}" in html


def test_only_the_holder_sees_their_recertification(client, holder, other_trainee, programme):
    open_recertifications()
    assert client.get(URL).status_code == 302  # signed out: to sign in
    client.force_login(other_trainee)
    response = client.get(URL)
    assert response.status_code == 404 or "Recertification open" not in response.content.decode()


def test_the_clinic_pages_show_recertifying_without_a_new_standing(
    client, holder, clinic, manager, other_manager
):
    open_recertifications()
    client.force_login(manager)
    response = client.get(f"/clinics/{clinic.slug}/")
    cell = next(r.cells[0] for r in response.context["rows"] if r.user == holder)
    assert cell.status == "expiring" and cell.recertifying is not None
    assert "Recertifying: due" in response.content.decode()
    staff_page = client.get(f"/clinics/{clinic.slug}/staff/{holder.pk}/").content.decode()
    assert "Recertifying" in staff_page and "within the recertification window" in staff_page
    client.force_login(other_manager)
    assert client.get(f"/clinics/{clinic.slug}/staff/{holder.pk}/").status_code == 404


# The whole cycle --------------------------------------------------------------------------------


def test_completing_the_renewal_path_issues_the_next_cycle_and_keeps_the_old(
    holder, programme, tree, assessor
):
    long_ago: datetime = timezone.now() - programme.validity + timedelta(days=20)
    Certificate.objects.all().delete()
    meet_everything(holder, tree, programme, assessor, when=long_ago - timedelta(days=1))
    first = services.issue_if_due(holder, programme, now=long_ago)
    assert first is not None and first.cycle == 1
    recertification = open_recertifications()[0]
    assert services.issue_if_due(holder, programme) is None  # nothing done since the opening

    take_quiz(holder, programme.quiz, right=True)
    for checklist in programme.required_checklists.all():
        assess(holder, assessor, checklist)
    services.issue_due_certificates(holder)

    cycles = list(holder.certificates.order_by("cycle").values_list("cycle", flat=True))
    assert cycles == [1, 2]
    recertification.refresh_from_db()
    assert recertification.next_certificate is not None and not recertification.is_open
    assert recertification.next_certificate.cycle == 2
    assert ClinicMembership.objects.filter(user=holder, role=ClinicRole.STAFF).exists()
