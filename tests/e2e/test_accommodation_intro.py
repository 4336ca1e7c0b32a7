"""A learner with an accommodation reads it on a phone, and the timer counts the extended time."""

import pytest
from playwright.sync_api import expect

from courses.services import enrol
from quizzes.models import QuizOverride
from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.layout import PHONE, page_scrolls_sideways
from tests.factories import PASSWORD, UserFactory, make_question, make_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_accommodation_reads_well_at_390px_and_extends_the_timer(page):
    tree = build_tree(lessons=1)
    quiz = make_quiz(tree.module, [make_question("single_choice")], time_limit_minutes=30)
    learner = UserFactory(username="accommodated")
    enrol(learner, tree.course)
    QuizOverride.objects.create(
        quiz=quiz, user=learner, extra_minutes=15, extra_attempts=1, reason="Staff-only reason."
    )

    page.set_viewport_size(PHONE)
    sign_in(page, "accommodated", PASSWORD)
    page.goto(quiz.url)
    note = page.locator(".accommodation")
    expect(note).to_contain_text(
        "you have 15 extra minutes (45 in all), 1 extra attempt (4 in all)"
    )
    expect(page.get_by_text("Staff-only reason.")).to_have_count(0)
    assert not page_scrolls_sideways(page)
    screenshot(page, "accommodation-intro-390")
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("[data-timer-text]").first).to_contain_text("44:")
    assert not page.js_errors, page.js_errors
