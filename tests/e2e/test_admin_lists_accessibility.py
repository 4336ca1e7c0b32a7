"""The staff lists and forms of the assessment admin, in Chromium: axe finds nothing at desktop
and tablet widths, and the accommodation form can be filled and sent from the keyboard alone."""

import pytest
from playwright.sync_api import expect

from core.roles import INSTRUCTORS, ensure_roles
from quizzes.models import QuizOverride
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_accessibility import axe_violations
from tests.factories import PASSWORD, UserFactory, build_tree, make_question, make_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TABLET = {"width": 768, "height": 1024}
DESKTOP = {"width": 1280, "height": 900}
PAGES = [
    "/admin/quizzes/accommodations/",
    "/admin/quizzes/accommodations/new/",
    "/admin/certification/accommodations/new/",
    "/admin/certification/certificates/",
    "/admin/certification/assessments/",
    "/admin/reports/item-statistics/",
]


def test_assessment_admin_pages_pass_axe_and_an_accommodation_is_made_by_keyboard(page):
    tree = build_tree(lessons=1)
    ensure_roles(tree.index)
    quiz = make_quiz(tree.module, [make_question()], attempts_allowed=2)
    learner = UserFactory(username="needs-more-time")
    UserFactory(username="a11y-instructor", groups=[INSTRUCTORS], is_staff=True)
    sign_in(page, "a11y-instructor", PASSWORD)

    problems = []
    for viewport in (DESKTOP, TABLET):
        page.set_viewport_size(viewport)
        for url in PAGES:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            problems += [f"{viewport['width']} px {url}: {found}" for found in axe_violations(page)]
        screenshot(page, f"admin-item-statistics-empty-{viewport['width']}")
    assert not problems, "\n".join(problems)

    # Keyboard only: each field is reached with Tab and set from the keyboard, then sent.
    page.set_viewport_size(DESKTOP)
    page.goto("/admin/quizzes/accommodations/new/")
    page.locator("#id_quiz").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_user"
    page.locator("#id_quiz").focus()
    page.locator("#id_quiz").select_option(str(quiz.pk))
    page.keyboard.press("Tab")
    page.locator("#id_user").select_option(str(learner.pk))
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_extra_attempts"
    page.keyboard.press("Control+a")
    page.keyboard.type("1")
    page.locator("#id_reason").focus()
    page.keyboard.type("Documented reading accommodation.")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("Learner accommodation 'needs-more-time — Module quiz' created")
    ).to_be_visible()
    screenshot(page, "admin-accommodations-after-keyboard-add", full_page=False)
    override = QuizOverride.objects.get(user=learner, quiz=quiz)
    assert override.extra_attempts == 1
    assert not page.js_errors, page.js_errors
