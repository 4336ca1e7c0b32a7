"""Enrol, read the lessons, pass the module quiz: the module completes and the bar moves."""

import pytest
from playwright.sync_api import expect

from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import PASSWORD, UserFactory, make_question, make_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def course_bar(page) -> int:
    return int(page.get_by_role("progressbar", name="Course progress").get_attribute("value"))


def test_enrol_read_pass_and_see_the_module_complete(page):
    tree = build_tree(lessons=2)
    quiz = make_quiz(tree.module, [make_question("single_choice")])
    UserFactory(username="journey")

    sign_in(page, "journey", PASSWORD)
    page.goto(tree.course.url)
    page.get_by_role("button", name="Enrol in this course").click()
    expect(page.locator("h1")).to_have_text("Lesson 1")

    page.get_by_role("button", name="Mark as complete and continue").click()
    expect(page.locator("h1")).to_have_text("Lesson 2")
    page.goto(tree.course.url)
    first = course_bar(page)
    assert 0 < first < 100

    page.goto(tree.lessons[1].url)
    page.get_by_role("button", name="Mark as complete and continue").click()
    assert page.url.endswith(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Under 10 mm").check()
    page.get_by_role("button", name="Finish and review before submitting").click()
    page.get_by_role("button", name="Submit and see my result").click()
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()

    page.goto(tree.module.url)
    expect(page.get_by_text("Module complete")).to_be_visible()
    assert page.get_by_role("progressbar", name="Module progress").get_attribute("value") == "100"
    page.goto(tree.course.url)
    assert course_bar(page) == 100 > first
    screenshot(page, "course-complete")
    page.goto("/learn/")
    expect(page.get_by_role("heading", name="Completed courses")).to_be_visible()
    assert page.js_errors == []
