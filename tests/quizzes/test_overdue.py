"""Attempts whose time ran out are closed and graded by a job, with the answers saved in time."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.utils import timezone
from wagtail.models import ModelLogEntry

from quizzes import services
from quizzes.models import Attempt, AttemptState
from tests.concurrency import requires_postgres, run_concurrently
from tests.conftest import build_tree
from tests.factories import UserFactory, make_question, make_quiz
from tests.quizzes.conftest import form_for

pytestmark = pytest.mark.django_db


def as_querydict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


@pytest.fixture
def timed_quiz(tree):
    return make_quiz(
        tree.module,
        [make_question("single_choice"), make_question("numeric")],
        time_limit_minutes=10,
    )


def started(quiz, username: str, *, minutes_ago: int, answers: bool = True) -> Attempt:
    """An attempt started `minutes_ago`, with every answer saved (correctly) while time was left."""
    user = UserFactory(username=username)
    began = timezone.now() - timedelta(minutes=minutes_ago)
    attempt = services.start_attempt(user, quiz, now=began)
    if answers:
        services.save_answers(
            attempt.pk, user, as_querydict(form_for(attempt)), now=began + timedelta(minutes=1)
        )
    return attempt


def submit_logs(attempt: Attempt) -> int:
    return ModelLogEntry.objects.filter(
        action="quizzes.attempt.submit", object_id=str(attempt.pk)
    ).count()


def test_overdue_attempt_is_graded_with_its_saved_answers(timed_quiz):
    attempt = started(timed_quiz, "late", minutes_ago=30)

    result = services.close_overdue_attempts()

    assert result.closed == 1 and not result.failed
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.passed
    assert attempt.score == attempt.max_score
    assert attempt.submitted_at == attempt.deadline


def test_overdue_attempt_without_answers_is_graded_as_failed(timed_quiz):
    attempt = started(timed_quiz, "absent", minutes_ago=30, answers=False)
    services.close_overdue_attempts()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.passed is False


def test_attempts_with_time_left_or_within_the_grace_are_untouched(timed_quiz, tree):
    running = started(timed_quiz, "running", minutes_ago=5)
    # Ten minutes and a few seconds ago: past the limit, not past the grace a late submit gets.
    in_grace = services.start_attempt(
        UserFactory(username="in-grace"),
        timed_quiz,
        now=timezone.now() - timedelta(minutes=10, seconds=5),
    )
    untimed = make_quiz(tree.module, [make_question()], slug="untimed")
    open_ended = services.start_attempt(
        UserFactory(username="untimed"), untimed, now=timezone.now() - timedelta(days=3)
    )

    assert services.close_overdue_attempts().closed == 0

    for attempt in (running, in_grace, open_ended):
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.IN_PROGRESS
        assert attempt.submitted_at is None


def test_running_twice_grades_once(timed_quiz):
    attempt = started(timed_quiz, "late", minutes_ago=30)
    assert services.close_overdue_attempts().closed == 1
    attempt.refresh_from_db()
    graded = (attempt.score, attempt.submitted_at, attempt.graded_at)

    assert services.close_overdue_attempts().closed == 0

    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at, attempt.graded_at) == graded
    assert submit_logs(attempt) == 1


def test_an_attempt_the_learner_submitted_is_left_as_submitted(timed_quiz):
    attempt = started(timed_quiz, "punctual", minutes_ago=30)
    submitted, _ = services.submit_attempt(attempt.pk, attempt.user)
    assert services.close_overdue_attempts().closed == 0
    assert submit_logs(attempt) == 1
    attempt.refresh_from_db()
    assert attempt.submitted_at == submitted.submitted_at


def test_one_attempt_that_cannot_be_graded_does_not_keep_the_others_open(timed_quiz):
    broken = started(timed_quiz, "broken", minutes_ago=40)
    response = broken.responses.first()
    response.question_snapshot = {"type": "no-such-type"}
    response.save(update_fields=["question_snapshot"])
    fine = started(timed_quiz, "fine", minutes_ago=30)

    result = services.close_overdue_attempts()

    assert result.closed == 1
    assert result.failed == [broken.pk]
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.state == AttemptState.GRADED
    assert broken.state == AttemptState.IN_PROGRESS


def test_command_prints_how_many_it_closed(timed_quiz):
    started(timed_quiz, "late-1", minutes_ago=30)
    started(timed_quiz, "late-2", minutes_ago=20)
    out = StringIO()
    call_command("close_overdue_attempts", stdout=out)
    assert "Closed 2 overdue attempt(s)." in out.getvalue()
    out = StringIO()
    call_command("close_overdue_attempts", stdout=out)
    assert "Closed 0 overdue attempt(s)." in out.getvalue()


def test_command_fails_loudly_when_an_attempt_cannot_be_closed(timed_quiz):
    broken = started(timed_quiz, "broken", minutes_ago=40)
    response = broken.responses.first()
    response.question_snapshot = {"type": "no-such-type"}
    response.save(update_fields=["question_snapshot"])
    with pytest.raises(CommandError, match=f"ids {broken.pk}"):
        call_command("close_overdue_attempts", stdout=StringIO())


@requires_postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_closers_at_once_grade_each_attempt_once():
    tree = build_tree(lessons=1)
    quiz = make_quiz(tree.module, [make_question(), make_question("numeric")], time_limit_minutes=5)
    attempts = [started(quiz, f"late-{n}", minutes_ago=30) for n in range(3)]

    results = run_concurrently(services.close_overdue_attempts, threads=4)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.closed for r in results) == len(attempts)
    for attempt in attempts:
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.GRADED and attempt.passed
        assert submit_logs(attempt) == 1
