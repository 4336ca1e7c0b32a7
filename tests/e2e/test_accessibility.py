"""axe-core over the key pages, at desktop and phone widths: no violation of any impact.

axe's engine comes from the axe-playwright-python package (pip, no npm) and is injected into
each page by Playwright. Screenshots of every page at both widths go to test-results/.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from certification.models import Certificate
from courses.models import CoursePage, LessonPage
from quizzes.models import Attempt, QuizPage
from tests.e2e.answering import answer_correctly
from tests.e2e.conftest import screenshot, sign_in
from tests.e2e.layout import DESKTOP, PHONE, page_scrolls_sideways
from tests.e2e.worlds import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# axe's default rules (WCAG 2.x A and AA, and best practices) plus the experimental rules that
# apply to these pages, such as label-content-name-mismatch (WCAG 2.5.3).
EXPERIMENTAL_RULES = (
    "label-content-name-mismatch",
    "p-as-heading",
    "table-fake-caption",
    "td-has-header",
    "css-orientation-lock",
)
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {rule: {"enabled": True} for rule in EXPERIMENTAL_RULES},
}
AXE = Axe()
# Full-page screenshots (kept in test-results/) of the pages people use most, at both widths.
SCREENSHOTS_OF = {"home", "lesson", "quiz-attempt", "case-stage", "learn", "clinic-dashboard"}


def axe_violations(page) -> list[str]:
    found = AXE.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
        for v in found
    ]


class Audit:
    """Runs axe on the current page at each width and collects what it finds."""

    def __init__(self, page):
        self.page = page
        self.problems: dict[str, list[str]] = {}

    def check(self, name: str) -> None:
        for viewport in (DESKTOP, PHONE):
            self.page.set_viewport_size(viewport)
            where = f"{name} at {viewport['width']} px"
            found = axe_violations(self.page)
            if viewport is PHONE and page_scrolls_sideways(self.page):
                found.append("the page scrolls sideways: something is wider than the screen")
            if found:
                self.problems[where] = found
            if name in SCREENSHOTS_OF:
                screenshot(self.page, f"a11y-{name}-{viewport['width']}")
        self.page.set_viewport_size(DESKTOP)

    def report(self) -> str:
        return "\n".join(
            f"{where}:\n  " + "\n  ".join(found) for where, found in self.problems.items()
        )


def test_key_pages_have_no_axe_violations_at_desktop_and_phone_widths(page, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    load_demo()
    learner = get_user_model().objects.get(username="priya")
    course = CoursePage.objects.get(slug="hemifacial-spasm")
    lesson = LessonPage.objects.live().descendant_of(course).order_by("path").first()
    quiz = QuizPage.objects.live().descendant_of(course).filter(case__isnull=True)
    quiz = quiz.order_by("path").first()
    case_quiz = QuizPage.objects.get(case__key="hfs-mini-ren-snan-2018")
    submitted = Attempt.objects.filter(user=learner, submitted_at__isnull=False)
    result = submitted.filter(quiz=quiz).first()
    case_result = submitted.filter(quiz=case_quiz).first()
    certificate = Certificate.objects.filter(revoked_at__isnull=True).order_by("-issued_at")[0]
    audit = Audit(page)

    page.goto("/")
    audit.check("home-anonymous")
    page.goto(course.url)
    audit.check("course-anonymous")
    page.goto(f"/certificates/{certificate.code}/")
    audit.check("certificate-verification")
    page.goto("/accounts/login/")
    audit.check("login")

    sign_in(page, "priya", DEMO_PASSWORD)
    page.goto("/")
    audit.check("home")
    page.goto(course.url)
    audit.check("course")
    page.goto(lesson.url)
    audit.check("lesson")
    page.goto(lesson.get_parent().url)
    audit.check("module")
    page.goto(quiz.url)
    audit.check("quiz-intro")
    page.goto("/search/?q=spasm")
    audit.check("search")
    page.goto("/learn/")
    audit.check("learn")
    page.goto(f"{quiz.url}attempt/{result.pk}/result/")
    audit.check("quiz-result")
    page.goto(f"{case_quiz.url}attempt/{case_result.pk}/result/")
    audit.check("case-result")

    page.goto(quiz.url)
    page.get_by_role("button", name="Start attempt").click()
    audit.check("quiz-attempt")

    page.goto(case_quiz.url)
    page.get_by_role("button", name="Start attempt").click()
    attempt = Attempt.objects.get(user=learner, quiz=case_quiz, submitted_at__isnull=True)
    for response in attempt.responses.filter(stage=1):
        answer_correctly(page, response)
    page.get_by_role("button", name="continue to stage 2").click()
    expect(page.locator("#stage-2-title")).to_be_visible()
    audit.check("case-stage")

    page.context.clear_cookies()
    sign_in(page, "manager", DEMO_PASSWORD)
    page.goto("/clinics/riverside/")
    audit.check("clinic-dashboard")

    assert not audit.problems, "axe found accessibility problems:\n" + audit.report()
    assert page.js_errors == []
