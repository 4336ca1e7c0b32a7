"""An essay is marked on its own rubric's scale and counts at its weight (points) in the quiz."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.http import QueryDict

from quizzes import services
from quizzes.grading import RubricScale, rubric_credit, rubric_scale
from quizzes.models import Attempt, AttemptState, Question, Response
from tests.factories import CompetencyFactory, make_question, make_quiz
from tests.quizzes.case_files import ensure_objective
from tests.quizzes.conftest import attempt_url, form_for
from tests.quizzes.test_case_quizzes import EXAMPLE
from tests.quizzes.test_question_bank_admin import question_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric_quiz(tree):
    """One 1-point single choice and a 2-point essay marked out of 10 (6 pass)."""
    essay = make_question(
        "essay", points="2", rubric_points=Decimal(10), rubric_pass_points=Decimal(6)
    )
    return make_quiz(tree.module, [make_question("single_choice"), essay], slug="rubric-quiz")


def submit(client, user, quiz) -> Attempt:
    client.force_login(user)
    client.post(f"{quiz.url}start/")
    attempt = Attempt.objects.get(user=user, quiz=quiz)
    client.post(attempt_url(quiz, attempt, "submit"), form_for(attempt))
    client.logout()
    attempt.refresh_from_db()
    return attempt


def essay_of(attempt: Attempt) -> Response:
    return attempt.responses.get(question_snapshot__type="essay")


def test_the_grading_form_asks_for_a_mark_out_of_the_rubric_total(
    client, trainee, instructor, rubric_quiz
):
    response = essay_of(submit(client, trainee, rubric_quiz))
    client.force_login(instructor)
    html = client.get(f"/admin/essay-grading/{response.pk}/").content.decode()
    assert "Mark (out of 10 points on the rubric)" in html
    assert "6 or more passes the rubric" in html
    assert 'max="10"' in html
    assert "points available" not in html, "the comment box is not a score"
    assert "At most 2 points" not in html
    assert "this question&#x27;s 2 points in the quiz" in html


def test_a_rubric_mark_counts_for_its_share_of_the_essay_weight(
    client, trainee, instructor, rubric_quiz
):
    attempt = submit(client, trainee, rubric_quiz)
    response = essay_of(attempt)
    client.force_login(instructor)
    result = client.post(f"/admin/essay-grading/{response.pk}/", {"mark": "7", "comment": "Good."})
    assert result.status_code == 302
    response.refresh_from_db()
    attempt.refresh_from_db()
    assert response.rubric_score == Decimal("7.00")
    assert response.fraction == Decimal("0.7000")
    assert response.score == Decimal("1.40"), "7 of 10 on the rubric is 70% of a 2-point essay"
    assert attempt.state == AttemptState.GRADED
    assert attempt.score == Decimal("2.40") and attempt.max_score == Decimal("3.00")
    assert attempt.percent == Decimal("80.00") and attempt.passed is True


def test_a_mark_above_the_rubric_total_is_refused_and_writes_nothing(
    client, trainee, instructor, rubric_quiz
):
    response = essay_of(submit(client, trainee, rubric_quiz))
    client.force_login(instructor)
    result = client.post(f"/admin/essay-grading/{response.pk}/", {"mark": "10.5"})
    assert result.status_code == 200
    assert "At most 10 points: the rubric" in result.content.decode()
    response.refresh_from_db()
    assert response.needs_grading and response.score is None and response.rubric_score is None
    with pytest.raises(services.GradingError, match="between 0 and 10"):
        services.grade_essay(response.pk, instructor, Decimal("11"), "")
    response.refresh_from_db()
    assert response.needs_grading


def test_regrading_starts_from_the_rubric_mark_given(client, trainee, instructor, rubric_quiz):
    response = essay_of(submit(client, trainee, rubric_quiz))
    services.grade_essay(response.pk, instructor, Decimal("7.5"), "Nearly.")
    client.force_login(instructor)
    html = client.get(f"/admin/essay-grading/{response.pk}/").content.decode()
    assert 'value="7.50"' in html
    assert "7.50 of 10 on the rubric, 1.50 of 2 in the quiz" in html


def test_the_trainee_sees_the_rubric_mark_and_its_weight(client, trainee, instructor, rubric_quiz):
    attempt = submit(client, trainee, rubric_quiz)
    services.grade_essay(essay_of(attempt).pk, instructor, Decimal("7"), "Well argued.")
    client.force_login(trainee)
    html = client.get(attempt_url(rubric_quiz, attempt, "result")).content.decode()
    assert "Marked 7 of 10 rubric points (6 pass the rubric)" in html
    assert "counted as 1.40 of this question's 2 points in the quiz" in html


def test_an_essay_snapshot_from_before_rubric_totals_is_marked_on_its_points(
    client, trainee, instructor, rubric_quiz
):
    response = essay_of(submit(client, trainee, rubric_quiz))
    old = dict(response.question_snapshot)
    for key in ("version", "rubric_points", "rubric_pass_points"):
        old.pop(key)
    Response.objects.filter(pk=response.pk).update(question_snapshot=old)
    client.force_login(instructor)
    html = client.get(f"/admin/essay-grading/{response.pk}/").content.decode()
    assert "Mark (out of 2 points on the rubric)" in html
    assert client.post(f"/admin/essay-grading/{response.pk}/", {"mark": "1.5"}).status_code == 302
    response.refresh_from_db()
    assert response.score == Decimal("1.50") and response.rubric_score == Decimal("1.50")


def test_rubric_scale_and_credit_are_pure():
    snapshot = {"points": "2", "rubric_points": "10.00", "rubric_pass_points": "6.00"}
    assert rubric_scale(snapshot) == RubricScale(Decimal(10), Decimal(6))
    assert rubric_scale({"points": "2"}) == RubricScale(Decimal(2))
    assert rubric_credit(RubricScale(Decimal(3)), Decimal(2), Decimal(1)) == (
        Decimal("0.6667"),
        Decimal("0.67"),
    )
    assert rubric_credit(RubricScale(Decimal(10)), Decimal(0), Decimal(5)) == (
        Decimal("0.0000"),
        Decimal("0.00"),
    )


def essay_form(**overrides) -> dict:
    from wagtail.test.utils.form_data import inline_formset, rich_text

    data = question_form(
        question_type="essay",
        title="Session plan for primary HFS",
        options=inline_formset([]),
        model_answer=rich_text("<p>Neck first.</p>"),
        rubric="Five ideas, two points each.",
    )
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({}, "the rubric&#x27;s total points"),
        ({"rubric_points": "10", "rubric_pass_points": "11"}, "at most 10"),
    ],
)
def test_an_essay_needs_a_rubric_total_and_a_pass_mark_within_it(client, admin_user, fields, error):
    client.force_login(admin_user)
    response = client.post(
        "/admin/snippets/quizzes/question/add/", essay_form(**fields) | {"action-publish": "1"}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Question.objects.filter(key="depth-limit").exists()


def test_an_essay_with_its_rubric_total_is_saved(client, admin_user):
    client.force_login(admin_user)
    data = essay_form(rubric_points="10", rubric_pass_points="6") | {"action-publish": "1"}
    response = client.post("/admin/snippets/quizzes/question/add/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    question = Question.objects.get(key="depth-limit")
    assert question.rubric_points == Decimal(10) and question.rubric_pass_points == Decimal(6)


ESSAY_IN_CASE = """
[[stage.question]]
key = "example-eyelid-essay"
type = "essay"
title = "Explaining the diagnosis to the patient"
stem = "Explain to her what you think is going on."
explanation = "Name hemifacial spasm and why."
competencies = ["HFS-K1"]
objectives = ["hfs-differentials"]
level = "recall"
passage = "opening section: definition and prevalence"
model_answer = "One-sided and persisting in sleep: hemifacial spasm."
rubric = "Two ideas, one point each."
{extra}
"""


def case_with_essay(tmp_path, extra: str):
    text = EXAMPLE.read_text()
    cut = text.index('[[stage]]\ntitle = "What happened next"')
    path = tmp_path / "essay.case.toml"
    path.write_text(text[:cut] + ESSAY_IN_CASE.format(extra=extra) + "\n" + text[cut:])
    return path


def test_the_loader_needs_an_essays_rubric_total(tree, tmp_path):
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    module = f"{tree.course.slug}/{tree.module.slug}"
    with pytest.raises(CommandError, match=r"example-eyelid-essay.*rubric's total points"):
        call_command("import_case", str(case_with_essay(tmp_path, "")), module=module, verbosity=0)
    assert not Question.objects.exists()
    good = case_with_essay(tmp_path, "rubric_points = 2\nrubric_pass_points = 1")
    call_command("import_case", str(good), module=module, verbosity=0)
    essay = Question.objects.get(key="example-eyelid-essay")
    assert essay.rubric_points == Decimal(2) and essay.rubric_pass_points == Decimal(1)


def test_the_migration_keeps_existing_essays_on_their_points_scale(trainee, essay_quiz):
    migration = importlib.import_module("quizzes.migrations.0003_essay_rubric_titles_model_answers")
    Question.objects.filter(question_type="essay").update(rubric_points=None)
    attempt = services.start_attempt(trainee, essay_quiz)
    data = QueryDict(mutable=True)
    for key, value in form_for(attempt).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    services.submit_attempt(attempt.pk, trainee, data)
    response = essay_of(attempt)
    Response.objects.filter(pk=response.pk).update(
        needs_grading=False, score=Decimal("0.75"), graded_at=attempt.started_at
    )
    migration.keep_existing_essay_scales(apps, None)
    assert Question.objects.get(question_type="essay").rubric_points == Decimal(1)
    response.refresh_from_db()
    assert response.rubric_score == Decimal("0.75")
