"""Taking a quiz: bad input never gets past the server, and nobody reaches another's attempt."""

import pytest

from tests.quizzes.conftest import attempt_url, form_for, start

pytestmark = pytest.mark.django_db


# Bad input ------------------------------------------------------------------------------


def test_answer_for_a_question_not_in_the_attempt_is_400_and_writes_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    data = form_for(attempt) | {"q99": "x", "q99-shown": "1"}
    for route in ("save", "submit"):
        assert client.post(attempt_url(quiz, attempt, route), data).status_code == 400
    attempt.refresh_from_db()
    assert attempt.is_open
    assert all(r.answer is None for r in attempt.responses.all())


def test_tampered_option_id_is_400_and_writes_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    data = form_for(attempt) | {"q1": "not-a-token"}
    assert client.post(attempt_url(quiz, attempt, "save"), data).status_code == 400
    assert all(r.answer is None for r in attempt.responses.all())


def test_fixable_mistake_shows_the_error_and_saves_nothing(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    numeric = attempt.responses.get(question_snapshot__type="numeric")
    data = form_for(attempt) | {f"q{numeric.position}": "ten"}
    response = client.post(attempt_url(quiz, attempt, "submit"), data)
    assert response.status_code == 400
    assert "Enter a number" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.is_open
    assert all(r.answer is None for r in attempt.responses.all())


@pytest.mark.parametrize(
    "payload",
    [
        {"q1": ["a", "b"]},
        {"q1-shown": "1", "q1": "\x00"},
        {"q2-zzzz": "1", "q2-shown": "1"},
        {"qx": "1"},
        {"q-1": "1"},
        {"q1-shown": "1", "q1": "A" * 100_000},
    ],
)
def test_malformed_posts_never_500_and_write_nothing(client, trainee, quiz, payload):
    client.force_login(trainee)
    attempt = start(client, quiz)
    for route in ("save", "submit"):
        response = client.post(attempt_url(quiz, attempt, route), payload)
        assert response.status_code in (200, 302, 400), response.status_code
    attempt.refresh_from_db()
    assert all(r.answer is None for r in attempt.responses.all())


def test_get_on_write_routes_is_refused(client, trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    assert client.get(f"{quiz.url}start/").status_code == 405
    assert client.get(attempt_url(quiz, attempt, "submit")).status_code == 405
    assert client.get(attempt_url(quiz, attempt, "save")).status_code == 405


# Whose attempt --------------------------------------------------------------------------


def test_another_trainees_attempt_is_404_everywhere(client, trainee, other_trainee, quiz):
    client.force_login(trainee)
    attempt = start(client, quiz)
    client.force_login(other_trainee)
    for route in ("attempt", "confirm", "result"):
        assert client.get(attempt_url(quiz, attempt, route)).status_code == 404
    for route in ("save", "submit"):
        assert client.post(attempt_url(quiz, attempt, route), form_for(attempt)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open
    assert all(r.answer is None for r in attempt.responses.all())
