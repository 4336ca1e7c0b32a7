"""Progress report exports are recorded in the audit log."""

import pytest
from wagtail.models import PageLogEntry

pytestmark = pytest.mark.django_db


def test_progress_csv_exports_are_recorded_with_who_and_which_course(client, instructor, tree):
    client.force_login(instructor)
    response = client.get(
        f"/admin/reports/course-progress/{tree.course.pk}.csv", {"status": "completed"}
    )
    assert response.status_code == 200
    (entry,) = PageLogEntry.objects.filter(action="accounts.export")
    assert entry.user_id == instructor.pk and entry.page_id == tree.course.pk
    assert entry.data["report"] == "course progress CSV"
    assert entry.data["filters"] == "status=completed"
