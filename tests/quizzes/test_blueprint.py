"""The blueprint: questions tagged with objectives and a level, and Reports > Blueprint."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from certification.models import Programme
from courses.models import CoursePage, LearningObjective
from quizzes.blueprint import all_scopes, build_blueprint
from quizzes.models import Question
from tests.factories import UserFactory, make_objective, make_question, make_quiz
from tests.quizzes.test_question_bank_admin import question_form

pytestmark = pytest.mark.django_db

URL = "/admin/reports/blueprint/"
QUIZ = Path("hemifacial-spasm") / "04-needle-safety" / "quiz.toml"
CASE = Path("hemifacial-spasm") / "05-case-studies" / "hfs-mini-ren-snan-2018.case.toml"


# The curriculum -----------------------------------------------------------------------------


def test_every_curriculum_question_has_objectives_and_a_level(curriculum):
    questions = Question.objects.prefetch_related("objectives")
    assert questions.count() >= 70
    for question in questions:
        assert question.objectives.exists(), question.key
        assert question.level in ("recall", "application", "decision")
    levels = set(questions.values_list("level", flat=True))
    assert levels == {"recall", "application", "decision"}


def test_the_blueprint_report_shows_every_objective_covered(curriculum):
    course = CoursePage.objects.get()
    scope = next(s for s in all_scopes() if s.key == f"course-{course.pk}")
    blueprint = build_blueprint(scope)
    assert {r.objective.pk for r in blueprint.rows} == set(
        LearningObjective.objects.values_list("pk", flat=True)
    )
    assert not blueprint.uncovered, [r.objective.key for r in blueprint.uncovered]
    assert not blueprint.untagged
    assert sum(blueprint.level_counts.values()) == Question.objects.count()


def test_each_programme_has_a_scope(curriculum):
    scopes = {s.key: s for s in all_scopes()}
    programmes = list(Programme.objects.all())
    assert programmes
    for programme in programmes:
        scope = scopes[f"programme-{programme.pk}"]
        assert scope.quiz_ids and scope.module_ids
        assert not [r for r in build_blueprint(scope).uncovered if r.in_scope]


@pytest.mark.parametrize(
    ("path", "edit", "message"),
    [
        (
            QUIZ,
            lambda t: t.replace('objectives = ["keep-depth"]\n', "", 1),
            "missing field 'objectives'",
        ),
        (
            QUIZ,
            lambda t: t.replace('objectives = ["keep-depth"]', "objectives = []", 1),
            "'objectives' is empty",
        ),
        (
            QUIZ,
            lambda t: t.replace('"keep-depth"', '"keep-shallow"', 1),
            "unknown objective 'keep-shallow'",
        ),
        (
            QUIZ,
            lambda t: t.replace('level = "recall"', 'level = "analysis"', 1),
            "unknown level 'analysis'",
        ),
        (QUIZ, lambda t: t.replace('level = "recall"\n', "", 1), "missing field 'level'"),
        (
            CASE,
            lambda t: t.replace('level = "application"', 'level = "Application"', 1),
            "unknown level",
        ),
        # A module's quiz may only name objectives stated by then: not a later module's.
        (
            Path("hemifacial-spasm") / "01-clinical-picture" / "quiz.toml",
            lambda t: t.replace('objectives = ["hfs-recognise"]', 'objectives = ["keep-depth"]', 1),
            "unknown objective 'keep-depth'",
        ),
    ],
)
def test_load_curriculum_refuses_an_untagged_or_mis_tagged_question(
    curriculum_copy, path, edit, message
):
    file = curriculum_copy / path
    text = file.read_text()
    edited = edit(text)
    assert edited != text
    file.write_text(edited)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    error = str(excinfo.value)
    assert message in error
    assert file.name in error and "question '" in error
    assert not Question.objects.exists()


def test_a_mis_tagged_question_is_refused_before_any_page_is_written(curriculum_copy):
    """The questions' tags are checked from the files first: a bad tag in the last module is
    refused before any course, module or lesson page is built."""
    file = curriculum_copy / CASE
    file.write_text(file.read_text().replace('level = "application"', 'level = "Application"', 1))
    with CaptureQueriesContext(connection) as queries, pytest.raises(CommandError) as excinfo:
        call_command("load_curriculum", root=curriculum_copy, verbosity=0)
    assert "unknown level" in str(excinfo.value) and file.name in str(excinfo.value)
    pages = ("courses_coursepage", "courses_modulepage", "courses_lessonpage")
    assert not [q for q in queries for t in pages if f'INSERT INTO "{t}"' in q["sql"]]


# The admin question form ----------------------------------------------------------------------


def test_a_question_without_an_objective_gets_a_form_error(client, admin_user):
    client.force_login(admin_user)
    form = question_form()
    form.pop("objectives")
    response = client.post("/admin/snippets/quizzes/question/add/", form | {"action-publish": "1"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Question.objects.exists()


def test_the_question_form_saves_objectives_and_level(client, admin_user):
    client.force_login(admin_user)
    form = question_form()
    response = client.post("/admin/snippets/quizzes/question/add/", form | {"action-publish": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(key="depth-limit")
    assert question.level == "application"
    assert [o.pk for o in question.objectives.all()] == form["objectives"]
    page = client.get(f"/admin/snippets/quizzes/question/edit/{question.pk}/").content.decode()
    assert "Blueprint" in page and "cognitive level" in page.lower()


# The report -------------------------------------------------------------------------------------


@pytest.fixture
def small_blueprint(tree):
    """A quiz with one tagged and one untagged question; its module has an unassessed objective."""
    assessed = make_objective(tree.module, key="assessed", text="Decide when to refer.")
    make_objective(tree.module, key="unassessed", text="Explain the depth limit.")
    tagged = tag(
        make_question(key="tagged", title="Referral after head injury", level="decision"),
        [assessed],
    )
    untagged = make_question(key="untagged", title="Needle diameter in the case")
    quiz = make_quiz(tree.module, [tagged, untagged])
    return quiz


def test_the_report_flags_gaps(client, admin_user, small_blueprint):
    client.force_login(admin_user)
    response = client.get(URL, {"scope": f"quiz-{small_blueprint.pk}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 objective no question assesses" in html
    assert "Explain the depth limit." in html
    assert "1 question tied to no objective" in html and "Needle diameter in the case" in html
    assert "Referral after head injury" in html and "Decision" in html
    assert "2 questions in" in html


def test_without_a_scope_the_report_asks_for_one(client, admin_user, small_blueprint):
    client.force_login(admin_user)
    for params in ({}, {"scope": "quiz-999999"}, {"scope": "<script>"}):
        response = client.get(URL, params)
        assert response.status_code == 200
        assert "Choose a quiz, course or programme" in response.content.decode()


@pytest.mark.parametrize("who", ["instructor", "reviewer", "admin_user"])
def test_staff_who_review_assessment_see_the_report(client, request, small_blueprint, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL, {"scope": f"quiz-{small_blueprint.pk}"}).status_code == 200
    menu = client.get("/admin/").content.decode()
    assert URL in menu


def test_others_are_refused(client, roles, small_blueprint, trainee):
    client.force_login(UserFactory(username="manager-x", is_staff=False))
    assert client.get(URL).status_code in (302, 403)
    client.force_login(trainee)
    assert client.get(URL).status_code in (302, 403)
    client.logout()
    assert client.get(URL).status_code == 302


def test_csv_and_xlsx_exports(client, admin_user, small_blueprint):
    client.force_login(admin_user)
    scope = {"scope": f"quiz-{small_blueprint.pk}"}
    response = client.get(URL, scope | {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    flags = {r["objective key"] or r["questions"]: r["flag"] for r in rows}
    assert flags["unassessed"] == "No question assesses this objective"
    assert flags["assessed"] == ""
    assert flags["untagged (recall)"] == "Question tied to no objective"
    response = client.get(URL, scope | {"export": "xlsx"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]][:3] == ["module", "objective key", "objective"]


def tag(question: Question, objectives: list[LearningObjective]) -> Question:
    """Tag a question (a parental many-to-many is written when the question is saved)."""
    question.objectives = objectives
    question.save()
    return question


def count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def test_report_queries_do_not_grow_with_questions_or_objectives(client, admin_user, tree):
    client.force_login(admin_user)
    small = make_quiz(tree.module, [tag(make_question(key="first"), [make_objective(tree.module)])])
    more = [
        tag(make_question(key=f"more-{n}"), [make_objective(tree.module)] if n % 2 else [])
        for n in range(8)
    ]
    large = make_quiz(tree.module, more, title="Second quiz", slug="quiz-2")
    client.get(URL, {"scope": f"quiz-{small.pk}"})
    assert count_queries(client, {"scope": f"quiz-{small.pk}"}) == count_queries(
        client, {"scope": f"quiz-{large.pk}"}
    )


def test_course_report_queries_are_bounded(
    client, admin_user, curriculum, django_assert_max_num_queries
):
    client.force_login(admin_user)
    course = CoursePage.objects.get()
    client.get(URL, {"scope": f"course-{course.pk}"})
    with django_assert_max_num_queries(40):
        response = client.get(URL, {"scope": f"course-{course.pk}"})
    html = response.content.decode()
    assert "Every objective in scope is assessed by at least one question." in html
    assert "tied to no objective" not in html
