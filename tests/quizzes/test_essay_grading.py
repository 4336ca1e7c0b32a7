"""Essay answers wait in the admin grading queue; grading completes the attempt."""

from decimal import Decimal

import pytest

from quizzes.models import Attempt, AttemptState
from tests.quizzes.conftest import attempt_url, form_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted_essay(client, trainee, essay_quiz):
    client.force_login(trainee)
    client.post(f"{essay_quiz.url}start/")
    attempt = Attempt.objects.get(user=trainee)
    client.post(attempt_url(essay_quiz, attempt, "submit"), form_for(attempt))
    attempt.refresh_from_db()
    client.logout()
    return attempt


def essay_response(attempt):
    return attempt.responses.get(question_snapshot__type="essay")


def test_an_essay_leaves_the_attempt_awaiting_grading(client, trainee, submitted_essay, essay_quiz):
    assert submitted_essay.state == AttemptState.AWAITING_GRADING
    assert submitted_essay.passed is None
    client.force_login(trainee)
    html = client.get(attempt_url(essay_quiz, submitted_essay, "result")).content.decode()
    assert "awaiting grading" in html.lower()


def test_the_queue_lists_ungraded_essays_for_instructors(client, instructor, submitted_essay):
    client.force_login(instructor)
    response = client.get("/admin/essay-grading/")
    assert response.status_code == 200
    html = response.content.decode()
    assert submitted_essay.user.display_name in html
    assert f"/admin/essay-grading/{essay_response(submitted_essay).pk}/" in html


def test_grade_page_shows_answer_model_answer_and_rubric(client, instructor, submitted_essay):
    client.force_login(instructor)
    html = client.get(
        f"/admin/essay-grading/{essay_response(submitted_essay).pk}/"
    ).content.decode()
    assert "Release the neck first, then the facial nodules." in html
    assert "Upstream first, then local nodules." in html
    assert "1 point per idea, 4 in all; 2 pass." in html


def test_grading_updates_the_attempt_score_and_pass(client, instructor, submitted_essay):
    client.force_login(instructor)
    response = essay_response(submitted_essay)
    result = client.post(
        f"/admin/essay-grading/{response.pk}/", {"mark": "4", "comment": "Clear and complete."}
    )
    assert result.status_code == 302
    submitted_essay.refresh_from_db()
    response.refresh_from_db()
    assert response.score == Decimal("1.00") and response.graded_by == instructor
    assert response.rubric_score == Decimal("4.00")
    assert response.grader_comment == "Clear and complete."
    assert submitted_essay.state == AttemptState.GRADED
    assert submitted_essay.percent == Decimal("100.00")
    assert submitted_essay.passed is True
    assert client.get("/admin/essay-grading/").content.decode().count("Grade</a>") == 0


def test_the_trainee_sees_the_mark_and_comment(
    client, instructor, trainee, submitted_essay, essay_quiz
):
    client.force_login(instructor)
    client.post(
        f"/admin/essay-grading/{essay_response(submitted_essay).pk}/",
        {"mark": "2", "comment": "Half there."},
    )
    client.force_login(trainee)
    html = client.get(attempt_url(essay_quiz, submitted_essay, "result")).content.decode()
    assert "Half there." in html
    assert "75%" in html


@pytest.mark.parametrize("mark", ["-1", "4.5", "abc", "", "NaN", "1e3"])
def test_an_out_of_range_mark_is_refused_and_writes_nothing(
    client, instructor, submitted_essay, mark
):
    client.force_login(instructor)
    response = essay_response(submitted_essay)
    result = client.post(f"/admin/essay-grading/{response.pk}/", {"mark": mark})
    assert result.status_code == 200
    response.refresh_from_db()
    submitted_essay.refresh_from_db()
    assert response.needs_grading and response.score is None
    assert submitted_essay.state == AttemptState.AWAITING_GRADING


def test_trainees_and_reviewers_cannot_grade(client, trainee, reviewer, submitted_essay):
    response = essay_response(submitted_essay)
    client.force_login(trainee)
    assert client.get("/admin/essay-grading/").status_code == 302
    assert client.post(f"/admin/essay-grading/{response.pk}/", {"mark": "1"}).status_code == 302
    client.force_login(reviewer)
    assert client.get("/admin/essay-grading/").status_code in (302, 403)
    response.refresh_from_db()
    assert response.needs_grading


def test_grading_an_open_attempt_is_refused(client, instructor, trainee, essay_quiz):
    from quizzes import services

    attempt = services.start_attempt(trainee, essay_quiz)
    client.force_login(instructor)
    response = essay_response(attempt)
    result = client.post(f"/admin/essay-grading/{response.pk}/", {"mark": "1"})
    assert result.status_code == 200
    assert "has not been submitted" in result.content.decode()
