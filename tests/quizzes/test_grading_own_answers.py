"""Nobody grades their own essay answer, whatever their role; the queue says why."""

from decimal import Decimal

import pytest
from django.http import QueryDict

from core.roles import INSTRUCTORS
from quizzes import services
from quizzes.models import Attempt, AttemptState
from tests.factories import UserFactory
from tests.quizzes.conftest import form_for

pytestmark = pytest.mark.django_db


def submitted_by(user, quiz) -> Attempt:
    """`user` takes `quiz` and submits it, answering the essay (services: no enrolment needed)."""
    attempt = services.start_attempt(user, quiz)
    data = QueryDict(mutable=True)
    for key, value in form_for(attempt).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    attempt, errors = services.submit_attempt(attempt.pk, user, data)
    assert not errors and attempt.state == AttemptState.AWAITING_GRADING
    return attempt


def essay_of(attempt: Attempt):
    return attempt.responses.get(question_snapshot__type="essay")


@pytest.fixture
def other_instructor(roles):
    return UserFactory(username="instructor-b", groups=[INSTRUCTORS])


def assert_still_waiting(attempt: Attempt) -> None:
    response = essay_of(attempt)
    attempt.refresh_from_db()
    assert response.needs_grading and response.score is None and response.graded_by is None
    assert attempt.state == AttemptState.AWAITING_GRADING


@pytest.mark.parametrize("grader_fixture", ["instructor", "admin_user"])
def test_grading_ones_own_essay_is_refused_by_the_service(request, essay_quiz, grader_fixture):
    grader = request.getfixturevalue(grader_fixture)
    attempt = submitted_by(grader, essay_quiz)
    with pytest.raises(services.GradingError, match="your own answer"):
        services.grade_essay(essay_of(attempt).pk, grader, Decimal(4), "Excellent, if I say so.")
    assert_still_waiting(attempt)


@pytest.mark.parametrize("grader_fixture", ["instructor", "admin_user"])
def test_the_grading_page_refuses_ones_own_essay_with_403(
    client, request, essay_quiz, grader_fixture
):
    grader = request.getfixturevalue(grader_fixture)
    attempt = submitted_by(grader, essay_quiz)
    url = f"/admin/essay-grading/{essay_of(attempt).pk}/"
    client.force_login(grader)
    page = client.get(url)
    assert page.status_code == 403
    html = page.content.decode()
    assert "This is your own answer: another instructor must grade it" in html
    assert "Save grade" not in html and 'name="mark"' not in html
    posted = client.post(url, {"mark": "4", "comment": "Mine."})
    assert posted.status_code == 403
    assert_still_waiting(attempt)


def test_another_instructor_grades_an_instructors_essay(
    client, instructor, other_instructor, essay_quiz
):
    attempt = submitted_by(instructor, essay_quiz)
    client.force_login(other_instructor)
    url = f"/admin/essay-grading/{essay_of(attempt).pk}/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"mark": "3", "comment": "Good."}).status_code == 302
    response = essay_of(attempt)
    assert response.graded_by == other_instructor and response.rubric_score == Decimal(3)


def test_the_queue_shows_ones_own_essay_without_a_grade_link(
    client, instructor, trainee, essay_quiz
):
    own = essay_of(submitted_by(instructor, essay_quiz))
    theirs = essay_of(submitted_by(trainee, essay_quiz))
    client.force_login(instructor)
    html = client.get("/admin/essay-grading/").content.decode()
    assert f"/admin/essay-grading/{own.pk}/" not in html
    assert f"/admin/essay-grading/{theirs.pk}/" in html
    assert "This is your own answer: another instructor must grade it" in html
    assert "2 essay answers waiting" in html


def test_after_grading_the_next_essay_offered_is_never_ones_own(
    client, instructor, trainee, essay_quiz
):
    theirs = essay_of(submitted_by(trainee, essay_quiz))
    submitted_by(instructor, essay_quiz)
    client.force_login(instructor)
    result = client.post(f"/admin/essay-grading/{theirs.pk}/", {"mark": "2"})
    assert result.status_code == 302
    assert result.url == "/admin/essay-grading/", "the only essay left is the grader's own"


def test_trainees_and_reviewers_cannot_open_the_grading_page(
    client, trainee, reviewer, instructor, essay_quiz
):
    response = essay_of(submitted_by(instructor, essay_quiz))
    for user in (trainee, reviewer):
        client.force_login(user)
        assert client.get(f"/admin/essay-grading/{response.pk}/").status_code in (302, 403)
        assert client.post(f"/admin/essay-grading/{response.pk}/", {"mark": "1"}).status_code in (
            302,
            403,
        )
    response.refresh_from_db()
    assert response.needs_grading
