"""Reports > Item statistics: who sees it, what it shows, its CSV, sorting, and sending a flagged
question back to Clinical review."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry, WorkflowState

from quizzes.item_statistics_data import statistics_for_quiz
from quizzes.models import ItemStatisticsResult, Question
from quizzes.review_requests import REVIEW_REQUESTED
from tests.factories import UserFactory
from tests.quizzes.example_case import import_example_case
from tests.quizzes.statistics_attempts import (
    ALL_BLANK,
    answer,
    learner,
    make_stats_quiz,
    take_case_quiz_three_times,
)
from tests.quizzes.statistics_attempts import take_stats_quiz as take

URL = "/admin/reports/item-statistics/"
SEND = URL + "send-to-review/"


@pytest.fixture
def stats_quiz(tree):
    return make_stats_quiz(tree)


@pytest.fixture
def taken(tree, stats_quiz):
    """Four first attempts (tests.quizzes.statistics_attempts), then two blank ones: the
    numeric question is right once in six, under the facility bound, so it is flagged."""
    users = take(tree, stats_quiz)
    for name in ("blank-1", "blank-2"):
        answer(learner(tree, name), stats_quiz, ALL_BLANK)
    return users


def page(client, quiz, **params) -> BeautifulSoup:
    response = client.get(URL, {"quiz": quiz.pk, **params})
    assert response.status_code == 200, response.content[:2000]
    return BeautifulSoup(response.content, "html.parser")


def flagged_question(quiz) -> Question:
    stats = statistics_for_quiz(quiz)
    key = next(str(q.key) for q in stats.questions if q.flags)
    return Question.objects.get(key=key)


def states(question) -> int:
    return WorkflowState.objects.for_instance(question).count()


# Who may see it ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["instructor", "reviewer", "admin_user"])
def test_staff_who_judge_questions_see_the_report_and_its_menu_item(client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    assert "Choose a quiz" in response.content.decode()
    assert "Item statistics" in client.get("/admin/").content.decode()


def test_trainees_and_clinic_managers_are_turned_away(client, trainee, roles, stats_quiz):
    manager = UserFactory(username="a-manager", groups=["Clinic managers"])
    for user in (trainee, manager):
        client.force_login(user)
        response = client.get(URL, {"quiz": stats_quiz.pk})
        assert response.status_code in (302, 403)
        assert client.post(SEND, {"quiz": stats_quiz.pk, "question": 1}).status_code in (302, 403)
    client.logout()
    assert client.get(URL).status_code == 302


# What it shows ----------------------------------------------------------------------------------


def test_report_shows_quiz_figures_chart_table_and_option_counts(
    client, instructor, stats_quiz, taken
):
    client.force_login(instructor)
    soup = page(client, stats_quiz)
    figures = dict(
        zip(
            [dt.text for dt in soup.select(".item-statistics-figures dt")],
            [dd.text for dd in soup.select(".item-statistics-figures dd")],
            strict=True,
        )
    )
    assert figures["Attempts"] == "6"
    svg = soup.select_one("figure.item-statistics-chart svg")
    assert svg["role"] == "img" and svg.find("title") and svg.find("desc")
    rows = soup.select("table.item-statistics-table tbody tr")
    assert len(rows) == 4
    assert "A question about single_choice" in rows[0].text
    assert "25 mm: 1" in rows[0].text.replace("\n", " ")
    for point in svg.select("g.chart-point"):
        assert point.find("title").text.startswith(point.find("text").text + ". ")


def test_flagged_rows_are_highlighted_with_their_reasons(client, instructor, stats_quiz, taken):
    client.force_login(instructor)
    soup = page(client, stats_quiz)
    stats = statistics_for_quiz(stats_quiz)
    flagged = [q for q in stats.questions if q.flags]
    assert flagged, "the example attempts should flag something"
    rows = soup.select("tr.item-flagged")
    assert len(rows) == len(flagged)
    assert flagged[0].flags[0] in rows[0].text
    assert "Send back to Clinical review" in rows[0].find("button").text


def test_no_attempts_says_so(client, instructor, stats_quiz):
    client.force_login(instructor)
    assert "No graded attempts" in page(client, stats_quiz).text


@pytest.mark.parametrize(
    "params",
    [
        {"quiz": "abc"},
        {"quiz": "999999"},
        {"quiz": "1", "attempts": "some"},
        {"ordering": "-nonsense"},
        {"quiz": "", "by_stage": "on"},
    ],
)
def test_bad_filters_give_the_form_back_never_an_error(client, instructor, stats_quiz, params):
    client.force_login(instructor)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "item-statistics-table" not in response.content.decode()


def test_by_stage_on_a_quiz_without_stages_says_why(client, instructor, stats_quiz, taken):
    client.force_login(instructor)
    soup = page(client, stats_quiz, by_stage="on")
    assert "not a case quiz" in soup.text
    assert not soup.select("table.item-statistics-table")


def test_all_attempts_counts_the_second_attempt(client, instructor, stats_quiz, taken):
    client.force_login(instructor)
    soup = page(client, stats_quiz, attempts="all")
    assert "All graded attempts" in soup.text
    assert soup.select(".item-statistics-figures dd")[0].text == "7"


def test_a_case_quiz_by_stage_shows_one_row_per_stage_without_review_buttons(
    client, tree, instructor
):
    quiz = import_example_case(tree)
    take_case_quiz_three_times(tree, quiz)
    client.force_login(instructor)
    soup = page(client, quiz, by_stage="on")
    rows = soup.select("table.item-statistics-table tbody tr")
    assert [r.find("th").text.split(":")[0] for r in rows] == ["Stage 1", "Stage 2"]
    assert not soup.select("tbody form")
    per_question = page(client, quiz).select("table.item-statistics-table tbody tr")
    assert per_question and all(r.find("th").a for r in per_question)  # bank questions, linked


# Sorting ----------------------------------------------------------------------------------------


def column(soup, index: int) -> list[str]:
    return [tr.find_all(["td", "th"])[index].text.strip() for tr in soup.select("tbody tr")]


def test_headings_sort_server_side_and_a_second_click_reverses(
    client, instructor, stats_quiz, taken
):
    client.force_login(instructor)
    soup = page(client, stats_quiz, ordering="facility")
    facilities = [int(v.rstrip("%")) for v in column(soup, 3)]
    assert facilities == sorted(facilities)
    heading = soup.find("th", attrs={"aria-sort": "ascending"})
    assert heading.text.strip().startswith("Facility")
    assert "ordering=-facility" in heading.a["href"]
    soup = page(client, stats_quiz, ordering="-facility")
    assert [int(v.rstrip("%")) for v in column(soup, 3)] == sorted(facilities, reverse=True)
    assert soup.find("th", attrs={"aria-sort": "descending"})
    soup = page(client, stats_quiz, ordering="question")
    assert column(soup, 1) == sorted(column(soup, 1), key=str.lower)


# CSV --------------------------------------------------------------------------------------------


def test_csv_has_a_row_per_question_and_is_spreadsheet_safe(
    client, tree, instructor, stats_quiz, taken
):
    # Titles come from snapshots: the newest attempt's title is the one shown.
    Question.objects.filter(title__contains="single_choice").update(title="=HYPERLINK(1)")
    answer(learner(tree, "late-one"), stats_quiz, ALL_BLANK)
    client.force_login(instructor)
    response = client.get(URL, {"quiz": stats_quiz.pk, "export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    assert rows[0]["attempts"] == "7"
    assert any(r["question"] == "'=HYPERLINK(1)" for r in rows)
    assert all(r["facility %"] for r in rows)


# Send back to Clinical review --------------------------------------------------------------------


def test_instructor_sends_a_flagged_question_to_review_once(client, instructor, stats_quiz, taken):
    question = flagged_question(stats_quiz)
    client.force_login(instructor)
    data = {"question": question.pk, "quiz": stats_quiz.pk, "attempts": "first"}
    response = client.post(SEND, data, follow=True)
    assert "sent back to Clinical review" in response.content.decode()
    assert WorkflowState.objects.active().for_instance(question).count() == 1
    entry = ModelLogEntry.objects.get(action=REVIEW_REQUESTED, object_id=str(question.pk))
    assert entry.user == instructor and entry.data["reasons"]
    assert "In Clinical review" in response.content.decode()

    again = client.post(SEND, data, follow=True)
    assert "already in Clinical review" in again.content.decode()
    assert states(question) == 1
    assert ModelLogEntry.objects.filter(action=REVIEW_REQUESTED).count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "named no question"),
        ({"question": "x", "quiz": "y"}, "named no question"),
        ({"question": 999999, "quiz": 999999}, "no longer exists"),
    ],
)
def test_bad_send_requests_say_why_and_change_nothing(
    client, instructor, stats_quiz, data, message
):
    client.force_login(instructor)
    response = client.post(SEND, data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkflowState.objects.exists()


def test_a_question_that_is_not_flagged_is_not_sent(client, instructor, stats_quiz, taken):
    stats = statistics_for_quiz(stats_quiz)
    calm = [q for q in stats.questions if not q.flags]
    if not calm:
        pytest.skip("every example question is flagged")
    question = Question.objects.get(key=str(calm[0].key))
    client.force_login(instructor)
    response = client.post(SEND, {"question": question.pk, "quiz": stats_quiz.pk}, follow=True)
    assert "is not flagged" in response.content.decode()
    assert states(question) == 0


def test_a_reader_who_may_not_change_questions_sees_no_button_and_cannot_send(
    client, stats_quiz, taken
):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_item_statistics"])
    )
    question = flagged_question(stats_quiz)
    client.force_login(reader)
    assert page(client, stats_quiz).select("tr.item-flagged")
    assert not page(client, stats_quiz).select("tbody form")
    response = client.post(SEND, {"question": question.pk, "quiz": stats_quiz.pk}, follow=True)
    assert "not send questions to review" in response.content.decode()
    assert states(question) == 0


def test_send_needs_post_and_csrf(client, instructor, stats_quiz, taken):
    question = flagged_question(stats_quiz)
    client.force_login(instructor)
    assert client.get(SEND, {"question": question.pk, "quiz": stats_quiz.pk}).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(instructor)
    assert strict.post(SEND, {"question": question.pk, "quiz": stats_quiz.pk}).status_code == 403
    assert states(question) == 0


# Queries ----------------------------------------------------------------------------------------


def test_queries_do_not_grow_with_attempts(
    client, tree, instructor, stats_quiz, taken, django_assert_num_queries
):
    client.force_login(instructor)
    page(client, stats_quiz)  # warm caches (menus, site)
    ItemStatisticsResult.objects.update(fingerprint="stale", requested_at=None)
    with CaptureQueriesContext(connection) as computing:
        page(client, stats_quiz, ordering="-discrimination")
    with CaptureQueriesContext(connection) as few:
        page(client, stats_quiz, ordering="-discrimination")
    for n in range(6):
        answer(learner(tree, f"more-{n}"), stats_quiz, {} if n % 2 else ALL_BLANK)
    with django_assert_num_queries(len(computing.captured_queries)):
        page(client, stats_quiz, ordering="-discrimination")  # the new attempts: computed again
    with django_assert_num_queries(len(few.captured_queries)):
        soup = page(client, stats_quiz, ordering="-discrimination")
    assert soup.select(".item-statistics-figures dd")[0].text == "12"
