"""The clinic dashboard's progress: one rule with the learner's own course page, observed skills
shown apart, and no due date once certified."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from certification import services
from certification.clinics import clinic_matrix
from certification.models import (
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
)
from tests.certification.conftest import assess, meet_everything
from tests.factories import UserFactory

COURSE_BAR = re.compile(r'value="(\d+)" max="100" aria-label="Course progress"')


def course_page_percent(client, user, course) -> int:
    """The percentage the learner reads on their own course page."""
    client.force_login(user)
    html = client.get(course.url).content.decode()
    return int(COURSE_BAR.search(html).group(1))


def dashboard_cells(client, manager, clinic) -> dict[str, object]:
    client.force_login(manager)
    response = client.get(f"/clinics/{clinic.slug}/")
    assert response.status_code == 200
    return {row.user.username: row.cells[0] for row in response.context["rows"]}


# A small clinic ------------------------------------------------------------------------------


@pytest.fixture
def learner(clinic, tree, programme, manager):
    user = UserFactory(username="learner-a", first_name="Lee", last_name="Learner")
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    services.assign_programme(
        clinic, manager, [user], programme, timezone.localdate() + timedelta(days=30)
    )
    return user


@pytest.mark.django_db
def test_the_dashboard_percentage_is_the_learners_course_page_percentage(
    client, clinic, manager, learner, tree, programme, assessor
):
    from courses.services import complete_lesson

    complete_lesson(learner, tree.lessons[0])
    assess(learner, assessor, programme.required_checklists.first())
    cell = dashboard_cells(client, manager, clinic)["learner-a"]
    own = course_page_percent(client, learner, tree.course)
    assert own == 25  # 1 of 3 lessons and 1 quiz
    assert cell.percent == own
    assert cell.label == "In progress (25%, 1 of 2 skills observed)"


@pytest.mark.django_db
def test_the_csv_has_the_same_percentage_and_the_skills_apart(
    client, clinic, manager, learner, tree, programme, assessor
):
    from courses.services import complete_lesson

    complete_lesson(learner, tree.lessons[0])
    assess(learner, assessor, programme.required_checklists.first())
    client.force_login(manager)
    response = client.get(f"/clinics/{clinic.slug}/report.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["percent"] == "25"
    assert (rows[0]["skills observed"], rows[0]["skills required"]) == ("1", "2")


@pytest.mark.django_db
def test_observed_skills_alone_put_a_learner_in_progress(clinic, learner, programme, assessor):
    assess(learner, assessor, programme.required_checklists.first())
    cell = clinic_matrix(clinic).all_rows[0].cells[0]
    assert cell.status == "in_progress" and cell.percent == 0


@pytest.mark.django_db
def test_staff_holding_a_certificate_are_shown_no_due_date(
    client, clinic, manager, learner, tree, programme, assessor
):
    meet_everything(learner, tree, programme, assessor)
    services.issue_if_due(learner, programme)
    cell = dashboard_cells(client, manager, clinic)["learner-a"]
    assert cell.status == "certified" and cell.due_date is None
    html = client.get(f"/clinics/{clinic.slug}/").content.decode()
    table = html[html.index("<tbody>") : html.index("</tbody>")]
    assert "Certified: until" in table and "Due " not in table
    response = client.get(f"/clinics/{clinic.slug}/report.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["due date"] == ""


@pytest.mark.django_db
def test_staff_not_yet_certified_are_shown_their_due_date(
    client, clinic, manager, learner, programme
):
    due = ProgrammeAssignment.objects.get(user=learner).due_date
    cell = dashboard_cells(client, manager, clinic)["learner-a"]
    assert cell.status == "not_started" and cell.due_date == due


@pytest.mark.django_db
def test_the_dashboard_filters_stay_out_of_the_site_search_box(client, clinic, manager, learner):
    client.force_login(manager)
    html = client.get(f"/clinics/{clinic.slug}/", {"status": "overdue", "p": "1"}).content.decode()
    assert 'value="status=overdue"' not in html  # the header's search box once showed it
    assert "report.csv?status=overdue" in html
