"""A trainee's signed assessment: who reads it, acknowledging once with a reflection, disputing
it, and the admin upholding or dismissing the dispute."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import Notification
from certification.acknowledgements import (
    AcknowledgeAssessmentAction,
    DisputeAssessmentAction,
    ResolveDisputeAction,
)
from certification.models import (
    Acknowledgement,
    AssessmentDispute,
    DisputeStatus,
    SkillAssessment,
)
from certification.requirements import programme_state
from certification.rules import CertificationError
from tests.certification.conftest import assess, meet_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(staff, programme, assessor) -> SkillAssessment:
    """A passed, signed assessment of the clinic's staff member `trainee`."""
    return assess(staff, assessor, programme.required_checklists.get(key="palp"))


def detail(assessment) -> str:
    return reverse("my_assessments:detail", args=[assessment.pk])


def post(client, assessment, what: str, **data):
    return client.post(reverse(f"my_assessments:{what}", args=[assessment.pk]), data)


@pytest.fixture
def people(trainee, other_trainee, assessor, manager, other_manager, admin_user):
    return {
        "trainee": trainee,
        "other trainee": other_trainee,
        "assessor": assessor,
        "manager": manager,
        "other manager": other_manager,
        "admin": admin_user,
    }


# Who reads and who acts -----------------------------------------------------------------------

READS = {
    "trainee": 200,
    "other trainee": 404,
    "assessor": 200,  # instructors see every certificate and its evidence
    "manager": 200,
    "other manager": 404,
    "admin": 200,
}


def test_anonymous_visitors_are_sent_to_sign_in(client, signed):
    for url in (detail(signed),):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for what in ("acknowledge", "dispute"):
        response = post(client, signed, what, reason="x", reflection="x")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Acknowledgement.objects.exists() and not AssessmentDispute.objects.exists()


@pytest.mark.parametrize("role", list(READS))
def test_each_role_reads_or_not_and_only_the_trainee_acts(client, people, signed, role):
    client.force_login(people[role])
    response = client.get(detail(signed))
    assert response.status_code == READS[role]
    html = response.content.decode()
    if READS[role] == 200:
        assert signed.checklist_snapshot["title"] in html
        assert ("Send the dispute" in html) is (role == "trainee")
    for what in ("acknowledge", "dispute"):
        response = post(client, signed, what, reason="Wrong.", reflection="Fine.")
        if role == "trainee":
            assert response.status_code == 302
            break  # acknowledged: the dispute is refused, tested below
        assert response.status_code == (403 if READS[role] == 200 else 404)
    expected = 1 if role == "trainee" else 0
    assert Acknowledgement.objects.count() == expected
    assert AssessmentDispute.objects.count() == 0


def test_a_draft_is_not_shown(client, staff, programme, assessor):
    from certification import services

    draft = services.start_assessment(staff, assessor, programme.required_checklists.first())
    client.force_login(staff)
    assert client.get(detail(draft)).status_code == 404


def test_only_get_and_post_where_meant(client, staff, signed):
    client.force_login(staff)
    assert client.post(detail(signed)).status_code == 405
    assert client.get(reverse("my_assessments:acknowledge", args=[signed.pk])).status_code == 405


# Acknowledging ----------------------------------------------------------------------------------


def test_acknowledging_once_keeps_the_reflection_and_makes_the_page_read_only(
    client, staff, signed
):
    client.force_login(staff)
    reflection = "Go slower at the <script>alert(1)</script> mastoid."
    assert post(client, signed, "acknowledge", reflection=reflection).status_code == 302
    acknowledgement = Acknowledgement.objects.get(assessment=signed)
    assert acknowledgement.reflection == reflection, "stored as typed"
    html = client.get(detail(signed)).content.decode()
    assert "<script>alert(1)" not in html and "Go slower" in html
    assert "Send the dispute" not in html and "already acknowledged" in html
    again = post(client, signed, "acknowledge", reflection="Second thoughts.")
    assert again.status_code == 400 and "already acknowledged" in again.content.decode()
    assert post(client, signed, "dispute", reason="Too late.").status_code == 400
    assert Acknowledgement.objects.count() == 1 and not AssessmentDispute.objects.exists()
    assert ModelLogEntry.objects.filter(action="certification.assessment.acknowledge").count() == 1
    signed.refresh_from_db()
    assert signed.is_signed


def test_a_too_long_reflection_is_refused_and_writes_nothing(client, staff, signed):
    client.force_login(staff)
    response = post(client, signed, "acknowledge", reflection="x" * 4001)
    assert response.status_code == 400 and not Acknowledgement.objects.exists()


# Disputing and resolving ------------------------------------------------------------------------


