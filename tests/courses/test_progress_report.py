"""The instructors' course progress report and its CSV export."""

import csv
import io

import pytest

from courses import services
from tests.factories import UserFactory, make_question, make_quiz, take_quiz

pytestmark = pytest.mark.django_db

REPORT = "/admin/reports/course-progress/"


@pytest.fixture
def learners(tree):
    quiz = make_quiz(tree.module, [make_question()])
    done = UserFactory(username="done", first_name="Dana", last_name="Done")
    halfway = UserFactory(username="halfway", first_name="Hal", last_name="Way")
    fresh = UserFactory(username="fresh", first_name="Fred", last_name="Fresh")
    sneaky = UserFactory(username="sneaky", first_name='=HYPERLINK("http://x")', last_name="Sneak")
    for user in (done, halfway, fresh, sneaky):
        services.enrol(user, tree.course)
    for lesson in tree.lessons:
        services.complete_lesson(done, lesson)
    take_quiz(done, quiz, right=True)
    services.record_progress(done, tree.course)
    services.complete_lesson(halfway, tree.lessons[0])
    return {"done": done, "halfway": halfway, "fresh": fresh, "sneaky": sneaky}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_instructor_sees_learners_by_module(client, instructor, tree, learners):
    client.force_login(instructor)
    response = client.get(REPORT, {"course": tree.course.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "4 learners" in html
    for name in ("Dana Done", "Hal Way", "Fred Fresh"):
        assert name in html
    assert "100%" in html and "25%" in html


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "completed"}, {"done"}),
        ({"status": "in_progress"}, {"halfway"}),
        ({"status": "not_started"}, {"fresh", "sneaky"}),
        ({"q": "hal"}, {"halfway"}),
        ({"status": "bogus"}, {"done", "halfway", "fresh", "sneaky"}),
    ],
)
def test_filters_narrow_the_report_and_the_csv(
    client, instructor, tree, learners, filters, expected
):
    client.force_login(instructor)
    response = client.get(f"{REPORT}{tree.course.pk}.csv", {"course": tree.course.pk, **filters})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert {row[1] for row in rows[1:]} == expected


def test_module_filter(client, instructor, tree, learners):
    client.force_login(instructor)
    complete = read_csv(
        client.get(
            f"{REPORT}{tree.course.pk}.csv", {"module": tree.module.pk, "module_status": "complete"}
        )
    )
    incomplete = read_csv(
        client.get(
            f"{REPORT}{tree.course.pk}.csv",
            {"module": tree.module.pk, "module_status": "incomplete"},
        )
    )
    assert {r[1] for r in complete[1:]} == {"done"}
    assert {r[1] for r in incomplete[1:]} == {"halfway", "fresh", "sneaky"}


def test_csv_has_a_column_per_module_and_neutralises_formulas(client, instructor, tree, learners):
    client.force_login(instructor)
    rows = read_csv(client.get(f"{REPORT}{tree.course.pk}.csv"))
    header = rows[0]
    assert header[:7] == [
        "learner",
        "username",
        "email",
        "enrolled",
        "status",
        "percent",
        "completed",
    ]
    assert header[7].startswith("module 1: ")
    by_user = {row[1]: row for row in rows[1:]}
    assert (
        by_user["done"][4] == "Completed"
        and by_user["done"][5] == "100"
        and by_user["done"][7].startswith("complete")
    )
    assert by_user["halfway"][7] == "25%"
    assert by_user["sneaky"][0].startswith("'=")


def test_the_report_is_for_instructors_and_admins_only(
    client, trainee, reviewer, admin_user, tree, learners
):
    for user in (trainee, reviewer):
        client.force_login(user)
        assert client.get(REPORT).status_code in (302, 403)
        assert client.get(f"{REPORT}{tree.course.pk}.csv").status_code in (302, 403)
    client.logout()
    assert client.get(REPORT).status_code == 302
    client.force_login(admin_user)
    assert client.get(REPORT, {"course": tree.course.pk}).status_code == 200


def test_an_unknown_course_csv_is_404(client, instructor, tree):
    client.force_login(instructor)
    assert client.get(f"{REPORT}999999.csv").status_code == 404
