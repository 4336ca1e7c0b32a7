"""Critical questions on the site: the intro's rule, the badge, the result page and the admin."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.blocks import passage_anchor
from quizzes.models import Attempt, Question
from tests.factories import LessonPageFactory, make_question, make_quiz
from tests.quizzes.conftest import attempt_url, correct_fields, start, wrong_fields

pytestmark = pytest.mark.django_db

PASSAGE = "Treatment paragraph"
FAILED = "You did not pass: a safety-critical question was answered wrongly"


@pytest.fixture
def critical(tree):
    return make_question(
        "single_choice",
        critical=True,
        title="Pulse beside a facial nodule",
        stem="<p>You feel a pulse beside the nodule. What next?</p>",
        passage=PASSAGE,
    )


@pytest.fixture
def lesson(tree, critical):
    """A lesson of the quiz's module citing the passage the critical question rests on."""
    citation = {"source": critical.source_id, "passage": "treatment  paragraph", "note": ""}
    return LessonPageFactory(
        parent=tree.module,
        title="Vessels and nerves",
        body=[
            {"type": "text", "value": "<p>Keep clear of vessels.</p>"},
            {"type": "citation", "value": citation},
        ],
    )


def quiz_with(tree, critical, **rules):
    plain = [make_question("single_choice") for _ in range(4)]
    return make_quiz(tree.module, [*plain, critical], slug="safety-quiz", **rules)


def submit_missing(client, quiz, critical) -> Attempt:
    """Submit through the views: every answer right but the critical question's."""
    attempt = start(client, quiz)
    data: dict = {}
    for response in attempt.responses.all():
        miss = response.question_id == critical.pk
        data.update(wrong_fields(response) if miss else correct_fields(response))
    response = client.post(attempt_url(quiz, attempt, "submit"), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    return attempt


def test_the_intro_states_the_rule_and_the_attempt_marks_critical_questions(
    client, trainee, tree, critical
):
    quiz = quiz_with(tree, critical)
    client.force_login(trainee)
    intro = client.get(quiz.url).content.decode()
    assert "must be answered fully correctly" in intro
    attempt = start(client, quiz)
    html = client.get(attempt_url(quiz, attempt)).content.decode()
    assert html.count("badge--critical") == 1
    position = attempt.responses.get(question=critical).position
    legend = html.split(f'id="question-{position}"')[1].split("</legend>")[0]
    assert "Critical" in legend


def test_a_quiz_without_critical_questions_states_no_rule(client, trainee, tree):
    quiz = make_quiz(tree.module, [make_question("single_choice")], slug="plain")
    client.force_login(trainee)
    assert "must be answered fully correctly" not in client.get(quiz.url).content.decode()


def test_the_result_names_the_missed_question_and_links_to_its_passage(
    client, trainee, tree, critical, lesson, django_assert_max_num_queries
):
    quiz = quiz_with(tree, critical)
    client.force_login(trainee)
    attempt = submit_missing(client, quiz, critical)
    assert attempt.percent == 80 and attempt.passed is False
    # Wagtail's routing and the page shell take about 20 (the header's bell and clinic links
    # two of them); the passage lookup is one more.
    with django_assert_max_num_queries(26):
        html = client.get(attempt_url(quiz, attempt, "result")).content.decode()
    assert "Not passed" in html and FAILED in html
    position = attempt.responses.get(question=critical).position
    assert f'href="#question-{position}"' in html
    anchor = passage_anchor(critical.source_id, PASSAGE)
    assert f'href="{lesson.url}#{anchor}"' in html
    assert "Vessels and nerves" in html
    page = client.get(lesson.url).content.decode()
    assert f'id="{anchor}"' in page, "the lesson's citation carries the anchor linked to"


def result_queries(client, quiz, *, wrong: int) -> tuple[int, str]:
    """Queries the result page makes once the first `wrong` questions were answered wrongly."""
    attempt = start(client, quiz)
    data: dict = {}
    for response in attempt.responses.order_by("position"):
        miss = response.position <= wrong
        data.update(wrong_fields(response) if miss else correct_fields(response))
    client.post(attempt_url(quiz, attempt, "submit"), data)
    with CaptureQueriesContext(connection) as captured:
        html = client.get(attempt_url(quiz, attempt, "result")).content.decode()
    return len(captured), html


def test_the_result_queries_do_not_grow_with_missed_questions(client, trainee, tree, lesson):
    source = lesson.body[1].value["source"]
    criticals = [
        make_question("single_choice", critical=True, source=source, passage=PASSAGE)
        for _ in range(4)
    ]
    quiz = make_quiz(tree.module, criticals, slug="all-critical", attempts_allowed=0)
    client.force_login(trainee)
    passed, _ = result_queries(client, quiz, wrong=0)
    one, html = result_queries(client, quiz, wrong=1)
    assert html.count("Reread the passage") == 1
    four, html = result_queries(client, quiz, wrong=4)
    assert html.count("Reread the passage") == 4
    assert four == one <= passed + 1, "one query finds every passage, however many"


def test_the_score_only_policy_names_the_question_but_shows_no_answer(
    client, trainee, tree, critical, lesson
):
    quiz = quiz_with(tree, critical, review_policy="score")
    client.force_login(trainee)
    attempt = submit_missing(client, quiz, critical)
    html = client.get(attempt_url(quiz, attempt, "result")).content.decode()
    assert FAILED in html and "You feel a pulse beside the nodule" in html
    for option in attempt.responses.get(question=critical).question_snapshot["options"]:
        assert option["feedback"] not in html
    assert 'href="#question-' not in html, "no review to link to"


def test_a_passed_attempt_says_nothing_about_critical_misses(client, trainee, tree, critical):
    quiz = quiz_with(tree, critical)
    client.force_login(trainee)
    attempt = start(client, quiz)
    data: dict = {}
    for response in attempt.responses.all():
        data.update(correct_fields(response))
    client.post(attempt_url(quiz, attempt, "submit"), data)
    html = client.get(attempt_url(quiz, attempt, "result")).content.decode()
    assert "Passed" in html and FAILED not in html


def test_the_admin_edits_and_lists_the_flag(client, admin_user, critical):
    plain = make_question("single_choice", title="Reusing a needle later")
    client.force_login(admin_user)
    edit = client.get(f"/admin/snippets/quizzes/question/edit/{critical.pk}/").content.decode()
    checkbox = re.search(r'<input[^>]*name="critical"[^>]*>', edit)
    assert checkbox is not None and "checked" in checkbox.group(0)
    listing = client.get("/admin/snippets/quizzes/question/?critical=true").content.decode()
    assert critical.title in listing and plain.title not in listing
    assert "Critical" in client.get("/admin/snippets/quizzes/question/").content.decode()
    assert Question.objects.filter(critical=True).count() == 1
