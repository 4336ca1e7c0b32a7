"""Concurrent submits and starts on PostgreSQL: one graded attempt, limits that hold."""

import itertools

import pytest
from django.http import QueryDict
from wagtail.models import ModelLogEntry

from quizzes import services
from quizzes.models import Attempt, AttemptState
from tests.concurrency import requires_postgres, run_concurrently
from tests.conftest import build_tree
from tests.factories import UserFactory, make_question, make_quiz
from tests.quizzes.conftest import form_for

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def as_querydict(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_concurrent_double_submit_grades_once_with_one_result():
    tree = build_tree(lessons=1)
    quiz = make_quiz(
        tree.module, [make_question(k) for k in ("single_choice", "numeric", "multiple_response")]
    )
    trainee = UserFactory(username="racer")
    attempt = services.start_attempt(trainee, quiz)
    data = as_querydict(form_for(attempt))

    results = run_concurrently(
        lambda: services.submit_attempt(attempt.pk, trainee, data), threads=8
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    outcomes = {(a.pk, a.score, a.submitted_at, a.state) for a, _errors in results}
    assert len(outcomes) == 1, outcomes
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED and attempt.passed
    assert Attempt.objects.count() == 1
    assert (
        ModelLogEntry.objects.filter(
            action="quizzes.attempt.submit", object_id=str(attempt.pk)
        ).count()
        == 1
    )


def test_concurrent_starts_never_exceed_the_attempt_limit():
    tree = build_tree(lessons=1)
    quiz = make_quiz(tree.module, [make_question()], attempts_allowed=1)
    trainee = UserFactory(username="starter")

    results = run_concurrently(lambda: services.start_attempt(trainee, quiz), threads=8)

    started = {r.pk for r in results if isinstance(r, Attempt)}
    errors = [r for r in results if not isinstance(r, Attempt)]
    assert all(isinstance(e, services.AttemptLimitReached) for e in errors), errors
    assert len(started) == 1
    assert Attempt.objects.filter(user=trainee, quiz=quiz).count() == 1


def test_concurrent_save_and_submit_leave_a_consistent_attempt():
    tree = build_tree(lessons=1)
    quiz = make_quiz(tree.module, [make_question(), make_question("numeric")])
    trainee = UserFactory(username="saver")
    attempt = services.start_attempt(trainee, quiz)
    right = as_querydict(form_for(attempt))

    counter = itertools.count()

    def save_or_submit():
        if next(counter) % 2:
            return services.submit_attempt(attempt.pk, trainee, right)
        return services.save_answers(attempt.pk, trainee, right)

    results = run_concurrently(save_or_submit, threads=8)

    assert all(
        isinstance(r, (tuple, services.SaveOutcome, services.AttemptClosed)) for r in results
    ), results
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.percent == 100
