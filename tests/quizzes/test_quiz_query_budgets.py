"""Query budgets of the pages a trainee hits in an exam: intro, attempt page, save, submit.

What the bounds cover: the queries the quiz's own code and templates make
(tests/quizzes/query_budget.py attributes each query from its call stack). The shared
per-request overhead (session, user, Wagtail routing, progress, breadcrumbs, header) and the
post-grading pipeline (the learner's evaluation after a submit commits) belong to courses,
core, accounts and certification and are bounded by their own tests; here they only have to
stay the same whatever the number of questions, as the quiz's own part must.

The own budgets, on SQLite (whose transactions add a counted BEGIN to each write; PostgreSQL
counts one fewer there):

- intro 4: the attempt list, the quiz's facts (question count, critical questions), the
  learner's override and the group overrides (quizzes.overrides.rules_for);
- attempt page 2: the attempt, its responses;
- save 4: BEGIN, the attempt under its lock, its responses, one UPDATE of the answers;
- submit 8: BEGIN, the lock, the responses, one UPDATE of the grades, one of the attempt, and
  the audit entry (Wagtail validates its two foreign keys, then inserts it).
"""

from __future__ import annotations

import itertools

import pytest
from django.http import QueryDict

from quizzes import services
from quizzes.models import Attempt
from tests.factories import make_question, make_quiz
from tests.quizzes.conftest import ALL_TYPES, attempt_url, form_for
from tests.quizzes.query_budget import PIPELINE, Split, split_queries

pytestmark = pytest.mark.django_db

INTRO_OWN, ATTEMPT_PAGE_OWN, SAVE_OWN, SUBMIT_OWN = 4, 2, 4, 8
SIZES = (3, 21)  # questions: one of each kind, then every kind three times over
KINDS = [kind for kind in ALL_TYPES if kind != "essay"]  # an essay waits for a grader


@pytest.fixture
def quizzes(tree) -> dict[int, object]:
    """A quiz of each size in SIZES under the test module, every question kind but essays."""
    made = {}
    for size in SIZES:
        kinds = itertools.islice(itertools.cycle(KINDS), size)
        made[size] = make_quiz(
            tree.module,
            [make_question(kind, key=f"budget-{size}-{i}") for i, kind in enumerate(kinds)],
            slug=f"budget-{size}",
            title=f"Budget quiz {size}",
            attempts_allowed=0,
        )
    return made


def _measure(request) -> Split:
    with split_queries() as split:
        request()
    return split


def _assert_budget(splits: dict[int, Split], own_budget: int) -> None:
    small, large = (splits[size] for size in SIZES)
    for size, split in splits.items():
        assert split.own <= own_budget, (
            f"{size} questions: {split.own} own queries (budget {own_budget}):\n" + split.describe()
        )
    assert small.counts == large.counts, (
        f"the queries depend on the number of questions: {small.summary()} at {SIZES[0]}, "
        f"{large.summary()} at {SIZES[1]}"
    )


def _open_attempt(user, quiz, *, answered: bool = True) -> Attempt:
    """A new open attempt of `user` at `quiz`, every answer right and saved unless `answered`
    is False."""
    attempt = services.start_attempt(user, quiz)
    if answered:
        data = QueryDict(mutable=True)
        for key, value in form_for(attempt).items():
            data.setlist(key, value if isinstance(value, list) else [value])
        services.save_answers(attempt.pk, user, data)
    return attempt


def test_the_intro_asks_a_few_queries_of_its_own_whatever_the_quiz_size(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        finished = services.start_attempt(trainee, quiz)
        services.submit_attempt(finished.pk, trainee)
        _open_attempt(trainee, quiz)
        client.get(quiz.url)  # warm the per-process caches (content types, page structure)
        splits[size] = _measure(lambda quiz=quiz: client.get(quiz.url))
        response = client.get(quiz.url)
        assert response.status_code == 200
        assert response.context["question_count"] == size
        assert len(response.context["attempts"]) == 1 and response.context["open_attempt"]
    _assert_budget(splits, INTRO_OWN)


def test_the_attempt_page_reads_the_attempt_and_its_responses_only(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        attempt = _open_attempt(trainee, quiz)
        url = attempt_url(quiz, attempt)
        client.get(url)
        splits[size] = _measure(lambda url=url: client.get(url))
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["questions"]) == size
    _assert_budget(splits, ATTEMPT_PAGE_OWN)


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # counted as in production: BEGIN, not a savepoint
def test_an_autosave_writes_every_answer_in_one_update(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        attempt = _open_attempt(trainee, quiz, answered=False)
        url = attempt_url(quiz, attempt, "save")
        data = form_for(attempt)
        shown = {key: value for key, value in data.items() if key.endswith("-shown")}
        client.post(url, shown, HTTP_ACCEPT="application/json")  # warm-up: nothing changes
        splits[size] = _measure(
            lambda url=url, data=data: client.post(url, data, HTTP_ACCEPT="application/json")
        )
        assert client.post(url, data, HTTP_ACCEPT="application/json").json()["saved"] == 0
        saved = Attempt.objects.get(pk=attempt.pk).responses.exclude(answer=None).count()
        assert saved == size
        updates = [sql for _, sql in splits[size].sql if sql.startswith("UPDATE")]
        assert len(updates) == 1, updates
    _assert_budget(splits, SAVE_OWN)


@pytest.mark.django_db(
    transaction=True, serialized_rollback=True
)  # the commit runs the post-grading pipeline
def test_a_submit_grades_in_a_constant_number_of_queries(client, trainee, quizzes):
    client.force_login(trainee)
    splits = {}
    for size, quiz in quizzes.items():
        warm_up = _open_attempt(trainee, quiz)
        client.post(attempt_url(quiz, warm_up, "submit"), form_for(warm_up))
        attempt = _open_attempt(trainee, quiz)
        data = form_for(attempt)
        url = attempt_url(quiz, attempt, "submit")
        splits[size] = _measure(lambda url=url, data=data: client.post(url, data))
        attempt.refresh_from_db()
        assert attempt.state == "graded" and attempt.percent == 100
        assert splits[size].counts[PIPELINE] > 0  # the learner's evaluation ran on commit
    _assert_budget(splits, SUBMIT_OWN)


def test_the_writes_read_once_yet_find_only_this_learners_attempt_at_this_quiz(
    client, trainee, other_trainee, quizzes
):
    """Save and submit read the attempt only under its lock, by id, learner and quiz: an
    attempt at another quiz's address, or another learner's, is a 404 that changes nothing."""
    small, large = (quizzes[size] for size in SIZES)
    attempt = _open_attempt(trainee, small, answered=False)
    data = form_for(attempt)
    client.force_login(trainee)
    for route in ("save", "submit"):
        wrong_quiz = attempt_url(large, attempt, route)
        assert client.post(wrong_quiz, data).status_code == 404
        assert client.post(wrong_quiz, data, HTTP_ACCEPT="application/json").status_code == 404
    client.force_login(other_trainee)
    for route in ("save", "submit"):
        assert client.post(attempt_url(small, attempt, route), data).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open
    assert not attempt.responses.exclude(answer=None).exists()
