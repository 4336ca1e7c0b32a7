"""Clinic dashboards: the staff x programme matrix, its filters, CSV and programme assignment."""

import csv
import io
from datetime import timedelta

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from certification import services
from certification.clinics import clinic_matrix
from certification.models import ClinicMembership, ClinicRole, ProgrammeAssignment
from courses.models import Enrollment
from tests.certification.conftest import assess, meet_everything
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def add_staff(clinic, username: str, **names):
    user = UserFactory(username=username, **names)
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    return user


@pytest.fixture
def team(clinic, tree, programme, assessor, admin_user, manager):
    """Staff at every status."""
    now = timezone.now()
    people = {
        name: add_staff(clinic, name, first_name=name.title(), last_name="Staff")
        for name in ("certified", "expiring", "expired", "revoked", "overdue", "progress", "fresh")
    }
    for name in people:
        due = now.date() + timedelta(days=-5 if name == "overdue" else 30)
        services.assign_programme(clinic, manager, [people[name]], programme, due)
    meet_everything(people["certified"], tree, programme, assessor)
    services.issue_if_due(people["certified"], programme)
    soon = now - programme.validity + timedelta(days=20)
    meet_everything(people["expiring"], tree, programme, assessor, when=soon)
    services.issue_if_due(people["expiring"], programme, now=soon)
    old = now - programme.validity - timedelta(days=20)
    meet_everything(people["expired"], tree, programme, assessor, when=old)
    services.issue_if_due(people["expired"], programme, now=old)
    meet_everything(people["revoked"], tree, programme, assessor)
    services.revoke_certificate(
        services.issue_if_due(people["revoked"], programme).pk, admin_user, "Unsafe."
    )
    from courses import services as course_services

    course_services.complete_lesson(people["progress"], tree.lessons[0])
    return people


def statuses(clinic, **filters) -> dict[str, str]:
    return {row.user.username: row.cells[0].status for row in clinic_matrix(clinic, **filters).rows}


def test_the_matrix_shows_every_status(clinic, team):
    assert statuses(clinic) == {
        "certified": "certified",
        "expiring": "expiring",
        "expired": "expired",
        "revoked": "revoked",
        "overdue": "overdue",
        "progress": "in_progress",
        "fresh": "not_started",
    }


def test_in_progress_shows_a_percentage(clinic, team):
    cell = next(
        row.cells[0] for row in clinic_matrix(clinic).rows if row.user.username == "progress"
    )
    assert 0 < cell.percent < 100 and f"({cell.percent}%" in cell.label


def test_filters_by_status_and_name(clinic, team):
    assert set(statuses(clinic, status="expiring")) == {"expiring"}
    assert set(statuses(clinic, q="revok")) == {"revoked"}


def test_the_dashboard_renders_for_its_manager(client, manager, clinic, team):
    client.force_login(manager)
    response = client.get("/clinics/riverside/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "Certified: until",
        "Expiring within 60 days",
        "Expired",
        "Revoked",
        "Overdue",
        "In progress",
        "Not started",
    ):
        assert label in html, label
    filtered = client.get("/clinics/riverside/", {"status": "overdue"}).content.decode()
    table = filtered[
        filtered.index('<table class="table clinic-matrix">') : filtered.index("</table>")
    ]
    assert "Overdue Staff" in table and "Fresh Staff" not in table


