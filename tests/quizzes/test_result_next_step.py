"""The result page's next step: continue after a pass; after a fail, attempts left and what to
revise (as the review policy allows); no attempts left; awaiting grading."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services as course_services
from tests.factories import (
    LessonPageFactory,
    ModulePageFactory,
    SourceFactory,
    UserFactory,
    build_tree,
    make_objective,
    make_question,
    make_quiz,
)
from tests.quizzes.conftest import attempt_url, correct_fields, start, wrong_fields

pytestmark = pytest.mark.django_db


def citing_lesson(module, title: str, source, passage: str):
    """A lesson of `module` citing `passage` of `source` (what a question rests on)."""
    citation = {"source": source.pk, "passage": passage, "note": ""}
    return LessonPageFactory(
        parent=module,
        title=title,
        body=[
            {"type": "text", "value": "<p>Read this.</p>"},
            {"type": "citation", "value": citation},
        ],
    )


def submit(client, quiz, *, wrong: set[int]) -> str:
    """Take `quiz` through the views, answering the questions at positions `wrong` wrongly;
    return the result page."""
    attempt = start(client, quiz)
    data: dict = {}
    for response in attempt.responses.order_by("position"):
        miss = response.position in wrong
        data.update(wrong_fields(response) if miss else correct_fields(response))
    assert client.post(attempt_url(quiz, attempt, "submit"), data).status_code == 302
    response = client.get(attempt_url(quiz, attempt, "result"))
    assert response.status_code == 200
    return response.content.decode()


def next_step(html: str) -> str:
    return html.split('id="next-step-title"')[1].split("</section>")[0]


@pytest.fixture
def learner(db):
    return UserFactory(username="learner")


def test_a_pass_links_to_the_next_module(client, learner):
    tree = build_tree(lessons=1, modules=2)
    course_services.enrol(learner, tree.course)
    course_services.complete_lesson(learner, tree.lessons[0])
    quiz = make_quiz(tree.module, [make_question()])
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong=set()))
    second = tree.course.get_children().specific().get(title="Module 2")
    assert "Continue to the next module: Module 2" in step
    assert f'href="{second.url}"' in step


def test_a_pass_with_the_module_unfinished_continues_in_the_module(client, learner):
    tree = build_tree(lessons=2, modules=2)
    course_services.enrol(learner, tree.course)
    quiz = make_quiz(tree.module, [make_question()])
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong=set()))
    assert "Continue with: Lesson 1" in step and f'href="{tree.lessons[0].url}"' in step


def test_a_pass_on_the_last_step_goes_back_to_the_course(client, learner):
    tree = build_tree(lessons=1)
    course_services.enrol(learner, tree.course)
    course_services.complete_lesson(learner, tree.lessons[0])
    quiz = make_quiz(tree.module, [make_question()])
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong=set()))
    assert "Back to the course: Test course" in step and f'href="{tree.course.url}"' in step
    assert 'href="/learn/"' in step


@pytest.fixture
def two_topics(learner):
    """A quiz of two questions, each resting on a passage a different lesson cites."""
    tree = build_tree(lessons=0)
    course_services.enrol(learner, tree.course)
    vessels, palpation = SourceFactory(), SourceFactory()
    citing_lesson(tree.module, "Vessels and nerves", vessels, "anatomy section")
    citing_lesson(tree.module, "Palpation technique", palpation, "technique section")
    questions = [
        make_question("single_choice", source=vessels, passage="anatomy section"),
        make_question("single_choice", source=palpation, passage="technique section"),
    ]
    return tree, questions


def test_a_fail_says_attempts_left_and_what_to_revise(client, learner, two_topics):
    tree, questions = two_topics
    quiz = make_quiz(tree.module, questions, attempts_allowed=3, review_policy="correctness")
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong={1}))
    assert "2 attempts left — try again" in step
    assert f'href="{quiz.url}"' in step
    assert "What to revise" in step and "The lessons behind the questions you missed" in step
    assert "Vessels and nerves" in step and "(question 1)" in step
    assert "Palpation technique" not in step, "only the lessons of missed questions"


def test_score_only_review_lists_every_lesson_and_names_no_question(client, learner, two_topics):
    tree, questions = two_topics
    quiz = make_quiz(tree.module, questions, attempts_allowed=0, review_policy="score")
    client.force_login(learner)
    html = submit(client, quiz, wrong={1})
    step = next_step(html)
    assert "Try again" in step
    assert "Vessels and nerves" in step and "Palpation technique" in step
    assert "(question" not in step, "which questions were missed stays hidden"
    for question in questions:
        for option in question.options.all():
            assert option.feedback not in html


def test_a_question_no_lesson_cites_points_to_its_objectives_module(client, learner):
    tree = build_tree(lessons=0)
    course_services.enrol(learner, tree.course)
    question = make_question("single_choice", source=SourceFactory(), passage="nowhere cited")
    question.objectives = [make_objective(tree.module, key="recognise-hfs")]
    question.save()
    question.save_revision().publish()
    quiz = make_quiz(tree.module, [question], attempts_allowed=2)
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong={1}))
    assert "1 attempt left" in step
    assert f'href="{tree.module.url}"' in step and "Module 1" in step


def test_no_attempts_left_says_so_and_whom_to_ask(client, learner, two_topics):
    tree, questions = two_topics
    quiz = make_quiz(tree.module, questions, attempts_allowed=1)
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong={1, 2}))
    assert "No attempts left" in step and "instructor" in step
    assert "Try again" not in step
    assert "Vessels and nerves" in step and "Palpation technique" in step


def test_an_essay_awaiting_grading_asks_to_wait(client, learner):
    tree = build_tree(lessons=0)
    course_services.enrol(learner, tree.course)
    quiz = make_quiz(tree.module, [make_question("essay")], slug="essay")
    client.force_login(learner)
    step = next_step(submit(client, quiz, wrong=set()))
    assert "Wait for your written answers to be graded" in step


def result_queries(client, quiz, wrong: set[int]) -> int:
    attempt = start(client, quiz)
    data: dict = {}
    for response in attempt.responses.order_by("position"):
        data.update(
            wrong_fields(response) if response.position in wrong else correct_fields(response)
        )
    client.post(attempt_url(quiz, attempt, "submit"), data)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(attempt_url(quiz, attempt, "result")).status_code == 200
    return len(captured)


def test_the_next_step_queries_do_not_grow_with_questions_or_modules(client, learner):
    tree = build_tree(lessons=2, modules=2)
    course_services.enrol(learner, tree.course)
    source = SourceFactory()
    citing_lesson(tree.module, "Cited", source, "a passage")
    uncited = [make_question("single_choice", passage="nowhere") for _ in range(12)]
    for question in uncited:
        question.objectives = [make_objective(tree.module)]
        question.save()
    cited = [make_question("single_choice", source=source, passage="a passage") for _ in range(12)]
    quiz = make_quiz(tree.module, [*cited, *uncited], attempts_allowed=0)
    client.force_login(learner)
    some = {1, 2, 3, 4, 13, 14, 15, 16}  # 16 of 24 right: not passed
    result_queries(client, quiz, wrong=some)  # caches filled (site root paths, content types)
    few = result_queries(client, quiz, wrong=some)
    many = result_queries(client, quiz, wrong=set(range(1, 25)))
    assert many == few
    for n in range(5):
        ModulePageFactory(parent=tree.course, title=f"Extra {n}")
    passed_small = result_queries(client, quiz, wrong=set())
    for n in range(5, 15):
        ModulePageFactory(parent=tree.course, title=f"Extra {n}")
    assert result_queries(client, quiz, wrong=set()) == passed_small
