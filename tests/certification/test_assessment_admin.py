"""Recording an assessment in the admin: only learners can be chosen, found by a search, and a
signature is made only from a confirmation of the draft exactly as it was shown."""

from __future__ import annotations

import re

import pytest

from certification import services
from certification.clinics import learners
from certification.models import ClinicMembership, ClinicRole, ItemResult, SkillAssessment
from tests.certification.conftest import make_checklist
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = "/admin/certification/assessments/new/"


@pytest.fixture
def people(trainee, instructor, reviewer, manager, admin_user, clinic):
    staff_member = UserFactory(username="clinic-staff", first_name="Amara", last_name="Osei")
    ClinicMembership.objects.create(clinic=clinic, user=staff_member, role=ClinicRole.STAFF)
    return {
        "trainee": trainee,
        "staff": staff_member,
        "instructor": instructor,
        "reviewer": reviewer,
        "manager": manager,
        "admin": admin_user,
        "staff_flag": UserFactory(username="staff-flag", is_staff=True),
        "inactive": UserFactory(username="gone", is_active=False),
    }


def listed_trainees(html: str) -> set[str]:
    select = html[
        html.index('name="trainee"') : html.index("</select>", html.index('name="trainee"'))
    ]
    return set(re.findall(r"\(([^()]+)\)</option>", select))


def test_learners_are_active_accounts_without_a_staff_role(people):
    assert set(learners().values_list("username", flat=True)) == {"trainee-a", "clinic-staff"}


def test_the_trainee_list_offers_learners_only(client, people):
    client.force_login(people["instructor"])
    html = client.get(START).content.decode()
    assert listed_trainees(html) == {"trainee-a", "clinic-staff"}


def test_a_trainee_who_is_not_a_learner_is_refused_and_nothing_is_recorded(client, people):
    checklist = make_checklist("palp", safety=False)
    client.force_login(people["instructor"])
    for outsider in ("manager", "admin", "reviewer", "staff_flag", "inactive"):
        response = client.post(
            START,
            {
                "trainee": people[outsider].pk,
                "checklist": checklist.pk,
                "assessed_on": "2026-01-05",
            },
        )
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not SkillAssessment.objects.exists()


def test_the_trainee_list_is_searched_by_name_username_or_email(client, people):
    client.force_login(people["instructor"])
    found = client.get(START, {"q": "amara"}).content.decode()
    assert listed_trainees(found) == {"clinic-staff"}
    assert f'<option value="{people["staff"].pk}" selected>' in found, "the one match is chosen"
    assert listed_trainees(client.get(START, {"q": "osei amara"}).content.decode()) == {
        "clinic-staff"
    }
    nobody = client.get(START, {"q": "zzz"}).content.decode()
    assert listed_trainees(nobody) == set() and "No learner matches" in nobody


def test_a_trainee_chosen_before_stays_listed_whatever_the_search(client, people):
    client.force_login(people["instructor"])
    html = client.get(START, {"trainee": people["trainee"].pk, "q": "amara"}).content.decode()
    assert listed_trainees(html) == {"trainee-a", "clinic-staff"}
    assert f'<option value="{people["trainee"].pk}" selected>' in html


def test_a_learner_missing_from_the_listed_page_is_still_accepted(client, people):
    checklist = make_checklist("palp", safety=False)
    client.force_login(people["instructor"])
    response = client.post(
        START,
        {
            "trainee": people["trainee"].pk,
            "checklist": checklist.pk,
            "assessed_on": "2026-01-05",
            "q": "amara",
        },
    )
    assert response.status_code == 302
    assert SkillAssessment.objects.get().trainee == people["trainee"]


# Signing is confirmed ------------------------------------------------------------------------


@pytest.fixture
def draft(trainee, assessor):
    checklist = make_checklist("needle", safety=True)
    assessment = services.start_assessment(trainee, assessor, checklist)
    services.update_assessment(
        assessment.pk,
        assessor,
        results={i.position: (ItemResult.MET, "") for i in assessment.item_results.all()},
        global_rating=5,
        comments="Calm.",
        assessed_on=assessment.assessed_on,
    )
    return assessment


def form_data(assessment) -> dict:
    data = {
        "assessed_on": assessment.assessed_on.isoformat(),
        "global_rating": "5",
        "comments": "Calm.",
    }
    for item in assessment.item_results.all():
        data[f"item_{item.position}"] = "met"
        data[f"item_{item.position}_comment"] = ""
    return data


def signed(assessment) -> bool:
    return SkillAssessment.objects.get(pk=assessment.pk).is_signed


def test_signing_from_the_draft_form_asks_for_confirmation_first(client, draft, assessor):
    client.force_login(assessor)
    url = f"/admin/certification/assessments/{draft.pk}/"
    response = client.post(url, form_data(draft) | {"sign": "1"})
    assert response.status_code == 302 and response["Location"] == f"{url}sign/"
    assert not signed(draft)
    page = client.get(f"{url}sign/").content.decode()
    assert "Signing is final" in page and "Yes, sign it" in page and "passed" in page


def test_the_server_signs_nothing_without_the_confirmation(client, draft, assessor):
    client.force_login(assessor)
    response = client.post(f"/admin/certification/assessments/{draft.pk}/sign/", {})
    assert response.status_code == 302
    assert not signed(draft)


def test_a_draft_changed_after_it_was_reviewed_is_not_signed(client, draft, assessor):
    client.force_login(assessor)
    url = f"/admin/certification/assessments/{draft.pk}/sign/"
    reviewed = client.get(url).context["form"].fingerprint
    services.update_assessment(
        draft.pk,
        assessor,
        results={},
        global_rating=2,
        comments="Calm.",
        assessed_on=draft.assessed_on,
    )
    response = client.post(url, {"reviewed": reviewed}, follow=True)
    assert not signed(draft)
    assert "review it again" in response.content.decode()
    fresh = response.context["form"].fingerprint
    client.post(url, {"reviewed": fresh})
    assessment = SkillAssessment.objects.get(pk=draft.pk)
    assert assessment.is_signed and assessment.passed is False


def test_a_confirmed_signature_is_made_once(client, draft, assessor):
    client.force_login(assessor)
    url = f"/admin/certification/assessments/{draft.pk}/sign/"
    reviewed = client.get(url).context["form"].fingerprint
    assert client.post(url, {"reviewed": reviewed}).status_code == 302
    first = SkillAssessment.objects.get(pk=draft.pk)
    assert first.is_signed and first.passed
    again = client.post(url, {"reviewed": reviewed})
    assert again.status_code == 302
    assert SkillAssessment.objects.get(pk=draft.pk).signed_at == first.signed_at


def test_an_incomplete_draft_offers_no_signature(client, trainee, assessor):
    assessment = services.start_assessment(trainee, assessor, make_checklist("palp", safety=False))
    client.force_login(assessor)
    page = client.get(f"/admin/certification/assessments/{assessment.pk}/sign/").content.decode()
    assert "every item and a global rating" in page and "Yes, sign it" not in page


def test_only_the_assessor_may_confirm(client, draft, roles):
    from core.roles import INSTRUCTORS

    colleague = UserFactory(username="instructor-b", groups=[INSTRUCTORS])
    client.force_login(colleague)
    url = f"/admin/certification/assessments/{draft.pk}/sign/"
    reviewed = client.get(f"/admin/certification/assessments/{draft.pk}/")
    assert reviewed.status_code == 200  # colleagues may read a draft
    for response in (client.get(url), client.post(url, {"reviewed": "x"})):
        # The admin answers PermissionDenied by sending the user back to its dashboard.
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert not signed(draft)
