"""A refused answer comes back as typed ("about five" stays in the box), with the rest of the form."""

import re

import pytest
from django.core.management import call_command

from quizzes.answers import MAX_ESSAY
from quizzes.models import Attempt, QuizPage
from tests.factories import CompetencyFactory, make_question, make_quiz
from tests.quizzes.case_files import ensure_objective
from tests.quizzes.conftest import attempt_url, form_for
from tests.quizzes.test_case_quizzes import EXAMPLE, advance_url

pytestmark = pytest.mark.django_db


def started(client, user, quiz) -> Attempt:
    client.force_login(user)
    client.post(f"{quiz.url}start/")
    return Attempt.objects.get(user=user, quiz=quiz)


def response_of(attempt: Attempt, kind: str):
    return attempt.responses.get(question_snapshot__type=kind)


def input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert match, f"no input {name}"
    return match.group(1)


@pytest.mark.parametrize("route", ["save", "submit"])
def test_a_numeric_slip_comes_back_as_typed_with_the_other_answers(client, trainee, quiz, route):
    attempt = started(client, trainee, quiz)
    numeric = response_of(attempt, "numeric")
    short = response_of(attempt, "short_answer")
    data = form_for(attempt) | {f"q{numeric.position}": "about five"}
    response = client.post(attempt_url(quiz, attempt, route), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a number" in html
    assert input_value(html, f"q{numeric.position}") == "about five"
    assert input_value(html, f"q{short.position}") == "Orbicularis  OCULI", (
        "answers sent beside the slip were not saved, so they must not vanish either"
    )
    assert all(r.answer is None for r in attempt.responses.all()), "nothing is saved"


def test_an_ordering_slip_keeps_the_places_chosen(client, trainee, quiz):
    attempt = started(client, trainee, quiz)
    ordering = response_of(attempt, "ordering")
    first, second, third = ordering.display["tokens"]
    name = f"q{ordering.position}"
    data = form_for(attempt) | {
        f"{name}-{first}": "1",
        f"{name}-{second}": "1",
        f"{name}-{third}": "3",
    }
    html = client.post(attempt_url(quiz, attempt, "submit"), data).content.decode()
    assert "Give each item a different place." in html
    for token, place in ((first, "1"), (second, "1"), (third, "3")):
        select = re.search(rf'<select[^>]*name="{name}-{token}".*?</select>', html, re.S).group(0)
        assert f'<option value="{place}" selected>' in select, token


def test_an_overlong_essay_comes_back_whole(client, trainee, essay_quiz):
    attempt = started(client, trainee, essay_quiz)
    essay = response_of(attempt, "essay")
    text = "Neck first. " * (MAX_ESSAY // 10)
    data = form_for(attempt) | {f"q{essay.position}": text}
    response = client.post(attempt_url(essay_quiz, attempt, "save"), data)
    assert response.status_code == 400
    assert text.strip() in response.content.decode()


NUMERIC_IN_CASE = """
[[stage.question]]
key = "example-eyelid-months"
type = "numeric"
title = "Months of twitching before she came"
stem = "For how many months has she had the twitching?"
explanation = "Six months."
competencies = ["HFS-K1"]
objectives = ["hfs-differentials"]
level = "recall"
passage = "opening section: definition and prevalence"
answer = 6
unit = "months"
"""


def test_a_slip_when_committing_a_case_stage_comes_back_as_typed(client, trainee, tree, tmp_path):
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    text = EXAMPLE.read_text()
    cut = text.index('[[stage]]\ntitle = "What happened next"')
    path = tmp_path / "numeric.case.toml"
    path.write_text(text[:cut] + NUMERIC_IN_CASE + "\n" + text[cut:])
    call_command(
        "import_case", str(path), module=f"{tree.course.slug}/{tree.module.slug}", verbosity=0
    )
    quiz = QuizPage.objects.get(slug="example-eyelid-twitch")
    attempt = started(client, trainee, quiz)
    numeric = response_of(attempt, "numeric")
    data = {"stage": "1"}
    for response in attempt.responses.filter(stage=1):
        data[f"q{response.position}-shown"] = "1"
    data[f"q{numeric.position}"] = "about six"
    response = client.post(advance_url(quiz, attempt), data)
    assert response.status_code == 400
    assert input_value(response.content.decode(), f"q{numeric.position}") == "about six"
    attempt.refresh_from_db()
    assert attempt.current_stage == 1


def test_a_page_without_slips_shows_the_saved_answers(client, trainee, tree):
    quiz = make_quiz(tree.module, [make_question("numeric")], slug="plain")
    attempt = started(client, trainee, quiz)
    client.post(attempt_url(quiz, attempt, "save"), {"q1-shown": "1", "q1": "10"})
    html = client.get(attempt_url(quiz, attempt)).content.decode()
    assert input_value(html, "q1") == "10"
