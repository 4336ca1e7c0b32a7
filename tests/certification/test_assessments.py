"""Observed skill assessments: must-pass items, signing, immutability, who may do what."""

import pytest
from django.core.exceptions import PermissionDenied

from certification import services
from certification.models import AssessmentItem, ItemResult, SignedRecordError, SkillAssessment
from tests.certification.conftest import assess, make_checklist
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_failed_must_pass_item_fails_the_assessment_whatever_the_rating(trainee, assessor):
    checklist = make_checklist("needle", safety=True)
    assessment = assess(trainee, assessor, checklist, passed=False, rating=6)
    assert assessment.is_signed and assessment.passed is False


def test_a_rating_below_the_pass_mark_fails(trainee, assessor):
    assessment = assess(trainee, assessor, make_checklist("palp", safety=False), rating=3)
    assert assessment.passed is False


def test_all_met_and_a_passing_rating_passes(trainee, assessor):
    assert assess(trainee, assessor, make_checklist("needle", safety=True), rating=4).passed is True


def test_a_not_observed_must_pass_item_fails(trainee, assessor):
    checklist = make_checklist("needle", safety=True)
    assessment = services.start_assessment(trainee, assessor, checklist)
    results = {
        i.position: (ItemResult.NOT_OBSERVED if i.must_pass else ItemResult.MET, "")
        for i in assessment.item_results.all()
    }
    services.update_assessment(
        assessment.pk,
        assessor,
        results=results,
        global_rating=6,
        comments="",
        assessed_on=assessment.assessed_on,
    )
    assert services.sign_assessment(assessment.pk, assessor).passed is False


def test_an_incomplete_assessment_cannot_be_signed(trainee, assessor):
    assessment = services.start_assessment(trainee, assessor, make_checklist("palp", safety=False))
    with pytest.raises(services.CertificationError, match="every item and a global rating"):
        services.sign_assessment(assessment.pk, assessor)
    assessment.refresh_from_db()
    assert not assessment.is_signed


def test_a_signed_assessment_cannot_change_or_be_deleted(trainee, assessor):
    assessment = assess(trainee, assessor, make_checklist("needle", safety=True))
    with pytest.raises(services.CertificationError, match="signed"):
        services.update_assessment(
            assessment.pk,
            assessor,
            results={},
            global_rating=1,
            comments="x",
            assessed_on=assessment.assessed_on,
        )
    assessment.comments = "Rewritten later"
    with pytest.raises(SignedRecordError):
        assessment.save()
    item = AssessmentItem.objects.filter(assessment=assessment).first()
    item.result = ItemResult.NOT_MET
    with pytest.raises(SignedRecordError):
        item.save()
    with pytest.raises(SignedRecordError):
        assessment.delete()
    fresh = SkillAssessment.objects.get(pk=assessment.pk)
    assert fresh.comments == "Good." and fresh.passed is True


def test_signing_twice_changes_nothing(trainee, assessor):
    assessment = assess(trainee, assessor, make_checklist("palp", safety=False))
    again = services.sign_assessment(assessment.pk, assessor)
    assert again.signed_at == assessment.signed_at


def test_a_failed_assessment_is_followed_by_a_new_one(trainee, assessor):
    checklist = make_checklist("needle", safety=True)
    first = assess(trainee, assessor, checklist, passed=False)
    second = assess(trainee, assessor, checklist, passed=True)
    assert first.pk != second.pk
    assert SkillAssessment.objects.get(pk=first.pk).passed is False


def test_only_the_assessor_edits_and_signs_and_nobody_assesses_themselves(trainee, assessor):
    checklist = make_checklist("palp", safety=False)
    assessment = services.start_assessment(trainee, assessor, checklist)
    stranger = UserFactory(username="stranger")
    with pytest.raises(PermissionDenied):
        services.sign_assessment(assessment.pk, stranger)
    with pytest.raises(PermissionDenied):
        services.update_assessment(
            assessment.pk,
            stranger,
            results={},
            global_rating=5,
            comments="",
            assessed_on=assessment.assessed_on,
        )
    with pytest.raises(services.CertificationError, match="themselves"):
        services.start_assessment(assessor, assessor, checklist)


def test_items_are_copied_so_editing_the_checklist_later_changes_nothing(trainee, assessor):
    checklist = make_checklist("palp", safety=False)
    assessment = assess(trainee, assessor, checklist)
    items = list(checklist.items.all())
    items[0].text = "Renamed item"
    checklist.items = items
    checklist.save_revision().publish()
    assert assessment.item_results.first().text == "Palpates the chain"
    assert assessment.checklist_snapshot["items"][0]["text"] == "Palpates the chain"


# Through the admin ----------------------------------------------------------------------------


def test_an_instructor_records_and_signs_an_assessment_in_the_admin(client, trainee, assessor):
    checklist = make_checklist("needle", safety=True)
    client.force_login(assessor)
    response = client.post(
        "/admin/certification/assessments/new/",
        {"trainee": trainee.pk, "checklist": checklist.pk, "assessed_on": "2026-11-20"},
    )
    assert response.status_code == 302
    assessment = SkillAssessment.objects.get(trainee=trainee)
    url = f"/admin/certification/assessments/{assessment.pk}/"
    form_html = client.get(url).content.decode()
    for item in assessment.item_results.all():
        assert (
            f'name="item_{item.position}"' in form_html
            and f'name="item_{item.position}_comment"' in form_html
        )
    assert 'name="global_rating"' in form_html and "Save and review before signing" in form_html
    data = {
        "assessed_on": "2026-11-20",
        "global_rating": "5",
        "comments": "<b>Safe</b><script>alert(1)</script>",
    }
    for item in assessment.item_results.all():
        data[f"item_{item.position}"] = "met"
        data[f"item_{item.position}_comment"] = ""
    review = client.post(url, data | {"sign": "1"})
    assert review.status_code == 302 and review["Location"] == f"{url}sign/"
    assessment.refresh_from_db()
    assert not assessment.is_signed, "signing waits for the confirmation"
    confirmation = client.get(f"{url}sign/")
    assert "Signing is final" in confirmation.content.decode()
    reviewed = confirmation.context["form"].fingerprint
    assert client.post(f"{url}sign/", {"reviewed": reviewed}).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_signed and assessment.passed
    html = client.get(url).content.decode()
    assert "<b>Safe</b>" in html and "<script>alert(1)</script>" not in html
    refused = client.post(url, data | {"global_rating": "1", "save": "1"})
    assert refused.status_code == 302
    assessment.refresh_from_db()
    assert assessment.global_rating == 5


def test_a_trainee_or_manager_cannot_reach_the_assessment_admin(client, trainee):
    client.force_login(trainee)
    assert client.get("/admin/certification/assessments/").status_code == 302
    assert client.post("/admin/certification/assessments/new/", {}).status_code == 302
    assert not SkillAssessment.objects.exists()


def test_a_future_date_is_refused(client, trainee, assessor):
    checklist = make_checklist("palp", safety=False)
    client.force_login(assessor)
    response = client.post(
        "/admin/certification/assessments/new/",
        {"trainee": trainee.pk, "checklist": checklist.pk, "assessed_on": "2999-01-01"},
    )
    assert (
        response.status_code == 200 and "cannot be dated in the future" in response.content.decode()
    )
    assert not SkillAssessment.objects.exists()
