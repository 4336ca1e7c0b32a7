"""A trainee signs in, enrols, and opens a lesson from the home page (screenshot kept)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.worlds import load_curriculum
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_trainee_signs_in_and_opens_a_lesson_from_the_home_page(page):
    load_curriculum()
    UserFactory(username="browser-trainee")

    sign_in(page, "browser-trainee", PASSWORD)
    page.goto("/")
    page.get_by_role(
        "link", name="Hemifacial spasm: assessment and mini-blade needling"
    ).first.click()
    page.get_by_role("button", name="Enrol in this course").click()
    page.goto("/")
    page.get_by_role("link", name="Next: What hemifacial spasm is and who gets it").click()

    expect(page.locator("h1")).to_have_text("What hemifacial spasm is and who gets it")
    expect(page.get_by_text("Sources cited")).to_be_visible()
    expect(page.get_by_text("Educational material, not medical advice.")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    path = screenshot(page, "lesson-page")
    assert path.stat().st_size > 10_000
    assert page.js_errors == []
