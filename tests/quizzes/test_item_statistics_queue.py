"""Reports > Item statistics reads figures the task queue computed and stored: computed once per
set of graded attempts, again after a new one, the previous figures shown while that is pending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import override_settings
from django.utils import timezone
from django_tasks import default_task_backend

from quizzes.item_statistics_data import statistics_for_quiz
from quizzes.models import ItemStatisticsResult
from quizzes.statistics_store import fingerprint, from_json
from quizzes.tasks import compute_item_statistics_task
from tests.factories import UserFactory
from tests.quizzes.statistics_attempts import ALL_BLANK, answer, learner, make_stats_quiz
from tests.quizzes.statistics_attempts import take_stats_quiz as take

URL = "/admin/reports/item-statistics/"
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def stats_quiz(tree):
    quiz = make_stats_quiz(tree)
    take(tree, quiz)
    return quiz


def page(client, quiz, **params) -> BeautifulSoup:
    response = client.get(URL, {"quiz": quiz.pk, **params})
    assert response.status_code == 200, response.content[:2000]
    return BeautifulSoup(response.content, "html.parser")


def attempts_shown(soup: BeautifulSoup) -> str:
    return soup.select(".item-statistics-figures dd")[0].text


def test_first_visit_computes_and_stores_the_figures(client, instructor, stats_quiz):
    client.force_login(instructor)
    assert not ItemStatisticsResult.objects.exists()
    soup = page(client, stats_quiz)
    assert attempts_shown(soup) == "4"
    assert soup.select("table.item-statistics-table tbody tr")
    assert "being computed" not in soup.text
    result = ItemStatisticsResult.objects.get()
    assert (result.quiz, result.attempts, result.by_stage) == (stats_quiz, "first", False)
    assert result.computed_at is not None and result.requested_at is None
    assert result.fingerprint == fingerprint(stats_quiz.pk)


def test_stored_figures_are_the_computed_ones(client, instructor, stats_quiz):
    client.force_login(instructor)
    page(client, stats_quiz, attempts="all")
    stored = ItemStatisticsResult.objects.get(attempts="all")
    assert from_json(stored.data) == statistics_for_quiz(stats_quiz, all_attempts=True)


def test_a_second_visit_reads_the_stored_figures_without_computing(client, instructor, stats_quiz):
    client.force_login(instructor)
    page(client, stats_quiz)
    computed_at = ItemStatisticsResult.objects.get().computed_at
    with override_settings(TASKS=DUMMY):
        soup = page(client, stats_quiz, ordering="-facility")
        assert default_task_backend.results == []
    assert attempts_shown(soup) == "4"
    assert ItemStatisticsResult.objects.get().computed_at == computed_at


def test_a_new_graded_attempt_makes_the_figures_computed_again(
    client, tree, instructor, stats_quiz
):
    client.force_login(instructor)
    page(client, stats_quiz)
    before = ItemStatisticsResult.objects.get()
    answer(learner(tree, "newcomer"), stats_quiz, ALL_BLANK)
    assert fingerprint(stats_quiz.pk) != before.fingerprint
    soup = page(client, stats_quiz)
    assert attempts_shown(soup) == "5"
    after = ItemStatisticsResult.objects.get()
    assert after.computed_at > before.computed_at
    assert after.fingerprint == fingerprint(stats_quiz.pk)


def test_while_pending_the_previous_figures_are_shown_and_nothing_is_enqueued_twice(
    client, tree, instructor, stats_quiz, django_assert_max_num_queries
):
    client.force_login(instructor)
    page(client, stats_quiz)
    answer(learner(tree, "newcomer"), stats_quiz, ALL_BLANK)
    ItemStatisticsResult.objects.update(requested_at=timezone.now())  # enqueued, not yet run
    with override_settings(TASKS=DUMMY):
        with django_assert_max_num_queries(20):
            soup = page(client, stats_quiz)
        assert default_task_backend.results == []
        status = soup.select_one(".item-statistics-pending[role=status]")
        assert "Statistics are being computed — refresh in a moment" in status.text
        assert "computed at" in status.text
        assert status.find("a", string="Refresh")["href"].startswith(URL)
        assert attempts_shown(soup) == "4"  # the previous figures
        assert "Download CSV" not in soup.text
        csv = client.get(URL, {"quiz": stats_quiz.pk, "export": "csv"})
        assert csv["Content-Type"].startswith("text/html")  # no CSV of stale figures

        # A request long pending is taken as lost: enqueued again, once.
        ItemStatisticsResult.objects.update(requested_at=timezone.now() - timedelta(hours=1))
        page(client, stats_quiz)
        page(client, stats_quiz)
        assert len(default_task_backend.results) == 1
        assert default_task_backend.results[0].args == [stats_quiz.pk, "first", False]


def test_before_the_first_computation_the_page_says_it_is_pending(client, instructor, stats_quiz):
    client.force_login(instructor)
    with override_settings(TASKS=DUMMY):
        soup = page(client, stats_quiz, attempts="all")
        assert len(default_task_backend.results) == 1
    assert "Statistics are being computed" in soup.text
    assert not soup.select("table.item-statistics-table")
    assert "Choose a quiz" not in soup.text
    assert ItemStatisticsResult.objects.get().computed_at is None


def test_the_task_is_idempotent_and_ignores_a_deleted_quiz(stats_quiz):
    compute_item_statistics_task.enqueue(stats_quiz.pk, "first", False)
    first = ItemStatisticsResult.objects.get()
    compute_item_statistics_task.enqueue(stats_quiz.pk, "first", False)
    assert ItemStatisticsResult.objects.get().computed_at == first.computed_at
    assert compute_item_statistics_task.call(999999, "first", False) == 0
    assert compute_item_statistics_task.call(stats_quiz.pk, "some", False) == 0


def test_only_report_readers_start_a_computation(client, trainee, roles, stats_quiz):
    manager = UserFactory(username="a-manager", groups=["Clinic managers"])
    for user in (trainee, manager):
        client.force_login(user)
        assert client.get(URL, {"quiz": stats_quiz.pk}).status_code in (302, 403)
    assert not ItemStatisticsResult.objects.exists()
