"""At the chair side on a 768 px touch screen: an accepted request is assessed and signed, a
second assessor countersigns, and only then is the certificate issued. And an approved external
supervisor completes an assessment through a link, with no account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from certification.external_links import issue_link, link_token
from certification.models import (
    AssessmentRequest,
    Certificate,
    ChecklistItem,
    ExternalAssessor,
    ExternalAssessorStatus,
    Programme,
    RequestStatus,
)
from core.roles import ASSESSORS, ensure_roles
from tests.certification.conftest import finish_course
from tests.conftest import build_tree
from tests.e2e.conftest import screenshot, sign_in
from tests.factories import PASSWORD, UserFactory, make_checklist, make_question, make_quiz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

TABLET = {"width": 768, "height": 1024}


def touch_page(page, live_server):
    """A new 768x1024 touch context (a tablet held upright) and its page."""
    context = page.context.browser.new_context(
        base_url=live_server.url, viewport=TABLET, has_touch=True, is_mobile=True
    )
    tablet = context.new_page()
    tablet.set_default_timeout(15_000)
    errors: list[str] = []
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tablet.js_errors = errors
    return tablet


def safety_programme():
    tree = build_tree(lessons=1)
    ensure_roles(tree.index)
    quiz = make_quiz(tree.module, [make_question()])
    checklist = make_checklist("needling", safety=True)
    checklist.requires_countersign = True
    checklist.save()
    checklist.save_revision().publish()
    ChecklistItem.objects.filter(checklist=checklist).update(guidance="Watch the needle depth.")
    programme = Programme.objects.create(key="safe", title="Safe needling", validity_months=24)
    programme.required_courses = [tree.course]
    programme.required_quizzes = [quiz]
    programme.required_checklists = [checklist]
    programme.save()
    programme.quiz = quiz
    return tree, programme, checklist


def record_all_met(tablet) -> None:
    """Tap Met on every item and a passing rating, waiting for each save."""
    for item in tablet.locator("fieldset.assess-item").all():
        item.get_by_text("Met", exact=True).tap()
        expect(item.get_by_role("radio", name="Met", exact=True)).to_be_checked()
    tablet.get_by_role("group", name="Global rating").get_by_text("5", exact=True).tap()
    expect(tablet.locator("[data-save-status]")).to_contain_text("Saved")


def test_a_request_is_assessed_on_a_tablet_countersigned_and_only_then_certified(page, live_server):
    tree, programme, checklist = safety_programme()
    trainee = UserFactory(username="chair-trainee", first_name="Mei", last_name="Tan")
    finish_course(trainee, tree, programme)
    first = UserFactory(username="first-assessor", groups=[ASSESSORS])
    UserFactory(username="second-assessor", groups=[ASSESSORS])

    # The trainee asks the first assessor, from their own browser.
    asking = page.context.browser.new_context(base_url=live_server.url)
    learner = asking.new_page()
    learner.set_default_timeout(15_000)
    sign_in(learner, "chair-trainee", PASSWORD)
    learner.goto(f"/learn/assessments/request/?checklist={checklist.pk}")
    learner.locator("#id_assessor-assessor").select_option(str(first.pk))
    learner.get_by_role("button", name="Send request").click()
    expect(learner).to_have_url(re.compile(r"/learn/assessments/$"))
    expect(learner.get_by_text(checklist.title).first).to_be_visible()
    asking.close()
    assert AssessmentRequest.objects.get().status == RequestStatus.PENDING

    # The assessor accepts it from their queue, on the tablet, and starts.
    tablet = touch_page(page, live_server)
    sign_in(tablet, "first-assessor", PASSWORD)
    tablet.goto("/assess/")
    tablet.get_by_role("button", name=f"Accept Mei Tan, {checklist.title}").tap()
    expect(
        tablet.get_by_role("link", name=f"Start the assessment of Mei Tan, {checklist.title}")
    ).to_be_visible()
    assert AssessmentRequest.objects.get().status == RequestStatus.ACCEPTED
    tablet.goto("/assess/start/")
    tablet.get_by_role("button", name="Start the assessment of Mei Tan").tap()
    expect(tablet.get_by_role("heading", level=1)).to_have_text(checklist.title)
    expect(tablet.locator("#item-2-guidance")).to_contain_text("Watch the needle depth.")

    # The connection drops: the change is kept and sent once it returns.
    tablet.context.set_offline(True)
    tablet.locator("#item-1").get_by_text("Not observed", exact=True).tap()
    expect(tablet.locator("[data-save-status]")).to_contain_text("will retry")
    tablet.context.set_offline(False)
    expect(tablet.locator("[data-save-status]")).to_contain_text("Saved", timeout=20_000)

    record_all_met(tablet)
    screenshot(tablet, "chair-side-assessment-tablet")
    tablet.get_by_role("button", name="Review and sign").tap()
    expect(tablet.get_by_text("Mei Tan passed")).to_be_visible()
    tablet.get_by_role("button", name="Yes, sign it").tap()
    expect(tablet.get_by_text("Signed: Mei Tan passed.")).to_be_visible()
    expect(tablet.get_by_text("counts once a second assessor countersigns")).to_be_visible()
    assert not Certificate.objects.filter(user=trainee).exists()
    assert AssessmentRequest.objects.get().status == RequestStatus.COMPLETED

    sign_in(page, "second-assessor", PASSWORD)
    page.goto("/assess/countersign/")
    page.get_by_role("link", name="Review and countersign").click()
    expect(page.get_by_role("heading", name="Must-pass items")).to_be_visible()
    page.get_by_label("Comment (optional)").fill("Depth checked.")
    page.get_by_role("button", name="Countersign").click()
    expect(page.get_by_text("Countersigned:")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for your countersignature.")).to_be_visible()
    assert Certificate.objects.filter(user=trainee, programme=programme).count() == 1
    # The only error allowed: the save attempted while offline.
    errors = [e for e in page.js_errors + tablet.js_errors if "INTERNET_DISCONNECTED" not in e]
    assert not errors, errors


def test_an_approved_external_supervisor_assesses_through_the_link(page, live_server):
    _, _, checklist = safety_programme()
    trainee = UserFactory(username="linked-trainee", first_name="Ola", last_name="Berg")
    supervisor = ExternalAssessor.objects.create(
        name="Dr Ada Lin",
        email="ada@example.org",
        registration_body="Acupuncture Council",
        registration_number="AC-1234",
        status=ExternalAssessorStatus.APPROVED,
    )
    asked = AssessmentRequest.objects.create(
        trainee=trainee, external_assessor=supervisor, checklist=checklist
    )
    token = link_token(issue_link(asked, by=None))

    tablet = touch_page(page, live_server)
    tablet.goto(f"/assess/external/{token}/")
    expect(tablet.get_by_label("Registration number")).to_have_value("AC-1234")
    tablet.get_by_label("I am this supervisor").check()
    tablet.get_by_role("button", name="Confirm and start").tap()
    expect(tablet.get_by_text("Observed assessment for Dr Ada Lin")).to_be_visible()
    record_all_met(tablet)
    tablet.get_by_role("button", name="Review and sign").tap()
    tablet.get_by_role("button", name="Yes, sign it").tap()
    expect(tablet.get_by_text("this link no longer works")).to_be_visible()
    assert not tablet.js_errors, tablet.js_errors
    tablet.goto(f"/assess/external/{token}/")
    expect(tablet.get_by_text("This link has been used")).to_be_visible()
