"""Authors edit pages, questions, cases and checklists in the admin under its strict script policy.

The admin's policy lets no inline script run but Wagtail's own initialisers (core.middleware):
these tests open the editors in Chromium and use what those initialisers set up (choosers,
inline panels, the live preview), and fail on any console error, a blocked script included.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from certification.models import SkillChecklist
from courses.models import LessonPage
from quizzes.models import ClinicalCase, Question
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.worlds import committed_world
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def admin_page(page, curriculum_copy):
    # The editors need a lesson with a table (module 1), a question, the published case and the
    # checklists; the other modules keep only their objectives, which the case's questions name.
    course = curriculum_copy / "hemifacial-spasm"
    for module in course.glob("0[234]-*"):
        for path in [*module.glob("*.md"), module / "quiz.toml"]:
            path.unlink(missing_ok=True)
    for case in course.glob("05-*/constructed-*.case.toml"):
        case.unlink()
    committed_world(
        "curriculum: module 1 and the published case",
        lambda: call_command("load_curriculum", root=curriculum_copy, verbosity=0),
        defined_in=__file__,
    )
    UserFactory(username="browser-admin", is_superuser=True, is_staff=True)
    sign_in(page, "browser-admin", PASSWORD)
    return page


def console_errors(page) -> list[str]:
    """The page's errors, less Handsontable's notice that it has no "en-gb" translation
    (the table editor works in English all the same)."""
    return [e for e in page.js_errors if "handsontable.com/i18n/missing-language-code" not in e]


def open_editor(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("form[data-edit-form]")
    page.wait_for_load_state("networkidle")


def assert_preview_shows(page, text: str) -> None:
    """Open the live preview panel and wait for `text` in its frame."""
    page.click('[data-side-panel-toggle="preview"]')
    frame = page.frame_locator("#w-preview-iframe")
    frame.get_by_text(text, exact=False).first.wait_for(timeout=20_000)


def choose_first(page, chooser) -> str:
    """Choose the first item a chooser's modal lists; the chosen title shows (its script ran)."""
    if chooser.locator(".unchosen").is_visible():
        chooser.locator(".unchosen [data-chooser-action-choose]").click()
    else:
        chooser.locator(".w-dropdown__toggle").click()
        chooser.locator(".w-dropdown__content [data-chooser-action-choose]").click()
    dialog = page.locator(".modal-dialog")
    choice = dialog.locator("a[data-chooser-modal-choice]").first
    title = choice.inner_text().strip()
    choice.click()
    dialog.wait_for(state="hidden")
    assert chooser.locator("[data-chooser-title]").inner_text().strip() == title
    return title


def test_lesson_editor_works_and_previews_under_the_admin_policy(admin_page):
    page = admin_page
    # A lesson with a table: its editor (Handsontable) is the admin's largest third-party script.
    lesson = next(
        lesson
        for lesson in LessonPage.objects.live().order_by("path")
        if any(block.block_type == "table" for block in lesson.body)
    )
    open_editor(page, f"/admin/pages/{lesson.pk}/edit/")
    expect(page.locator(".Draftail-Editor").first).to_be_visible()
    page.locator(".handsontable").first.wait_for()
    assert_preview_shows(page, lesson.title)
    screenshot(page, "admin-lesson-editor", full_page=False)
    assert console_errors(page) == []


def test_question_editor_works_and_previews_under_the_admin_policy(admin_page):
    page = admin_page
    question = Question.objects.filter(question_type="single_choice").first()
    open_editor(page, f"/admin/snippets/quizzes/question/edit/{question.pk}/")
    assert_preview_shows(page, "Question preview")
    choose_first(page, page.locator("#id_source-chooser"))
    options = page.locator("#id_options-FORMS > [data-inline-panel-child]:visible")
    before = options.count()
    page.click("#id_options-ADD")
    assert options.count() == before + 1
    screenshot(page, "admin-question-editor", full_page=False)
    assert console_errors(page) == []


def test_case_editor_works_and_previews_under_the_admin_policy(admin_page):
    page = admin_page
    case = ClinicalCase.objects.first()
    open_editor(page, f"/admin/snippets/quizzes/clinicalcase/edit/{case.pk}/")
    assert_preview_shows(page, case.title)
    stages = page.locator("#id_stages-FORMS > [data-inline-panel-child]:visible")
    before = stages.count()
    page.click("#id_stages-ADD")
    assert stages.count() == before + 1
    screenshot(page, "admin-case-editor", full_page=False)
    assert console_errors(page) == []


def test_a_chooser_in_a_newly_added_inline_form_works(admin_page):
    page = admin_page
    checklist = SkillChecklist.objects.first()
    open_editor(page, f"/admin/snippets/certification/skillchecklist/edit/{checklist.pk}/")
    items = page.locator("#id_items-FORMS > [data-inline-panel-child]:visible")
    before = items.count()
    page.click("#id_items-ADD")
    assert items.count() == before + 1
    choose_first(page, items.nth(before).locator(".chooser"))
    assert console_errors(page) == []


def test_no_inline_script_runs_on_the_essay_grading_page(page, tree):
    from courses.services import enrol
    from tests.factories import make_question, make_quiz, take_quiz

    quiz = make_quiz(tree.module, [make_question("essay")], slug="essay-quiz")
    trainee = UserFactory(username="browser-trainee")
    enrol(trainee, tree.course)
    essay = take_quiz(trainee, quiz, right=True).responses.get()
    UserFactory(username="browser-admin", is_superuser=True, is_staff=True)
    sign_in(page, "browser-admin", PASSWORD)

    page.goto(f"/admin/essay-grading/{essay.pk}/")
    page.wait_for_load_state("networkidle")
    assert console_errors(page) == []
    with pytest.raises(PlaywrightError, match="violates the following Content Security Policy"):
        page.add_script_tag(content="window.injectedScriptRan = true;")
    assert page.evaluate("window.injectedScriptRan") is None
