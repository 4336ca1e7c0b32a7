"""A 390 px phone: a compact header, the quiz's attempt bar in view, tables that can be read."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from certification.models import Clinic, ClinicMembership, ClinicRole
from certification.services import assign_programme
from courses.services import enrol
from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.layout import (
    PHONE,
    assert_attempt_bar_in_view,
    assert_lands_below_attempt_bar,
    box,
    page_scrolls_sideways,
)
from tests.factories import (
    PASSWORD,
    UserFactory,
    make_home,
    make_programme,
    make_question,
    make_quiz,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LONG_MATCHES = [
    ("Liver qi stagnation", False, "", "Disrupted flow that builds tension and spasm in the face"),
    ("Liver wind", False, "", "Erratic, involuntary movement that comes and goes without warning"),
    ("Liver blood deficiency", False, "", "Poor nourishment that slowly weakens muscle control"),
]


def test_on_a_phone_the_attempt_bar_stays_in_view_below_a_compact_header(page):
    tree = build_tree(lessons=1)
    quiz = make_quiz(
        tree.module,
        [
            make_question("single_choice"),
            make_question("numeric"),
            make_question("matching", options=LONG_MATCHES),
            make_question("ordering"),
            make_question("multiple_response"),
            make_question("short_answer"),
        ],
        time_limit_minutes=30,
    )
    enrol(UserFactory(username="phone-trainee"), tree.course)
    page.set_viewport_size(PHONE)
    sign_in(page, "phone-trainee", PASSWORD)
    page.goto(quiz.url)
    page.get_by_role("button", name="Start the quiz").click()

    assert box(page, ".site-header")["height"] <= 80, "the header is not compact on a phone"
    my_learning = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My learning"
    )
    expect(my_learning, "the menu starts collapsed").to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    expect(my_learning).to_be_visible()
    page.keyboard.press("Escape")
    expect(my_learning).to_be_hidden()
    assert menu.get_attribute("aria-expanded") == "false"

    assert_attempt_bar_in_view(page)
    page.locator("#question-6").scroll_into_view_if_needed()
    assert_attempt_bar_in_view(page)
    expect(page.locator("[data-timer]")).to_be_visible()
    assert not page_scrolls_sideways(page)

    matching = page.locator("#question-3")
    for prompt, _correct, _feedback, answer in LONG_MATCHES:
        listed = matching.locator(".matching__answers li", has_text=answer)
        listed.scroll_into_view_if_needed()
        shown = listed.bounding_box()
        assert shown["x"] >= 0 and shown["x"] + shown["width"] <= PHONE["width"], answer
        assert answer in listed.inner_text(), "a long answer is cut short"
        lettered = " ".join(listed.text_content().split())
        matching.get_by_label(prompt, exact=True).select_option(label=lettered)
    screenshot(page, "phone-quiz-attempt", full_page=False)
    assert page.js_errors == []

    page.locator("input[name=q2]").fill("about five")
    page.get_by_role("button", name="Save answers").click()
    page.get_by_role("link", name="Question 2").click()
    assert_lands_below_attempt_bar(page, "#question-2")
    screenshot(page, "phone-quiz-error-link", full_page=False)
    assert all("400 (Bad Request)" in error for error in page.js_errors), (
        "only the refused save (a slip in question 2) may be reported"
    )


def test_on_a_phone_the_clinic_dashboard_status_column_can_be_reached(page):
    tree = build_tree(lessons=1)
    clinic = Clinic.objects.create(name="Riverside Integrative Clinic", slug="riverside")
    manager = UserFactory(username="phone-manager", groups=["Clinic managers"])
    ClinicMembership.objects.create(clinic=clinic, user=manager, role=ClinicRole.MANAGER)
    staff = [
        UserFactory(
            username=f"staff-{n}", first_name="Maximiliana", last_name="Oyelaran-Featherstonehaugh"
        )
        for n in range(3)
    ]
    for user in staff:
        ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.STAFF)
    programme = make_programme("prog", "HFS mini-blade practitioner", courses=[tree.course])
    assign_programme(
        clinic, manager, staff, programme, (timezone.now() + timedelta(days=30)).date()
    )

    page.set_viewport_size(PHONE)
    sign_in(page, "phone-manager", PASSWORD)
    page.goto("/clinics/riverside/")
    region = page.get_by_role("region", name="Staff by programme")
    table = region.get_by_role("table", name="3 staff members")
    status = table.locator("tbody tr").first.locator("td").last.locator(".status")
    assert not page_scrolls_sideways(page), "the page itself scrolls sideways"
    assert region.get_attribute("tabindex") == "0", "keyboard users cannot scroll the table"
    shown = region.bounding_box()
    assert shown["x"] >= 0 and shown["x"] + shown["width"] <= PHONE["width"]

    status.scroll_into_view_if_needed()
    cell = status.bounding_box()
    assert cell["x"] >= 0 and cell["x"] + cell["width"] <= PHONE["width"], (
        "the status column cannot be brought into view"
    )
    assert status.inner_text().strip()
    screenshot(page, "phone-clinic-dashboard", full_page=False)
    assert page.js_errors == []


def test_without_javascript_the_phone_menu_stays_open_and_the_header_scrolls_away(
    page, live_server
):
    make_home()
    context = page.context.browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    plain = context.new_page()
    plain.goto("/")
    expect(
        plain.get_by_role("navigation", name="Main").get_by_role("link", name="Courses")
    ).to_be_visible()
    expect(plain.get_by_role("search", name="Site")).to_be_visible()
    expect(plain.get_by_role("button", name="Menu")).to_be_hidden()
    assert (
        plain.evaluate("getComputedStyle(document.querySelector('.site-header')).position")
        != "sticky"
    )
    context.close()
