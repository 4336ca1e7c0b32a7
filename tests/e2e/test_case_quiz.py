"""A trainee walks the published case, stage by stage, to its result."""

import pytest
from django.core.management import call_command

from quizzes.models import Attempt, QuizPage
from tests.e2e.answering import answer_correctly
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_trainee_walks_the_published_case_to_its_result(page):
    call_command("load_curriculum", verbosity=0)
    UserFactory(username="case-walker")
    quiz = QuizPage.objects.get(case__key="hfs-mini-ren-snan-2018")

    sign_in(page, "case-walker", PASSWORD)
    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    attempt = Attempt.objects.get()
    stages = attempt.stage_count
    assert stages >= 5

    for number in range(1, stages + 1):
        heading = page.locator(f"#stage-{number}-title")
        assert heading.is_visible()
        assert page.locator(f"#stage-{number + 1}").count() == 0, (
            "the next stage showed before committing"
        )
        for response in attempt.responses.filter(stage=number):
            answer_correctly(page, response)
        if number < stages:
            page.get_by_role("button", name=f"continue to stage {number + 1}").click()
            for response in attempt.responses.filter(stage=number):
                locked = page.locator(f"#question-{response.position}")
                assert locked.get_attribute("disabled") is not None, (
                    "a committed answer is still editable"
                )
        else:
            page.get_by_role("button", name="Finish and review before submitting").click()
    page.get_by_role("button", name="Submit and see my result").click()

    assert page.get_by_role("table", name="Score by stage").is_visible()
    attempt.refresh_from_db()
    assert attempt.state in ("graded", "awaiting_grading")
    assert attempt.percent >= 90
    screenshot(page, "case-result")
    assert page.js_errors == []
