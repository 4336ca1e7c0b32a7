"""The demo instructor reads Reports > Item statistics for a demo quiz at desktop and phone widths,
sorts it from the keyboard and sends a flagged question back to Clinical review."""

import pytest
from playwright.sync_api import expect

from quizzes.models import QuizPage
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.layout import DESKTOP, PHONE
from tests.e2e.test_accessibility import axe_violations
from tests.e2e.worlds import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUIZ = "Module quiz: needle safety and the treatment session"


def test_instructor_reads_sorts_and_acts_on_the_item_statistics_of_a_demo_quiz(page, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    load_demo()
    sign_in(page, "instructor", DEMO_PASSWORD)

    page.goto("/admin/reports/item-statistics/")
    page.get_by_label("Quiz", exact=True).select_option(label=QUIZ)
    page.get_by_role("button", name="Show statistics").click()
    page.wait_for_url("**quiz=*")

    chart = page.locator("figure.item-statistics-chart svg")
    expect(chart).to_be_visible()
    points = chart.locator("g.chart-point")
    assert points.count() >= 8, "the demo cohort should give most questions a point"
    assert chart.locator("g.chart-point--flagged").count() >= 1
    rows = page.locator("table.item-statistics-table tbody tr")
    assert rows.count() == QuizPage.objects.get(title=QUIZ).fixed_questions.count()
    assert page.locator("tr.item-flagged").count() >= 1
    attempts = page.locator(".item-statistics-figures dd").first.inner_text()
    assert int(attempts) >= 40

    problems = {}
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        found = axe_violations(page)
        if found:
            problems[viewport["width"]] = found
        screenshot(page, f"item-statistics-{viewport['width']}")
        page.locator("table.item-statistics-table").scroll_into_view_if_needed()
        screenshot(page, f"item-statistics-table-{viewport['width']}", full_page=False)
    assert not problems, problems
    page.set_viewport_size(DESKTOP)

    heading = page.locator("th[aria-sort] a", has_text="Facility")
    heading.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**ordering=facility*")
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Facility")
    values = [int(v.rstrip("%")) for v in rows.locator("td:nth-child(4)").all_inner_texts()]
    assert values == sorted(values)

    flagged = page.locator("tr.item-flagged").first
    flagged.get_by_role("button", name="Send back to Clinical review").click()
    expect(page.get_by_text("was sent back to Clinical review")).to_be_visible()
    expect(page.get_by_text("In Clinical review").first).to_be_visible()
    screenshot(page, "item-statistics-sent-to-review")
    assert not page.js_errors, page.js_errors
