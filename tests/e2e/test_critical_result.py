"""A trainee misses a critical question: the result says so and leads back to the passage."""

import pytest
from playwright.sync_api import expect

from core.blocks import passage_anchor
from courses.services import enrol
from quizzes.models import Attempt
from tests.conftest import build_tree
from tests.e2e.answering import answer_correctly
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_accessibility import axe_violations
from tests.factories import PASSWORD, LessonPageFactory, UserFactory, make_question, make_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSAGE = "treatment paragraph"


def test_a_missed_critical_question_fails_and_links_to_its_passage(page):
    tree = build_tree(lessons=1)
    critical = make_question(
        "single_choice",
        critical=True,
        title="Pulse beside a facial nodule",
        stem="<p>You feel a pulse directly beside a tender facial nodule. What next?</p>",
        passage=PASSAGE,
        options=[
            ("Do not insert at that point", True, "Keep clear of the vessel."),
            ("Insert quickly, keeping under 10 mm", False, "Depth does not protect a vessel."),
        ],
    )
    lesson = LessonPageFactory(
        parent=tree.module,
        title="Vessels and nerves",
        body=[
            {"type": "text", "value": "<p>Long text before the passage.</p>" * 40},
            {
                "type": "citation",
                "value": {"source": critical.source_id, "passage": PASSAGE, "note": ""},
            },
        ],
    )
    quiz = make_quiz(
        tree.module,
        [make_question("numeric"), make_question("ordering"), critical],
        pass_mark=60,
    )
    enrol(UserFactory(username="critical-taker"), tree.course)

    sign_in(page, "critical-taker", PASSWORD)
    page.goto(quiz.url)
    expect(page.get_by_text("must be answered fully correctly")).to_be_visible()
    page.get_by_role("button", name="Start the quiz").click()
    attempt = Attempt.objects.get()
    for response in attempt.responses.all():
        if response.question_id == critical.pk:
            scope = page.locator(f"#question-{response.position}")
            expect(scope.locator(".badge--critical")).to_be_visible()
            scope.get_by_label("Insert quickly, keeping under 10 mm").check()
        else:
            answer_correctly(page, response)
    expect(page.locator(".badge--critical")).to_have_count(1)
    page.get_by_role("button", name="Finish and review before submitting").click()
    page.get_by_role("button", name="Submit and see my result").click()

    expect(page.get_by_role("heading", name="Not passed")).to_be_visible()
    expect(page.get_by_text("66.7%").first).to_be_visible()
    alert = page.locator(".critical-missed")
    expect(alert).to_contain_text(
        "You did not pass: a safety-critical question was answered wrongly"
    )
    expect(alert).to_contain_text("You feel a pulse directly beside a tender facial nodule")
    screenshot(page, "critical-result")
    assert axe_violations(page) == []

    alert.get_by_role("link", name="Reread the passage it was written from").click()
    anchor = passage_anchor(critical.source_id, PASSAGE)
    expect(page).to_have_url(f"{page.url.split('#')[0]}#{anchor}")
    assert page.url.split("#")[0].endswith(lesson.url)
    target = page.locator(f"#{anchor}")
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text(PASSAGE)
    assert page.js_errors == []
