"""The short-answer review shows a model answer, never the accepted patterns (`*facial*`)."""

import pytest
from django.core.management import CommandError, call_command
from wagtail.test.utils.form_data import inline_formset, rich_text

from quizzes.models import Attempt, Question, ReviewPolicy
from quizzes.presentation import review_view
from quizzes.snapshots import make_display, snapshot_question
from tests.factories import CompetencyFactory, make_question, make_quiz
from tests.quizzes.case_files import ensure_objective
from tests.quizzes.conftest import attempt_url, form_for
from tests.quizzes.test_case_quizzes import EXAMPLE
from tests.quizzes.test_question_bank_admin import question_form

pytestmark = pytest.mark.django_db

PATTERNS = [("*facial*", True, ""), ("CN VII", True, ""), ("seventh", True, "")]


@pytest.fixture
def nerve_quiz(tree):
    question = make_question(
        "short_answer",
        options=PATTERNS,
        model_answer="<p>The facial nerve (cranial nerve VII).</p>",
    )
    return make_quiz(tree.module, [question], slug="nerve-quiz")


def result_html(client, trainee, quiz, snapshot_edit=None) -> str:
    client.force_login(trainee)
    client.post(f"{quiz.url}start/")
    attempt = Attempt.objects.get(user=trainee, quiz=quiz)
    if snapshot_edit:
        response = attempt.responses.get()
        response.question_snapshot = snapshot_edit(response.question_snapshot)
        response.save(update_fields=["question_snapshot"])
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    return client.get(attempt_url(quiz, attempt, "result")).content.decode()


def test_the_review_shows_the_model_answer_and_no_pattern(client, trainee, nerve_quiz):
    html = result_html(client, trainee, nerve_quiz)
    assert "Model answer" in html
    assert "The facial nerve (cranial nerve VII)." in html
    assert "*facial*" not in html
    assert "CN VII</li>" not in html and "seventh" not in html


def test_an_old_snapshot_without_a_model_answer_shows_a_plain_accepted_answer(
    client, trainee, nerve_quiz
):
    def version_1(snapshot):
        return {k: v for k, v in snapshot.items() if k != "version"} | {"model_answer": ""}

    html = result_html(client, trainee, nerve_quiz, version_1)
    assert "*facial*" not in html
    assert "CN VII" in html, "the first accepted answer without a wildcard stands in"
    assert "seventh" not in html, "one answer, not the list of variants"


def test_an_old_snapshot_with_only_patterns_shows_none_of_them():
    snapshot = {
        "type": "short_answer",
        "stem": "<p>Which nerve?</p>",
        "points": "1",
        "explanation": "<p>The facial nerve.</p>",
        "options": [
            {"text": "*facial*", "is_correct": True, "feedback": "", "match": ""},
            {"text": "*VII*", "is_correct": True, "feedback": "", "match": ""},
        ],
        "source": {"citation": "A source", "passage": "p. 1", "evidence_level": "Review"},
    }
    view = review_view(snapshot, {}, "facial nerve", ReviewPolicy.ANSWERS, position=1)
    assert view["correct_answer"] == [] and view["model_answer"] == ""


def test_the_review_of_a_new_snapshot_labels_the_model_answer():
    question = make_question("short_answer", options=PATTERNS, model_answer="<p>Facial nerve.</p>")
    snapshot = snapshot_question(question)
    view = review_view(
        snapshot, make_display(snapshot, shuffle=False), None, ReviewPolicy.ANSWERS, 1
    )
    assert view["model_answer"] == "<p>Facial nerve.</p>" and view["correct_answer"] == []
    assert view["model_answer_label"] == "Model answer"


def test_the_admin_refuses_a_short_answer_without_a_model_answer(client, admin_user):
    client.force_login(admin_user)
    data = question_form(
        question_type="short_answer",
        options=inline_formset(
            [{"text": "*facial*", "is_correct": True, "feedback": "", "match": ""}]
        ),
    )
    response = client.post("/admin/snippets/quizzes/question/add/", data | {"action-publish": "1"})
    assert response.status_code == 200
    assert "needs a model answer" in response.content.decode()
    assert not Question.objects.filter(key="depth-limit").exists()
    data["model_answer"] = rich_text("<p>The facial nerve.</p>")
    response = client.post("/admin/snippets/quizzes/question/add/", data | {"action-publish": "1"})
    assert response.status_code == 302


SHORT_ANSWER_IN_CASE = """
[[stage.question]]
key = "example-eyelid-nerve"
type = "short_answer"
title = "Nerve supplying the twitching muscles"
stem = "Which nerve supplies the twitching muscles?"
explanation = "The facial nerve."
competencies = ["HFS-K1"]
objectives = ["hfs-differentials"]
level = "recall"
passage = "opening section: definition and prevalence"
accepted = ["*facial*", "VII"]
"""


def test_the_loader_needs_a_short_answers_model_answer(tree, tmp_path):
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    text = EXAMPLE.read_text()
    cut = text.index('[[stage]]\ntitle = "What happened next"')
    path = tmp_path / "short.case.toml"
    path.write_text(text[:cut] + SHORT_ANSWER_IN_CASE + "\n" + text[cut:])
    with pytest.raises(CommandError, match="example-eyelid-nerve': missing field 'model_answer'"):
        call_command(
            "import_case", str(path), module=f"{tree.course.slug}/{tree.module.slug}", verbosity=0
        )
    assert not Question.objects.exists()