def read(response) -> list[dict]:
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_the_same_data_and_streams(client, manager, clinic, team):
    client.force_login(manager)
    response = client.get("/clinics/riverside/report.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = {row["username"]: row for row in read(response)}
    assert rows["certified"]["status"] == "Certified" and rows["certified"]["certified until"]
    assert rows["certified"]["certificate code"]
    assert rows["overdue"]["status"] == "Overdue" and rows["overdue"]["due date"]
    assert rows["revoked"]["certificate code"] == ""
    only = read(client.get("/clinics/riverside/report.csv", {"status": "expired"}))
    assert [r["username"] for r in only] == ["expired"]


def test_a_manager_assigns_a_programme_and_staff_are_enrolled(
    client, manager, clinic, programme, tree
):
    newcomer = add_staff(clinic, "newcomer")
    client.force_login(manager)
    due = (timezone.now() + timedelta(days=30)).date().isoformat()
    response = client.post(
        "/clinics/riverside/assign/",
        {"programme": programme.pk, "due_date": due, "staff": [newcomer.pk]},
    )
    assert response.status_code == 302
    assignment = ProgrammeAssignment.objects.get(user=newcomer)
    assert assignment.due_date.isoformat() == due and assignment.assigned_by == manager
    assert Enrollment.objects.get(user=newcomer, course=tree.course).source == "clinic"


@pytest.mark.parametrize(
    "payload",
    [
        {"due_date": "2000-01-01"},
        {"due_date": "not a date"},
        {"staff": []},
        {"programme": "999999"},
    ],
)
def test_bad_assignments_show_errors_and_write_nothing(client, manager, clinic, programme, payload):
    newcomer = add_staff(clinic, "newcomer")
    client.force_login(manager)
    data = {
        "programme": programme.pk,
        "due_date": (timezone.now() + timedelta(days=30)).date().isoformat(),
        "staff": [newcomer.pk],
    }
    data.update(payload)
    response = client.post("/clinics/riverside/assign/", data)
    assert response.status_code == 400
    assert not ProgrammeAssignment.objects.exists()
    assert not Enrollment.objects.filter(user=newcomer).exists()


def test_staff_of_another_clinic_cannot_be_assigned(
    client, manager, clinic, other_clinic, programme
):
    outsider = add_staff(other_clinic, "outsider")
    client.force_login(manager)
    response = client.post(
        "/clinics/riverside/assign/",
        {
            "programme": programme.pk,
            "due_date": (timezone.now() + timedelta(days=30)).date().isoformat(),
            "staff": [outsider.pk],
        },
    )
    assert response.status_code == 400
    assert not ProgrammeAssignment.objects.exists()


def test_assigning_everyone(client, manager, clinic, programme):
    people = [add_staff(clinic, f"s{n}") for n in range(3)]
    client.force_login(manager)
    client.post(
        "/clinics/riverside/assign/",
        {
            "programme": programme.pk,
            "due_date": (timezone.now() + timedelta(days=30)).date().isoformat(),
            "everyone": "on",
        },
    )
    assert ProgrammeAssignment.objects.filter(user__in=people).count() == 3


# Queries ---------------------------------------------------------------------------------------

# The page and the header (the notification bell's count, the "My clinic" links), and the CPD
# column (certification.cpd: the staff's learner states, four queries for any number).
DASHBOARD_MAX_QUERIES = 32


def test_dashboard_and_csv_queries_do_not_grow_with_staff(
    client, manager, clinic, tree, programme, assessor, django_assert_max_num_queries
):
    def staff_batch(start: int, count: int) -> None:
        for n in range(start, start + count):
            user = add_staff(clinic, f"bulk{n}")
            services.assign_programme(
                clinic, manager, [user], programme, timezone.now().date() + timedelta(days=10)
            )
            if n % 3 == 0:
                assess(user, assessor, programme.required_checklists.first())

    client.force_login(manager)
    staff_batch(0, 3)
    client.get("/clinics/riverside/")
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES) as small:
        assert client.get("/clinics/riverside/").status_code == 200
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES) as small_csv:
        b"".join(client.get("/clinics/riverside/report.csv").streaming_content)
    staff_batch(3, 30)
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES) as large:
        assert client.get("/clinics/riverside/").status_code == 200
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES) as large_csv:
        b"".join(client.get("/clinics/riverside/report.csv").streaming_content)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(large_csv.captured_queries) == len(small_csv.captured_queries)


def test_large_clinics_are_paged_and_the_csv_has_everyone(client, manager, clinic, programme):
    for n in range(105):
        add_staff(clinic, f"p{n:03}", last_name=f"Person{n:03}")
    client.force_login(manager)
    first = client.get("/clinics/riverside/").content.decode()
    assert (
        "105 staff members · page 1 of 2" in first
        and "Person099" in first
        and "Person100" not in first
    )
    second = client.get("/clinics/riverside/", {"p": "2"}).content.decode()
    assert "Person100" in second and "Person104" in second
    assert len(read(client.get("/clinics/riverside/report.csv"))) == 105


def test_observed_skills_count_as_the_certificate_rules_count_them(
    clinic, staff, tree, programme, assessor, admin_user
):
    """An assessment older than the validity, or from before a revocation, does not count:
    3 lessons and 1 quiz done is 100% of the learning, with 0 of 2 skills observed."""
    old = timezone.now() - programme.validity - timedelta(days=5)
    meet_everything(staff, tree, programme, assessor, when=old)
    cell = clinic_matrix(clinic).all_rows[0].cells[0]
    assert (cell.percent, cell.progress.skills, cell.progress.skills_total) == (100, 0, 2)
    for checklist in programme.required_checklists.all():
        assess(staff, assessor, checklist)
    assert clinic_matrix(clinic).all_rows[0].cells[0].progress.skills == 2
    certificate = services.issue_if_due(staff, programme)
    services.revoke_certificate(certificate.pk, admin_user, "Re-assess.")
    cell = clinic_matrix(clinic).all_rows[0].cells[0]
    assert cell.status == "revoked" and (cell.percent, cell.progress.skills) == (100, 0)
