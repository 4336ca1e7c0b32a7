"""Taking a quiz through the site: start, resume, save, submit, result."""

from decimal import Decimal

import pytest

from quizzes.models import Attempt, AttemptState, Response
from tests.quizzes.conftest import attempt_url, form_for, start

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client, quiz):
    response = client.get(quiz.url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert client.post(f"{quiz.url}start/").status_code == 302
    assert not Attempt.objects.exists()


def test_intro_shows_rules_and_attempts_left(client, trainee, quiz):
    client.force_login(trainee)
    html = client.get(quiz.url).content.decode()
    assert "Pass mark" in html and "70%" in html
    assert "0 used, 3 left" in html
    assert "Start the quiz" in html


def test_start_shows_questions_without_answers_or_feedback(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    html = client.get(attempt_url(quiz, attempt)).content.decode()
    assert html.count('class="question') >= 7
    for response in attempt.responses.all():
        snap = response.question_snapshot
        for option in snap["options"]:
            if option["feedback"]:
                assert option["feedback"] not in html, "feedback leaked before submission"
            if option["match"] and snap["type"] == "matching":
                assert option["text"] in html  # prompts are shown, pairing is not
        assert snap["explanation"] not in html
    assert "Because the source says so" not in html
    assert "is_correct" not in html and "correct" not in html.lower().replace("correctly", "")


def test_starting_twice_resumes_the_same_attempt(client, trainee, quiz):
    client.force_login(trainee)
    first = start(client, quiz)
    second = start(client, quiz)
    assert first.pk == second.pk
    assert Attempt.objects.count() == 1


def test_answers_are_saved_and_survive_leaving_the_page(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "save"), form_for(attempt) | {"next": "stay"})
    assert all(r.answer is not None for r in attempt.responses.all())
    client.logout()
    client.force_login(trainee)
    html = client.get(attempt_url(quiz, attempt)).content.decode()
    assert "checked" in html
    assert 'value="Orbicularis  OCULI"' in html


def test_autosave_answers_in_json(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    response = client.post(
        attempt_url(quiz, attempt, "save"), form_for(attempt), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json()["saved"] == attempt.responses.count()


def test_submitting_correct_answers_passes_with_full_marks(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    response = client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.percent == Decimal("100.00")
    assert attempt.passed is True
    assert "Passed" in client.get(response.url).content.decode()


def test_submitting_wrong_answers_fails(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    attempt.refresh_from_db()
    assert attempt.passed is False
    assert attempt.percent < 70


def test_second_submit_returns_same_result(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    attempt.refresh_from_db()
    first = (attempt.score, attempt.submitted_at, attempt.state)
    again = client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt, correct=False))
    assert again.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at, attempt.state) == first
    assert Attempt.objects.count() == 1


def test_answers_cannot_change_after_submitting(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    before = list(Response.objects.filter(attempt=attempt).values_list("answer", flat=True))
    response = client.post(
        attempt_url(quiz, attempt, "save"),
        form_for(attempt, correct=False),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    assert list(Response.objects.filter(attempt=attempt).values_list("answer", flat=True)) == before


def test_confirm_page_counts_unanswered_questions(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    html = client.get(attempt_url(quiz, attempt, "confirm")).content.decode()
    assert f"answered 0 of {attempt.responses.count()}" in html
    assert "Submit and see my result" in html


def test_autosave_keeps_good_answers_and_reports_the_one_to_fix(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    numeric = attempt.responses.get(question_snapshot__type="numeric")
    data = form_for(attempt) | {f"q{numeric.position}": "ten"}
    response = client.post(attempt_url(quiz, attempt, "save"), data, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["errors"] == {
        str(numeric.position): "Enter a number, for example 10 or 2.5."
    }
    numeric.refresh_from_db()
    assert numeric.answer is None
    assert attempt.responses.exclude(pk=numeric.pk).filter(answer__isnull=True).count() == 0