def test_a_dispute_needs_a_reason_tells_the_admins_and_stays_single(
    client, staff, signed, admin_user
):
    client.force_login(staff)
    assert post(client, signed, "dispute", reason="   ").status_code == 400
    assert not AssessmentDispute.objects.exists()
    assert post(client, signed, "dispute", reason="The assessor was not there.").status_code == 302
    dispute = AssessmentDispute.objects.get()
    assert dispute.status == DisputeStatus.OPEN and dispute.raised_by == staff
    told = Notification.objects.get(user=admin_user, kind="assessment.disputed")
    assert told.url == reverse("certification_disputes:edit", args=[dispute.pk])
    assert post(client, signed, "dispute", reason="Again.").status_code == 400
    assert post(client, signed, "acknowledge", reflection="").status_code == 400
    assert AssessmentDispute.objects.count() == 1 and not Acknowledgement.objects.exists()


def test_an_upheld_dispute_stops_the_assessment_counting_and_evaluates_again(
    staff, tree, programme, assessor, admin_user, django_capture_on_commit_callbacks
):
    meet_everything(staff, tree, programme, assessor)
    palp = programme.required_checklists.get(key="palp")
    assessment = SkillAssessment.objects.get(trainee=staff, checklist=palp)
    dispute = DisputeAssessmentAction(assessment, staff, "Not observed.").execute()
    assert programme_state(staff, programme).met, "an open dispute changes nothing yet"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ResolveDisputeAction(
            dispute, admin_user, upheld=True, resolution="The assessor confirms it."
        ).execute()
    assert callbacks, "the trainee's programmes are evaluated again after the commit"
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UPHELD and dispute.resolved_by == admin_user
    assert not programme_state(staff, programme).met
    kinds = set(
        Notification.objects.filter(kind="assessment.dispute_resolved").values_list(
            "user__username", flat=True
        )
    )
    assert kinds == {staff.username, assessor.username}
    with pytest.raises(CertificationError, match="already resolved"):
        ResolveDisputeAction(dispute, admin_user, upheld=False, resolution="No.").execute()
    with pytest.raises(CertificationError, match="upheld"):
        AcknowledgeAssessmentAction(assessment, staff, "").execute()


def test_a_dismissed_dispute_leaves_the_assessment_standing(staff, signed, admin_user):
    dispute = DisputeAssessmentAction(signed, staff, "Unfair.").execute()
    ResolveDisputeAction(dispute, admin_user, upheld=False, resolution="Observed.").execute()
    AcknowledgeAssessmentAction(signed, staff, "Understood.").execute()
    assert Acknowledgement.objects.filter(assessment=signed).exists()


ADMIN_PAGES = {
    "trainee": False,
    "other trainee": False,
    "assessor": False,
    "manager": False,
    "other manager": False,
    "admin": True,
}


@pytest.mark.parametrize("role", list(ADMIN_PAGES))
def test_only_admins_list_and_resolve_disputes(client, people, staff, signed, role):
    dispute = DisputeAssessmentAction(signed, staff, "Unfair.").execute()
    client.force_login(people[role])
    index = client.get(reverse("certification_disputes:index"))
    page = client.get(reverse("certification_disputes:edit", args=[dispute.pk]))
    response = client.post(
        reverse("certification_disputes:edit", args=[dispute.pk]),
        {"decision": "uphold", "resolution": "Upheld."},
    )
    dispute.refresh_from_db()
    if ADMIN_PAGES[role]:
        assert index.status_code == 200 and "Dispute on" in index.content.decode()
        assert page.status_code == 200 and "Unfair." in page.content.decode()
        assert response.status_code == 302 and dispute.status == DisputeStatus.UPHELD
    else:
        assert index.status_code in (302, 403) and page.status_code in (302, 403)
        assert response.status_code in (302, 403) and dispute.status == DisputeStatus.OPEN


def test_anonymous_visitors_cannot_reach_the_disputes(client, staff, signed):
    dispute = DisputeAssessmentAction(signed, staff, "Unfair.").execute()
    for url in (
        reverse("certification_disputes:index"),
        reverse("certification_disputes:edit", args=[dispute.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_admin_form_refuses_an_empty_resolution(client, admin_user, staff, signed):
    dispute = DisputeAssessmentAction(signed, staff, "Unfair.").execute()
    client.force_login(admin_user)
    url = reverse("certification_disputes:edit", args=[dispute.pk])
    response = client.post(url, {"decision": "uphold", "resolution": ""})
    assert response.status_code == 200  # the form again, with its error
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.OPEN


def test_the_detail_page_queries_are_bounded(client, staff, signed, django_assert_max_num_queries):
    client.force_login(staff)
    with django_assert_max_num_queries(20):
        assert client.get(detail(signed)).status_code == 200
