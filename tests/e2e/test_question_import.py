"""An instructor imports a GIFT file full of XSS payloads through the admin's preview in
Chromium: the preview lists the questions, confirming imports them, the imported question's
preview runs none of the payloads, and axe finds nothing on the import pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.roles import INSTRUCTORS, ensure_roles
from quizzes.models import Question
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.test_accessibility import axe_violations
from tests.e2e.test_hostile_case import check
from tests.factories import PASSWORD, SourceFactory, UserFactory, build_tree

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

QUESTIONS = 12
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def gift_escape(text: str) -> str:
    """`text` as GIFT reads it literally (its special characters escaped)."""
    text = text.replace("\\", "\\\\")
    for special in "~=#{}:":
        text = text.replace(special, "\\" + special)
    return text


def hostile_gift(payloads: list[str]) -> str:
    """Questions whose stem, answers, feedback and general feedback each carry a payload."""
    blocks = []
    for n in range(QUESTIONS):
        p = [gift_escape(payloads[(4 * n + i) % len(payloads)]) for i in range(4)]
        blocks.append(
            f"::Hostile question {n}::[html]<p>Marker-stem-{n} {p[0]}</p>"
            f"{{=Right {p[1]}#Fine {p[2]} ~Wrong {p[2]}#No {p[1]} ####Marker-general {p[3]}}}"
        )
    return "$CATEGORY: $course$/top/Hostile\n\n" + "\n\n".join(blocks) + "\n"


def audit(page, where: str) -> list[str]:
    found = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        found += [f"{where} at {viewport['width']} px: {v}" for v in axe_violations(page)]
    page.set_viewport_size(DESKTOP)
    return found


def test_an_instructor_imports_a_hostile_gift_file_through_its_preview(page, corpora, tmp_path):
    tree = build_tree(lessons=1)
    ensure_roles(tree.index)
    SourceFactory(title="Clinic question bank")
    UserFactory(username="import-instructor", groups=[INSTRUCTORS], is_staff=True)
    lines = (corpora / "payloadbox_xss-payload-list.txt").read_text(errors="replace").split("\n")
    payloads = [line.strip() for line in lines if line.strip()]
    path = tmp_path / "hostile.gift.txt"
    path.write_text(hostile_gift(payloads), encoding="utf-8")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    problems: list[str] = []

    sign_in(page, "import-instructor", PASSWORD)
    page.goto("/admin/question-bank/import/")
    expect(page.get_by_role("heading", name="Import questions")).to_be_visible()
    problems += audit(page, "upload form")
    page.get_by_label("Question file").set_input_files(str(path))
    page.get_by_label("Category").fill("Moodle")
    page.get_by_label("Source").select_option(label="Clinic question bank")
    page.get_by_role("button", name="Preview the import").click()

    expect(page.locator("main p[role=status]")).to_contain_text(f"{QUESTIONS} imported, 0 updated")
    expect(page.get_by_role("cell", name="Hostile question 0", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Moodle / Hostile").first).to_be_visible()
    check(page, dialogs, "import preview")
    problems += audit(page, "import preview")
    screenshot(page, "admin-question-import-preview")
    expect(page.get_by_role("button", name=f"Import {QUESTIONS} questions")).to_be_enabled()
    assert Question.objects.count() == 0

    page.get_by_role("button", name=f"Import {QUESTIONS} questions").click()
    expect(page.get_by_role("heading", name="Imported hostile.gift.txt")).to_be_visible()
    expect(page.locator("main p[role=status]")).to_contain_text(f"{QUESTIONS} imported, 0 updated")
    check(page, dialogs, "import done")
    problems += audit(page, "import done")
    assert Question.objects.filter(live=False).count() == QUESTIONS

    page.get_by_role("link", name="Preview Hostile question 0").click()
    expect(page.get_by_text("Marker-stem-0").first).to_be_visible()
    expect(page.get_by_text("Marker-general").first).to_be_visible()
    check(page, dialogs, "imported question preview")
    assert not problems, "\n".join(problems)
