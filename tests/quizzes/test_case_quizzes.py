"""Case quizzes: stages disclosed in order, committed answers locked by the server, per-stage scores."""

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from quizzes.models import Attempt, ClinicalCase, Question, QuizPage
from tests.factories import CompetencyFactory
from tests.quizzes.case_files import ensure_objective
from tests.quizzes.conftest import attempt_url, correct_fields, wrong_fields
from tests.quizzes.example_case import EXAMPLE, import_example_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_quiz(tree) -> QuizPage:
    return import_example_case(tree)


@pytest.fixture
def started(client, trainee, case_quiz) -> Attempt:
    client.force_login(trainee)
    client.post(f"{case_quiz.url}start/")
    return Attempt.objects.get(user=trainee)


def stage_form(attempt: Attempt, stage: int, correct: bool = True) -> dict:
    data = {"stage": str(stage)}
    for response in attempt.responses.filter(stage=stage):
        data.update(correct_fields(response) if correct else wrong_fields(response))
    return data


def test_only_the_first_stage_is_shown_at_the_start(client, case_quiz, started):
    html = client.get(attempt_url(case_quiz, started)).content.decode()
    assert "Presentation" in html
    assert "carries on while she sleeps" in html
    assert "What happened next" not in html
    assert "spread to her left cheek" not in html, "a later stage leaked before it was disclosed"
    assert "Benign essential blepharospasm usually affects both sides" not in html


def test_committing_a_stage_discloses_the_next_and_locks_the_answers(client, case_quiz, started):
    response = client.post(advance_url(case_quiz, started), stage_form(started, 1))
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.current_stage == 2
    html = client.get(attempt_url(case_quiz, started)).content.decode()
    assert "spread to her left cheek" in html
    assert "committed, locked" in html
    first = started.responses.get(stage=1)
    assert first.answer is not None


def advance_url(quiz, attempt) -> str:
    return f"{quiz.url}attempt/{attempt.pk}/advance/"


def test_a_post_changing_a_locked_answer_is_rejected_and_changes_nothing(
    client, case_quiz, started
):
    client.post(advance_url(case_quiz, started), stage_form(started, 1, correct=True))
    first = started.responses.get(stage=1)
    locked_answer = first.answer
    tampered = wrong_fields(first)
    for route in ("save", "submit"):
        response = client.post(attempt_url(case_quiz, started, route), tampered)
        assert response.status_code == 409, route
    json = client.post(
        attempt_url(case_quiz, started, "save"), tampered, HTTP_ACCEPT="application/json"
    )
    assert json.status_code == 409 and json.json()["locked"] is True
    first.refresh_from_db()
    started.refresh_from_db()
    assert first.answer == locked_answer
    assert started.is_open and started.current_stage == 2


def test_answers_for_an_undisclosed_stage_are_refused(client, case_quiz, started):
    later = started.responses.get(stage=2)
    response = client.post(attempt_url(case_quiz, started, "save"), correct_fields(later))
    assert response.status_code == 400
    later.refresh_from_db()
    assert later.answer is None


def test_committing_the_same_stage_twice_advances_once(client, case_quiz, started):
    data = stage_form(started, 1)
    client.post(advance_url(case_quiz, started), data)
    again = client.post(advance_url(case_quiz, started), data)
    assert again.status_code == 302
    started.refresh_from_db()
    assert started.current_stage == 2


def test_skipping_ahead_is_refused(client, case_quiz, started):
    response = client.post(advance_url(case_quiz, started), {"stage": "2"})
    assert response.status_code == 400
    started.refresh_from_db()
    assert started.current_stage == 1


@pytest.mark.parametrize("stage", ["", "x", "-1"])
def test_a_malformed_stage_number_is_400(client, case_quiz, started, stage):
    assert client.post(advance_url(case_quiz, started), {"stage": stage}).status_code == 400
    started.refresh_from_db()
    assert started.current_stage == 1


def test_result_shows_per_stage_scores_and_the_whole_case(client, case_quiz, started):
    client.post(advance_url(case_quiz, started), stage_form(started, 1, correct=True))
    client.post(attempt_url(case_quiz, started, "submit"), stage_form(started, 2, correct=False))
    started.refresh_from_db()
    assert started.percent == 50
    html = client.get(attempt_url(case_quiz, started, "result")).content.decode()
    assert "Score by stage" in html
    assert "1. Presentation</a></th><td>1 / 1" in html
    assert "2. What happened next</a></th><td>0 / 1" in html
    assert "carries on while she sleeps" in html and "spread to her left cheek" in html
    assert "Right: persistence in sleep separates" in html
    assert "Constructed teaching case" in html


def test_editing_the_case_later_does_not_change_the_attempt(client, case_quiz, started):
    case = ClinicalCase.objects.get(key="example-eyelid-twitch")
    stages = list(case.stages.all())
    stages[0].narrative = "<p>Rewritten narrative.</p>"
    case.stages = stages
    case.save_revision().publish()
    html = client.get(attempt_url(case_quiz, started)).content.decode()
    assert "carries on while she sleeps" in html and "Rewritten narrative" not in html


# import_case --------------------------------------------------------------------------------


def counts() -> tuple[int, ...]:
    return (
        ClinicalCase.objects.count(),
        Question.objects.count(),
        QuizPage.objects.count(),
        Revision.objects.count(),
    )


def test_import_case_twice_changes_nothing(case_quiz, tree):
    before = counts()
    call_command(
        "import_case", str(EXAMPLE), module=f"{tree.course.slug}/{tree.module.slug}", verbosity=0
    )
    assert counts() == before
    case = ClinicalCase.objects.get(key="example-eyelid-twitch")
    assert case.live and case.stages.count() == 2
    assert [fq.stage for fq in case_quiz.fixed_questions.all()] == [1, 2]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('kind = "constructed"', 'kind = "rumour"', 1),
            "'kind' is 'published' or 'constructed'",
        ),
        (
            lambda t: t.replace('title = "Presentation"', 'titel = "Presentation"', 1),
            "stage 1: missing field 'title'",
        ),
        (
            lambda t: t.replace('competencies = ["HFS-K1"]', 'competencies = ["NOPE-1"]', 1),
            "unknown competency 'NOPE-1'",
        ),
        (lambda t: t.replace("[quiz]", "[quizz]", 1), "missing the [quiz] table"),
        (
            lambda t: t.replace('stem = "Which feature', 'stem = ""\nxstem = "Which feature', 1),
            "field 'stem' is empty",
        ),
        (
            lambda t: t.replace(
                'passage = "opening section: definition and prevalence"\nnarrative', "narrative", 1
            ),
            "stage 1: missing field 'passage'",
        ),
        (lambda t: t + "\n[[stage]\n", "line"),
        (
            lambda t: t[: t.index('[[stage]]\ntitle = "What happened next"')],
            "at least two [[stage]]",
        ),
    ],
)
def test_a_bad_case_file_names_the_problem_and_imports_nothing(tree, tmp_path, edit, message):
    CompetencyFactory(code="HFS-K1")
    ensure_objective(tree.module)
    bad = tmp_path / "bad.case.toml"
    bad.write_text(edit(EXAMPLE.read_text()))
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_case", str(bad), module=f"{tree.course.slug}/{tree.module.slug}", verbosity=0
        )
    assert message in str(excinfo.value)
    assert "Nothing was imported" in str(excinfo.value)
    assert counts() == before


def test_import_case_needs_an_existing_module(tree):
    with pytest.raises(CommandError, match="No module"):
        call_command("import_case", str(EXAMPLE), module="nowhere/none", verbosity=0)
