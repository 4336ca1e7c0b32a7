"""The chair-side assessment screen: start (from a request or by finding the trainee), autosave,
sign after a confirmation, and who may open each page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from certification.forms import draft_fingerprint
from certification.models import (
    AssessmentRequest,
    AssessmentStatus,
    ItemResult,
    RequestStatus,
    SkillAssessment,
)
from tests.certification.chairside import (  # noqa: F401  (fixtures)
    ROLES,
    accepted_request,
    all_met,
    checklist_fixture,
    client_as,
    people_fixture,
    second_assessor_fixture,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def draft(trainee, instructor, checklist):
    asked = accepted_request(trainee, instructor, checklist)
    from certification.assessing import start_for_request

    return start_for_request(asked.pk, instructor)


# Starting ---------------------------------------------------------------------------------------


def test_starting_from_an_accepted_request_links_it_and_copies_the_two_person_rule(
    client, trainee, instructor, checklist
):
    asked = accepted_request(trainee, instructor, checklist)
    client.force_login(instructor)
    page = client.get(reverse("assess:start"), {"request": asked.pk})
    assert page.status_code == 200
    assert trainee.display_name in page.content.decode()
    response = client.post(reverse("assess:start"), {"request": asked.pk})
    assessment = SkillAssessment.objects.get()
    assert response.url == reverse("assess:screen", args=[assessment.pk])
    assert assessment.needs_countersign and assessment.assessor == instructor
    asked.refresh_from_db()
    assert asked.assessment == assessment and asked.status == RequestStatus.ACCEPTED
    # Starting again returns to the same draft.
    client.post(reverse("assess:start"), {"request": asked.pk})
    assert SkillAssessment.objects.count() == 1


def test_a_request_not_accepted_or_for_someone_else_starts_nothing(
    client, trainee, instructor, second_assessor, checklist
):
    asked = accepted_request(trainee, instructor, checklist)
    AssessmentRequest.objects.filter(pk=asked.pk).update(status=RequestStatus.PENDING)
    client.force_login(instructor)
    assert client.get(reverse("assess:start"), {"request": asked.pk}).status_code == 409
    client.post(reverse("assess:start"), {"request": asked.pk})
    client.force_login(second_assessor)
    assert client.post(reverse("assess:start"), {"request": asked.pk}).status_code == 404
    assert not SkillAssessment.objects.exists()


def test_finding_the_trainee_needs_two_characters_and_skips_me_and_inactive_people(
    client, trainee, instructor, checklist
):
    UserFactory(username="trainee-gone", is_active=False)
    client.force_login(instructor)
    assert client.get(reverse("assess:start"), {"q": "t"}).context["found"] == []
    found = client.get(reverse("assess:start"), {"q": "trainee"}).context["found"]
    assert [u.username for u in found] == ["trainee-a"]
    assert client.get(reverse("assess:start"), {"q": "instructor"}).context["found"] == []


def test_starting_for_a_trainee_found_by_name(client, trainee, instructor, checklist):
    client.force_login(instructor)
    response = client.post(
        reverse("assess:start"),
        {"trainee": trainee.pk, "checklist": checklist.pk, "assessed_on": "2020-01-02"},
    )
    assessment = SkillAssessment.objects.get()
    assert response.url == reverse("assess:screen", args=[assessment.pk])
    assert assessment.trainee == trainee and str(assessment.assessed_on) == "2020-01-02"


def test_starting_with_bad_input_says_why_and_writes_nothing(client, instructor, checklist):
    client.force_login(instructor)
    bad = [
        {"trainee": instructor.pk, "checklist": checklist.pk, "assessed_on": "2020-01-02"},
        {"trainee": "x", "checklist": checklist.pk, "assessed_on": "2020-01-02"},
        {"checklist": "999999", "assessed_on": "2999-01-01"},
    ]
    for data in bad:
        response = client.post(reverse("assess:start"), data)
        assert response.status_code == 400
        assert response.context["form"].errors
    assert not SkillAssessment.objects.exists()


# The screen and autosave ------------------------------------------------------------------------


def test_the_screen_shows_each_item_with_its_guidance_and_one_tap_choices(
    client, draft, instructor, django_assert_max_num_queries
):
    client.force_login(instructor)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("assess:screen", args=[draft.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('type="radio" name="item_') == 3 * draft.item_results.count()
    assert "Must pass" in html and "Two-person rule" in html
    assert "data-save-url" in html and "Save draft" in html


def test_autosave_records_each_change_and_reports_it_in_json(client, draft, instructor):
    client.force_login(instructor)
    data = all_met(draft) | {"item_1": "not_observed", "global_rating": ""}
    response = client.post(reverse("assess:save", args=[draft.pk]), data, **JSON)
    assert response.status_code == 200 and response.json()["saved"]
    results = dict(draft.item_results.values_list("position", "result"))
    assert results[1] == ItemResult.NOT_OBSERVED and results[2] == ItemResult.MET
    draft.refresh_from_db()
    assert draft.global_rating is None and draft.comments == "Steady hands."


@pytest.mark.parametrize(
    "change",
    [{"global_rating": "99"}, {"item_1": "maybe"}, {"assessed_on": "2999-01-01"}],
)
def test_a_bad_save_says_why_and_changes_nothing(client, draft, instructor, change):
    client.force_login(instructor)
    response = client.post(reverse("assess:save", args=[draft.pk]), all_met(draft) | change, **JSON)
    assert response.status_code == 400 and response.json()["error"]
    assert not draft.item_results.exclude(result="").exists()
    page = client.post(reverse("assess:save", args=[draft.pk]), all_met(draft) | change)
    assert page.status_code == 400


def test_without_javascript_save_then_review_and_sign(client, draft, instructor, trainee):
    client.force_login(instructor)
    saved = client.post(reverse("assess:save", args=[draft.pk]), all_met(draft))
    assert saved.url == reverse("assess:screen", args=[draft.pk])
    to_sign = client.post(reverse("assess:save", args=[draft.pk]), all_met(draft) | {"sign": "1"})
    assert to_sign.url == reverse("assess:sign", args=[draft.pk])
    confirm = client.get(to_sign.url)
    assert "passed" in confirm.content.decode() and not confirm.context["gaps"]
    draft.refresh_from_db()
    signed = client.post(to_sign.url, {"reviewed": draft_fingerprint(draft)})
    assert signed.url == reverse("assess:screen", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.SIGNED and draft.passed
    request = AssessmentRequest.objects.get(assessment=draft)
    assert request.status == RequestStatus.COMPLETED and request.completed_at
    assert ModelLogEntry.objects.filter(action="certification.assessment.sign").count() == 1
    page = client.get(reverse("assess:screen", args=[draft.pk]))
    assert page.templates[0].name == "certification/assess/signed.html"
    late = client.post(reverse("assess:save", args=[draft.pk]), all_met(draft), **JSON)
    assert late.status_code == 400


def test_the_confirmation_lists_must_pass_items_not_met_and_gaps(client, draft, instructor):
    client.force_login(instructor)
    data = all_met(draft) | {"item_2": "not_met"}
    client.post(reverse("assess:save", args=[draft.pk]), data, **JSON)
    page = client.get(reverse("assess:sign", args=[draft.pk]))
    assert [i.position for i in page.context["unmet"]] == [2]
    assert not page.context["passes"] and "did not pass" in page.content.decode()
    client.post(reverse("assess:save", args=[draft.pk]), data | {"item_1": ""}, **JSON)
    page = client.get(reverse("assess:sign", args=[draft.pk]))
    assert "items 1" in page.context["gaps"]


def test_a_stale_confirmation_signs_nothing(client, draft, instructor):
    client.force_login(instructor)
    client.post(reverse("assess:save", args=[draft.pk]), all_met(draft), **JSON)
    draft.refresh_from_db()
    reviewed = draft_fingerprint(draft)
    client.post(reverse("assess:save", args=[draft.pk]), all_met(draft) | {"global_rating": "6"})
    response = client.post(reverse("assess:sign", args=[draft.pk]), {"reviewed": reviewed})
    assert response.url == reverse("assess:sign", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT


# Who may open what ------------------------------------------------------------------------------

SCREEN_EXPECTED = {
    "anonymous": 302,
    "trainee": 403,
    "other_trainee": 403,
    "assessor": 200,
    "manager": 403,
    "other_manager": 403,
    "admin": 404,  # an assessor, but not of this draft
}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_screen_save_and_sign(client, draft, people, role):
    client_as(client, people[role])
    expected = SCREEN_EXPECTED[role]
    for name in ("assess:screen", "assess:sign"):
        assert client.get(reverse(name, args=[draft.pk])).status_code == expected, name
    saved = client.post(reverse("assess:save", args=[draft.pk]), all_met(draft), **JSON)
    assert saved.status_code == expected
    assert draft.item_results.filter(result="met").exists() == (role == "assessor")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_start_page(client, people, role):
    client_as(client, people[role])
    expected = 200 if role in ("assessor", "admin") else 302 if role == "anonymous" else 403
    assert client.get(reverse("assess:start")).status_code == expected
