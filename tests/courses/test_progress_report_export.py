"""The progress report's exports from the report page: the CSV button leads to the stable CSV
address, and every export (CSV or spreadsheet) is neutralised and recorded."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from wagtail.models import PageLogEntry

from courses import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPORT = "/admin/reports/course-progress/"


@pytest.fixture
def sneaky(tree):
    user = UserFactory(username="sneaky", first_name="=cmd()", last_name="Sneak")
    services.enrol(user, tree.course)
    return user


def test_the_page_offers_the_csv_address_with_its_filters(client, instructor, tree, sneaky):
    client.force_login(instructor)
    html = client.get(REPORT, {"course": tree.course.pk, "status": "not_started"}).content.decode()
    assert f"{REPORT}{tree.course.pk}.csv?status=not_started" in html
    assert "1 learner in" in html and "Sneak" in html


def test_an_unknown_course_shows_the_page_without_it(client, instructor, tree):
    client.force_login(instructor)
    response = client.get(REPORT, {"course": "999999", "module": "²", "status": "bogus"})
    assert response.status_code == 200


def test_a_spreadsheet_export_is_neutralised_and_recorded(client, instructor, tree, sneaky):
    client.force_login(instructor)
    response = client.get(REPORT, {"course": tree.course.pk, "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("learner", "username", "email")
    assert rows[1][0] == "'=cmd() Sneak"
    (entry,) = PageLogEntry.objects.filter(action="accounts.export")
    assert entry.user_id == instructor.pk and entry.page_id == tree.course.pk
    assert entry.data["report"] == "course progress XLSX"


def test_a_csv_export_from_the_page_is_recorded_as_the_csv(client, instructor, tree, sneaky):
    client.force_login(instructor)
    response = client.get(REPORT, {"course": tree.course.pk, "export": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[1].startswith("'=cmd() Sneak,sneaky,")
    (entry,) = PageLogEntry.objects.filter(action="accounts.export")
    assert entry.data["report"] == "course progress CSV"


def test_the_filtered_results_refresh(client, instructor, tree, sneaky):
    client.force_login(instructor)
    response = client.get(f"{REPORT}results/", {"course": tree.course.pk, "q": "sneak"})
    assert response.status_code == 200 and "Sneak" in response.content.decode()
