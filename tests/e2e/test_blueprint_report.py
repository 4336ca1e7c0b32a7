"""Reports > Blueprint in Chromium: the flags are visible and axe finds nothing, at 1280 and 390 px."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from core.roles import INSTRUCTORS, ensure_roles
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.layout import DESKTOP, PHONE, page_scrolls_sideways
from tests.factories import (
    PASSWORD,
    UserFactory,
    build_tree,
    make_objective,
    make_question,
    make_quiz,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_blueprint_report_renders_flags_and_passes_axe(page):
    tree = build_tree(lessons=1)
    ensure_roles(tree.index)
    assessed = make_objective(tree.module, key="refer", text="Decide when to refer a patient.")
    make_objective(tree.module, key="depth", text="Keep insertion under the depth limit.")
    tagged = make_question(key="refer-q", title="Referral after a head injury", level="decision")
    tagged.objectives = [assessed]
    tagged.save()
    loose = make_question(key="loose-q", title="Diameter of the needle in the case")
    quiz = make_quiz(tree.module, [tagged, loose])
    UserFactory(username="blueprint-instructor", groups=[INSTRUCTORS], is_staff=True)

    sign_in(page, "blueprint-instructor", PASSWORD)
    page.goto(f"/admin/reports/blueprint/?scope=quiz-{quiz.pk}")
    expect(page.get_by_role("heading", name="Blueprint").first).to_be_visible()
    expect(page.get_by_text("1 objective no question assesses")).to_be_visible()
    expect(page.get_by_text("1 question tied to no objective")).to_be_visible()
    expect(page.get_by_role("link", name="Referral after a head injury")).to_be_visible()
    problems = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        screenshot(page, f"admin-blueprint-{viewport['width']}")
        assert not page_scrolls_sideways(page), f"the page scrolls sideways at {viewport}"
        found = Axe().run(page, context="main", options={"resultTypes": ["violations"]})
        problems += [
            f"{viewport['width']} px: {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in found.response["violations"]
        ]
    assert not problems, "\n".join(problems)
    assert not page.js_errors, page.js_errors
