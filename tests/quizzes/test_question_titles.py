"""Every question has a real title: required in curriculum files, and never boilerplate."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from quizzes.models import Question, Response, validate_question_title
from tests.factories import CompetencyFactory
from tests.quizzes.case_files import ensure_objective
from tests.quizzes.test_case_quizzes import EXAMPLE
from tests.quizzes.test_question_bank_admin import question_form

BOILERPLATE = [
    "Select all that apply.",
    "select ALL that apply",
    "Choose the correct answer",
    "Tick every option that applies.",
    "Which of the following is true?",
    "Which one of the following…",
    "(About 200-300 words.)",
    "About 250\u2013350 words",
    "True or false: spasm continues in sleep",
    "Question 3",
    "Depth limit",
    "unaffected.Which muscles are involved",
    "Depth " * 30,
]
GOOD = [
    "Depth limit on the cheek",
    "Causes of secondary HFS",
    "Tongue, sublingual vein and pulse findings in the case",
    "Which muscles twitch first",
    "A single_choice question",
]


@pytest.mark.parametrize("title", BOILERPLATE)
def test_a_boilerplate_or_unreadable_title_is_refused(title):
    with pytest.raises(ValidationError):
        validate_question_title(title)


@pytest.mark.parametrize("title", GOOD)
def test_a_short_specific_title_is_accepted(title):
    validate_question_title(title)


@pytest.mark.django_db
@pytest.mark.parametrize("title", ["Select all that apply.", "(About 200-300 words.)", "Depth"])
def test_the_admin_form_refuses_a_boilerplate_title_and_saves_nothing(client, admin_user, title):
    client.force_login(admin_user)
    response = client.post(
        "/admin/snippets/quizzes/question/add/",
        question_form(title=title) | {"action-publish": "1"},
    )
    assert response.status_code == 200
    assert "Name what the question is about" in response.content.decode()
    assert not Question.objects.filter(key="depth-limit").exists()


def case_file(tmp_path, edit):
    path = tmp_path / "titles.case.toml"
    path.write_text(edit(EXAMPLE.read_text()))
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('title = "Feature that argues against a simple tic"\n', "", 1),
            "question 'example-eyelid-01': missing field 'title'",
        ),
        (
            lambda t: t.replace(
                'title = "Feature that argues against a simple tic"',
                'title = "Select all that apply."',
                1,
            ),
            "question 'example-eyelid-01': 'title': \"Select all that apply.\" is boilerplate",
        ),
        (
            lambda t: t.replace(
                'title = "Blepharospasm: one side or both"', 'title = "(About 200-300 words.)"', 1
            ),
            "question 'example-eyelid-02': 'title'",
        ),
    ],
)
def test_the_case_and_quiz_loader_requires_a_real_title(tree, tmp_path, edit, message):
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_case",
            str(case_file(tmp_path, edit)),
            module=f"{tree.course.slug}/{tree.module.slug}",
            verbosity=0,
        )
    assert message in str(excinfo.value)
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_the_grading_queue_and_page_show_the_questions_current_title(
    client, instructor, trainee, essay_quiz
):
    from tests.quizzes.test_grading_own_answers import essay_of, submitted_by

    attempt = submitted_by(trainee, essay_quiz)
    response = essay_of(attempt)
    snapshot = response.question_snapshot | {"title": "(About 200-300 words.)"}
    Response.objects.filter(pk=response.pk).update(question_snapshot=snapshot)
    Question.objects.filter(pk=response.question_id).update(title="Session plan for primary HFS")
    client.force_login(instructor)
    for url in ("/admin/essay-grading/", f"/admin/essay-grading/{response.pk}/"):
        html = client.get(url).content.decode()
        assert "Session plan for primary HFS" in html, url
        assert "About 200-300 words" not in html, url
