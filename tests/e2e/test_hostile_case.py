"""A case quiz imported from a file carrying the XSS payload corpus, taken and graded in Chromium:
no dialog opens, and no element or attribute the payloads would inject exists in the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from courses.services import enrol
from quizzes.models import Attempt, ClinicalCase, QuizPage
from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import PASSWORD, CompetencyFactory, UserFactory
from tests.quizzes.case_files import RICH_FIELDS, case_toml, import_case
from tests.quizzes.conftest import correct_fields

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# What payloads build when they get through: script and frames, handlers, script URLs.
INJECTED = """(scope) => {
    const found = [];
    for (const el of document.querySelectorAll(`${scope} *`)) {
        const tag = el.tagName.toLowerCase();
        if (["iframe", "frame", "object", "embed", "base", "meta"].includes(tag)) found.push(tag);
        if (tag === "script" && !(el.getAttribute("src") || "").startsWith("/static/")
            && el.type !== "application/json") found.push("inline script");
        for (const attr of el.attributes) {
            const value = attr.value.trim().toLowerCase();
            if (attr.name.startsWith("on") || attr.name === "srcdoc") found.push(`${tag}[${attr.name}]`);
            if (["href", "src", "action", "formaction"].includes(attr.name)
                && (value.startsWith("javascript:") || value.startsWith("data:text/html")))
                found.push(`${tag}[${attr.name}=${value.slice(0, 30)}]`);
        }
    }
    return found;
}"""


def check(page, dialogs: list[str], where: str, scope: str = "main") -> None:
    """No dialog, no console error (a script the policy blocked included), nothing injected in
    `scope` (the admin editor's own frames and initialisers sit outside its editors)."""
    page.wait_for_load_state("networkidle")
    assert dialogs == [], f"{where}: a payload opened a dialog"
    assert page.evaluate(INJECTED, scope) == [], where
    assert page.js_errors == [], where


def test_a_case_quiz_from_a_hostile_file_runs_none_of_its_payloads(page, corpora, tmp_path):
    tree = build_tree(lessons=1)
    CompetencyFactory(code="HFS-K1")
    lines = (
        (corpora / "payloadbox_xss-payload-list.txt")
        .read_text(encoding="utf-8", errors="replace")
        .split("\n")
    )
    share = {name: lines[i :: len(RICH_FIELDS)] for i, name in enumerate(RICH_FIELDS)}
    import_case(
        tmp_path / "hostile.case.toml",
        case_toml(
            "hostile-case",
            rich=lambda name: "\n\n".join([f"Marker-{name}", *share[name]]),
            plain=lambda text: (
                text + ' <script>alert("plain")</script><img src=x onerror=alert(1)>'
            ),
            findings=[line.strip() for line in lines[:100] if line.strip()],
        ),
        tree.module,
    )
    quiz = QuizPage.objects.get(slug="hostile-case")
    enrol(UserFactory(username="case-trainee"), tree.course)
    UserFactory(username="case-grader", is_superuser=True, is_staff=True)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, "case-trainee", PASSWORD)
    page.goto(quiz.url)
    expect(page.get_by_text("Marker-summary")).to_be_visible()
    check(page, dialogs, "quiz intro")
    page.get_by_role("button", name="Start the quiz").click()
    attempt = Attempt.objects.get(quiz=quiz)
    expect(page.get_by_text("Marker-narrative-1")).to_be_visible()
    check(page, dialogs, "stage 1")
    first = attempt.responses.get(stage=1)
    token = correct_fields(first)[f"q{first.position}"]
    page.locator(f"#question-{first.position} input[value='{token}']").check()
    page.get_by_role("button", name="continue to stage 2").click()
    expect(page.get_by_text("Marker-narrative-2")).to_be_visible()
    check(page, dialogs, "stage 2")
    essay = attempt.responses.get(stage=2)
    page.locator(f"textarea[name=q{essay.position}]").fill(
        "It spread along the nerve. <script>alert('learner')</script><svg onload=alert(2)>"
    )
    page.get_by_role("button", name="Finish and review before submitting").click()
    page.get_by_role("button", name="Submit and see my result").click()
    expect(page.get_by_role("table", name="Score by stage")).to_be_visible()
    check(page, dialogs, "result")
    screenshot(page, "hostile-case-result", full_page=False)

    # The admin, whose pages may run the admin's own scripts: grading and the case editor.
    page.context.clear_cookies()
    sign_in(page, "case-grader", PASSWORD)
    page.goto(f"/admin/essay-grading/{essay.pk}/")
    expect(page.get_by_text("Marker-model-answer-2")).to_be_visible()
    check(page, dialogs, "essay grading")
    case = ClinicalCase.objects.get(key="hostile-case")
    page.goto(f"/admin/snippets/quizzes/clinicalcase/edit/{case.pk}/")
    page.wait_for_selector("form[data-edit-form]")
    expect(page.locator(".Draftail-Editor").first).to_be_visible()
    check(page, dialogs, "case editor", scope=".Draftail-Editor")
