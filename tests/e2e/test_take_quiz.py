"""A trainee takes a module quiz in the browser, with autosave, and passes it."""

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from courses.services import enrol
from quizzes.models import Attempt
from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import PASSWORD, UserFactory, make_question, make_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_trainee_takes_and_passes_a_module_quiz(page):
    tree = build_tree(lessons=1)
    quiz = make_quiz(
        tree.module,
        [
            make_question("single_choice"),
            make_question("numeric"),
            make_question("ordering"),
            make_question("short_answer"),
        ],
        time_limit_minutes=20,
    )
    enrol(UserFactory(username="quiz-taker"), tree.course)

    sign_in(page, "quiz-taker", PASSWORD)
    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()
    expect(page.locator("[data-timer]")).to_be_visible()

    page.get_by_label("Under 10 mm").check()
    page.get_by_label("Your answer").first.fill("10")
    for place, item in enumerate(["Neck", "Skull base", "Face"], start=1):
        page.get_by_label(item, exact=True).select_option(str(place))
    page.locator("input[name=q4]").fill("Orbicularis oculi")
    page.locator("input[name=q4]").blur()
    expect(page.locator("[data-save-status]")).to_have_text(re.compile(r"^Saved \d"))
    attempt = Attempt.objects.get()
    assert attempt.responses.filter(answer__isnull=False).count() == 4, (
        "autosave stored the answers"
    )

    page.reload()
    assert page.get_by_label("Under 10 mm").is_checked(), "answers survive a reload"

    page.get_by_role("button", name="Finish and review before submitting").click()
    expect(page.get_by_text("You have answered 4 of 4 questions.")).to_be_visible()
    page.get_by_role("button", name="Submit and see my result").click()

    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    expect(page.get_by_text("100%").first).to_be_visible()
    screenshot(page, "quiz-result")
    assert page.js_errors == []


def test_a_save_still_in_flight_when_the_trainee_finishes_is_dropped_without_an_error(page):
    """The form being submitted carries every answer; a late autosave must not surface an error."""
    tree = build_tree(lessons=1)
    quiz = make_quiz(tree.module, [make_question("single_choice")])
    enrol(UserFactory(username="quick-finisher"), tree.course)
    sign_in(page, "quick-finisher", PASSWORD)
    held = []

    def hold_autosave(route) -> None:  # the page's autosave is sent but gets no reply yet
        if route.request.resource_type == "fetch":
            held.append(route)
        else:
            route.continue_()

    page.route("**/save/", hold_autosave)
    page.goto(quiz.url)
    # Wait for the attempt page to load: its autosave listener is attached once the page has loaded.
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Under 10 mm").check()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "checking an answer sent an autosave"
    page.get_by_role("button", name="Finish and review before submitting").click()
    # The page's requests pass through the route above, so wait for the next page to arrive.
    expect(page.get_by_text("You have answered 1 of 1 question.")).to_be_visible()
    for route in held:
        # The browser has dropped the request, as it should: continuing it may fail.
        with contextlib.suppress(PlaywrightError):
            route.continue_()
    page.unroute("**/save/")
    page.get_by_role("button", name="Submit and see my result").click()
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    assert page.js_errors == []
