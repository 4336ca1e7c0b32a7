"""An approved external supervisor assesses through a one-time link, without an account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certification.external_links import issue_link, link_token
from certification.forms import draft_fingerprint
from certification.models import (
    AssessmentRequest,
    AssessmentStatus,
    ExternalLink,
    RequestStatus,
    SkillAssessment,
)
from tests.certification.chairside import (  # noqa: F401  (fixtures)
    ROLES,
    all_met,
    checklist_fixture,
    client_as,
    external_request,
    people_fixture,
)

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
CONFIRMED = {
    "name": "Dr Ada Lin-Moreau",
    "registration_body": "Acupuncture Council",
    "registration_number": "AC-1234",
    "confirm": "on",
}


def url(name: str, token: str) -> str:
    return reverse(f"assess:{name}", args=[token])


def test_the_supervisor_confirms_assesses_and_signs_then_the_link_is_spent(
    client, trainee, checklist
):
    asked, _, token = external_request(trainee, checklist)
    page = client.get(url("external", token))
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert page.context["form"].initial["registration_number"] == "AC-1234"
    assert client.post(url("external", token), CONFIRMED | {"confirm": ""}).status_code == 400
    assert not SkillAssessment.objects.exists()

    started = client.post(url("external", token), CONFIRMED)
    assert started.url == url("external", token)
    assessment = SkillAssessment.objects.get()
    assert assessment.assessor is None and assessment.external_assessor == asked.external_assessor
    assert assessment.needs_countersign
    entry = ModelLogEntry.objects.get(action="certification.external_link.confirm")
    assert entry.data["confirmed_name"] == "Dr Ada Lin-Moreau" and not entry.data["matches"]
    asked.external_assessor.refresh_from_db()
    assert asked.external_assessor.name == "Dr Ada Lin"  # the approved details stay

    screen = client.get(url("external", token))
    assert screen.templates[0].name == "certification/assess/screen.html"
    saved = client.post(url("external_save", token), all_met(assessment), **JSON)
    assert saved.status_code == 200 and saved.json()["saved"]
    assessment.refresh_from_db()
    confirm = client.get(url("external_sign", token))
    assert confirm.status_code == 200 and not confirm.context["gaps"]
    done = client.post(url("external_sign", token), {"reviewed": draft_fingerprint(assessment)})
    assert done.status_code == 200 and "no longer works" in done.content.decode()

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SIGNED and assessment.passed
    assert ExternalLink.objects.get().used_at is not None
    assert AssessmentRequest.objects.get().status == RequestStatus.COMPLETED
    sign_log = ModelLogEntry.objects.get(action="certification.assessment.sign")
    assert (
        sign_log.user_id is None
        and sign_log.data["external_assessor"] == asked.external_assessor_id
    )
    assert trainee.notifications.filter(kind="assessment.signed").exists()
    for name in ("external", "external_save", "external_sign"):
        assert client.get(url(name, token)).status_code in (405, 410)
    assert client.post(url("external_save", token), all_met(assessment)).status_code == 410


def test_the_screen_needs_the_confirmation_first(client, trainee, checklist):
    _, _, token = external_request(trainee, checklist)
    assert client.post(url("external_save", token), {}).url == url("external", token)
    assert client.get(url("external_sign", token)).url == url("external", token)
    assert not SkillAssessment.objects.exists()


def test_forged_and_replaced_links_are_404(client, trainee, checklist):
    asked, _, token = external_request(trainee, checklist)
    assert client.get(url("external", token + "x")).status_code == 404
    assert client.get(url("external", "not-a-token")).status_code == 404
    issue_link(asked, by=None)  # a new nonce: the old address stops working
    assert client.get(url("external", token)).status_code == 404
    assert client.get(url("external", link_token(ExternalLink.objects.get()))).status_code == 200


def test_expired_closed_and_unapproved_links_are_410_with_the_reason(client, trainee, checklist):
    asked, link, token = external_request(trainee, checklist)
    ExternalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    response = client.get(url("external", token))
    assert response.status_code == 410 and "expired" in response.content.decode()
    ExternalLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=1))
    AssessmentRequest.objects.filter(pk=asked.pk).update(status=RequestStatus.WITHDRAWN)
    assert client.post(url("external", token), CONFIRMED).status_code == 410
    assert not SkillAssessment.objects.exists()


def test_a_link_issued_again_must_be_confirmed_again(client, trainee, checklist):
    asked, _, token = external_request(trainee, checklist)
    client.post(url("external", token), CONFIRMED)
    new_token = link_token(issue_link(asked, by=None))
    page = client.get(url("external", new_token))
    assert page.templates[0].name == "certification/assess/external_confirm.html"
    client.post(url("external", new_token), CONFIRMED)
    assert SkillAssessment.objects.count() == 1  # the same draft, continued


def test_the_token_endpoints_are_throttled_per_address(client, trainee, checklist, monkeypatch):
    from certification import external_views

    monkeypatch.setattr(external_views, "REQUESTS_PER_ADDRESS", 2)
    _, _, token = external_request(trainee, checklist)
    assert client.get(url("external", token)).status_code == 200
    assert client.get(url("external", "forged")).status_code == 404
    assert client.get(url("external", token)).status_code == 429


@pytest.mark.parametrize("role", ROLES)
def test_the_link_works_for_whoever_holds_it_and_nothing_else(client, checklist, people, role):
    """The link is the credential: any role holding it gets the same page; none gets more."""
    _, _, token = external_request(people["trainee"], checklist)
    client_as(client, people[role])
    assert client.get(url("external", token)).status_code == 200
    assert client.post(url("external_save", token), {}).status_code == 302
    assert not SkillAssessment.objects.exists()
