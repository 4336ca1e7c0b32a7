"""A trainee walks the published case, stage by stage, to its result."""

import pytest
from playwright.sync_api import expect

from courses.models import LessonPage
from courses.progress import course_progress
from courses.services import complete_lesson, course_of, enrol
from quizzes.models import Attempt, QuizPage
from quizzes.services import grade_essay
from tests.e2e.answering import answer_correctly
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.layout import assert_lands_below_attempt_bar
from tests.e2e.worlds import load_curriculum
from tests.factories import PASSWORD, UserFactory, take_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def finish_modules_before(user, quiz) -> None:
    """Enrol and complete every module before the case studies one, which requires them."""
    grader = UserFactory(username=f"grader-for-{user.username}", is_superuser=True)
    course = course_of(quiz)
    enrol(user, course)
    for module in course_progress(user, course).modules:
        if quiz.path.startswith(module.module.path):
            return
        for step in module.steps:
            if step.kind == "lesson":
                complete_lesson(user, LessonPage.objects.get(pk=step.page_id))
            else:
                attempt = take_quiz(user, QuizPage.objects.get(pk=step.page_id), right=True)
                for response in attempt.responses.filter(needs_grading=True):
                    grade_essay(response.pk, grader, response.rubric_scale.total, "")


def test_trainee_walks_the_published_case_to_its_result(page):
    load_curriculum()
    walker = UserFactory(username="case-walker")
    quiz = QuizPage.objects.get(case__key="hfs-mini-ren-snan-2018")
    finish_modules_before(walker, quiz)

    sign_in(page, "case-walker", PASSWORD)
    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    attempt = Attempt.objects.get(quiz=quiz)
    stages = attempt.stage_count
    assert stages >= 5

    for number in range(1, stages + 1):
        heading = page.locator(f"#stage-{number}-title")
        expect(heading).to_be_visible()
        assert page.locator(f"#stage-{number + 1}").count() == 0, (
            "the next stage showed before committing"
        )
        for response in attempt.responses.filter(stage=number):
            answer_correctly(page, response)
        if number < stages:
            page.get_by_role("button", name=f"continue to stage {number + 1}").click()
            # The page opens at the new stage, which must not land under the sticky bars.
            assert_lands_below_attempt_bar(page, f"#stage-{number + 1}")
            for response in attempt.responses.filter(stage=number):
                locked = page.locator(f"#question-{response.position}")
                assert locked.get_attribute("disabled") is not None, (
                    "a committed answer is still editable"
                )
        else:
            page.get_by_role("button", name="Finish and review before submitting").click()
    page.get_by_role("button", name="Submit and see my result").click()

    expect(page.get_by_role("table", name="Score by stage")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.state in ("graded", "awaiting_grading")
    assert attempt.percent >= 90
    screenshot(page, "case-result")
    assert page.js_errors == []
