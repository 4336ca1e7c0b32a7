"""Assessors, who may assess what, assessment requests and approving external supervisors."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from wagtail.models import GroupPagePermission, ModelLogEntry

from accounts.models import Notification
from certification import requests as request_actions
from certification.actions import StartAssessmentAction
from certification.external_approval import (
    APPROVE,
    ApproveExternalAssessorAction,
    RejectExternalAssessorAction,
    deliver,
)
from certification.external_links import find_link
from certification.models import (
    AssessmentRequest,
    ExternalAssessor,
    ExternalAssessorStatus,
    ExternalLink,
    RequestStatus,
)
from certification.permissions import eligible_assessors, may_assess
from certification.requests import (
    AcceptRequestAction,
    DeclineRequestAction,
    WithdrawRequestAction,
    complete_request,
)
from certification.rules import CertificationError
from core.roles import ASSESSORS
from tests.certification.assessment_request_helpers import (
    ask,
    make_assessor,
    propose,
    restrict,
)
from tests.factories import UserFactory, assess, make_checklist

pytestmark = pytest.mark.django_db


@pytest.fixture
def observer(roles):
    return make_assessor("assessor-a")


@pytest.fixture
def second_observer(roles):
    return make_assessor("assessor-b", "Ben", "Second")


@pytest.fixture
def checklist(db):
    return make_checklist("palp", safety=False)


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


# The Assessors group and the eligibility rule -------------------------------------------------


def test_assessors_may_assess_but_not_open_the_admin_nor_author(roles, observer):
    group = Group.objects.get(name=ASSESSORS)
    assert set(group.permissions.values_list("codename", flat=True)) == {"assess_skills"}
    assert not GroupPagePermission.objects.filter(group=group).exists()
    assert observer.has_perm("certification.assess_skills")
    assert not observer.has_perm("wagtailadmin.access_admin")


def test_a_checklist_listing_nobody_may_be_assessed_by_any_assessor(
    checklist, observer, instructor, trainee
):
    assert may_assess(observer, checklist) and may_assess(instructor, checklist)
    assert not may_assess(trainee, checklist)
    assert set(eligible_assessors(checklist)) == {observer, instructor}


def test_a_checklist_listing_assessors_may_be_assessed_only_by_them(
    checklist, observer, second_observer, admin_user, trainee
):
    restrict(checklist, observer, trainee)  # a listed trainee still holds no permission
    assert may_assess(observer, checklist)
    assert not may_assess(second_observer, checklist)
    assert not may_assess(trainee, checklist)
    assert list(eligible_assessors(checklist)) == [observer]
    restrict(checklist, admin_user)
    assert set(eligible_assessors(checklist)) == {observer, admin_user}


def test_an_inactive_assessor_is_not_eligible(checklist, observer):
    observer.is_active = False
    observer.save()
    assert not may_assess(observer, checklist)
    assert observer not in eligible_assessors(checklist)


def test_starting_an_assessment_asks_the_eligibility_rule(
    checklist, observer, second_observer, trainee
):
    restrict(checklist, observer)
    with pytest.raises(PermissionDenied, match="eligible assessors"):
        StartAssessmentAction(checklist, user=second_observer, trainee=trainee).execute()
    assert StartAssessmentAction(checklist, user=observer, trainee=trainee).execute().pk


# Requests -------------------------------------------------------------------------------------


def test_a_request_is_recorded_audited_and_the_assessor_told(checklist, observer, trainee):
    made = ask(trainee, observer, checklist, message="Tuesday?")
    assert made.status == RequestStatus.PENDING and made.message == "Tuesday?"
    assert ModelLogEntry.objects.filter(action=request_actions.REQUEST).count() == 1
    note = Notification.objects.get(user=observer)
    assert note.kind == "assessment.requested" and note.url == "/assess/"


def test_a_second_open_request_to_the_same_assessor_is_refused(checklist, observer, trainee):
    ask(trainee, observer, checklist)
    with pytest.raises(CertificationError, match="already have an open request"):
        ask(trainee, observer, checklist)
    assert AssessmentRequest.objects.count() == 1


def test_after_a_decline_the_trainee_may_ask_again(checklist, observer, trainee):
    first = ask(trainee, observer, checklist)
    DeclineRequestAction(first, user=observer, reason="On leave").execute()
    assert ask(trainee, observer, checklist).pk != first.pk


def test_a_request_to_someone_who_may_not_assess_is_refused(
    checklist, observer, second_observer, trainee, other_trainee
):
    restrict(checklist, observer)
    for who in (second_observer, other_trainee):
        with pytest.raises(CertificationError, match="may not assess"):
            ask(trainee, who, checklist)
    with pytest.raises(CertificationError, match="yourself"):
        ask(observer, observer, checklist)
    assert not AssessmentRequest.objects.exists()


def test_an_unpublished_checklist_cannot_be_requested(checklist, observer, trainee):
    checklist.unpublish()
    with pytest.raises(CertificationError, match="not published"):
        ask(trainee, observer, checklist)


def test_accepting_and_declining_are_for_the_assessor_asked(
    checklist, observer, second_observer, trainee
):
    made = ask(trainee, observer, checklist)
    with pytest.raises(PermissionDenied):
        AcceptRequestAction(made, user=second_observer).execute()
    with pytest.raises(PermissionDenied):
        DeclineRequestAction(made, user=trainee, reason="no").execute()
    accepted = AcceptRequestAction(made, user=observer).execute()
    assert accepted.status == RequestStatus.ACCEPTED and accepted.responded_at
    assert AcceptRequestAction(made, user=observer).execute().status == RequestStatus.ACCEPTED
    assert Notification.objects.filter(user=trainee, kind="assessment.accepted").count() == 1


def test_declining_needs_a_reason_the_trainee_reads(checklist, observer, trainee):
    made = ask(trainee, observer, checklist)
    with pytest.raises(CertificationError, match="reason"):
        DeclineRequestAction(made, user=observer, reason="  ").execute()
    made.refresh_from_db()
    assert made.status == RequestStatus.PENDING
    DeclineRequestAction(made, user=observer, reason="Fully booked until June").execute()
    made.refresh_from_db()
    assert (
        made.status == RequestStatus.DECLINED and made.decline_reason == "Fully booked until June"
    )
    note = Notification.objects.get(user=trainee, kind="assessment.declined")
    assert "Fully booked until June" in note.message
    with pytest.raises(CertificationError, match="cannot be accepted"):
        AcceptRequestAction(made, user=observer).execute()


def test_only_the_trainee_withdraws_and_the_assessor_is_told(
    checklist, observer, trainee, other_trainee
):
    made = ask(trainee, observer, checklist)
    with pytest.raises(PermissionDenied):
        WithdrawRequestAction(made, user=other_trainee).execute()
    WithdrawRequestAction(made, user=trainee).execute()
    WithdrawRequestAction(made, user=trainee).execute()  # again: nothing more
    made.refresh_from_db()
    assert made.status == RequestStatus.WITHDRAWN
    assert Notification.objects.filter(user=observer, kind="assessment.withdrawn").count() == 1
    assert ModelLogEntry.objects.filter(action=request_actions.WITHDRAW).count() == 1


def test_completing_a_request_records_the_signed_assessment_once(checklist, observer, trainee):
    made = ask(trainee, observer, checklist)
    AcceptRequestAction(made, user=observer).execute()
    signed = assess(trainee, observer, checklist)
    done = complete_request(made, signed)
    again = complete_request(made, signed)
    assert done.status == again.status == RequestStatus.COMPLETED
    assert again.assessment_id == signed.pk and again.completed_at == signed.signed_at
    assert ModelLogEntry.objects.filter(action=request_actions.COMPLETE).count() == 1
    with pytest.raises(CertificationError):
        complete_request(made, assess(trainee, observer, checklist))


def test_a_draft_or_someone_elses_assessment_does_not_complete_a_request(
    checklist, observer, trainee, other_trainee
):
    made = ask(trainee, observer, checklist)
    with pytest.raises(CertificationError):
        complete_request(made, assess(other_trainee, observer, checklist))
    draft = StartAssessmentAction(checklist, user=observer, trainee=trainee).execute()
    with pytest.raises(CertificationError):
        complete_request(made, draft)


# External supervisors -------------------------------------------------------------------------


def test_proposing_a_supervisor_makes_them_wait_and_tells_the_clinics_managers(
    checklist, staff, clinic, manager, other_manager
):
    made = propose(staff, checklist, clinic)
    supervisor = made.external_assessor
    assert supervisor.status == ExternalAssessorStatus.PENDING and supervisor.clinic == clinic
    assert supervisor.proposed_by == staff and supervisor.email == "hana@example.org"
    assert Notification.objects.filter(user=manager, kind="assessment.supervisor_proposed").exists()
    assert not Notification.objects.filter(user=other_manager).exists()
    with pytest.raises(CertificationError, match="already have an open request"):
        propose(staff, checklist, clinic, email="HANA@example.org")


def test_a_supervisor_needs_a_registration_and_one_of_the_trainees_clinics(
    checklist, staff, other_clinic
):
    with pytest.raises(CertificationError, match="your own clinics"):
        propose(staff, checklist, other_clinic)
    with pytest.raises(CertificationError, match="registration"):
        request_actions.RequestAssessmentAction(
            checklist,
            user=staff,
            external=request_actions.ExternalProposal("Hana", "h@example.org", "", ""),
        ).execute()
    assert not ExternalAssessor.objects.exists()


def test_approving_emails_a_working_link_once(
    checklist, staff, clinic, manager, mailoutbox, commits
):
    made = propose(staff, checklist, clinic)
    with commits():
        ApproveExternalAssessorAction(made.external_assessor, user=manager).execute()
    supervisor = ExternalAssessor.objects.get()
    assert supervisor.approved and supervisor.decided_by == manager and supervisor.decided_at
    [message] = [m for m in mailoutbox if m.to == ["hana@example.org"]]
    token = re.search(r"/assess/external/([^/\s]+)/", message.body).group(1)
    assert find_link(token).request_id == made.pk
    assert "NAC-1" in message.body and checklist.title in message.subject
    link = ExternalLink.objects.get()
    assert deliver(link.pk, link.nonce) is False  # sent already
    with commits():
        ApproveExternalAssessorAction(supervisor, user=manager).execute()  # nothing more
    assert ExternalLink.objects.get().nonce == link.nonce
    assert ModelLogEntry.objects.filter(action=APPROVE).count() == 1
    assert Notification.objects.filter(user=staff, kind="assessment.accepted").exists()


def test_a_supervisor_approved_before_gets_the_next_link_at_once(
    checklist, staff, clinic, manager, mailoutbox, commits
):
    first = propose(staff, checklist, clinic)
    ApproveExternalAssessorAction(first.external_assessor, user=manager).execute()
    other = make_checklist("other", safety=False)
    with commits():
        second = propose(staff, other, clinic)
    assert second.external_assessor_id == first.external_assessor_id
    assert ExternalLink.objects.filter(request=second).exists()
    assert any(m.to == ["hana@example.org"] for m in mailoutbox)


def test_not_approving_declines_the_requests_with_the_note(checklist, staff, clinic, manager):
    made = propose(staff, checklist, clinic)
    supervisor = made.external_assessor
    with pytest.raises(CertificationError, match="Say why"):
        RejectExternalAssessorAction(supervisor, user=manager, note="").execute()
    RejectExternalAssessorAction(supervisor, user=manager, note="Registration lapsed").execute()
    made.refresh_from_db()
    supervisor.refresh_from_db()
    assert supervisor.status == ExternalAssessorStatus.REJECTED
    assert made.status == RequestStatus.DECLINED and "Registration lapsed" in made.decline_reason
    assert (
        "Registration lapsed"
        in Notification.objects.get(user=staff, kind="assessment.declined").message
    )
    with pytest.raises(CertificationError):
        ApproveExternalAssessorAction(supervisor, user=manager).execute()
    assert not ExternalLink.objects.exists()


def test_who_decides_on_a_supervisor(
    checklist, staff, trainee, clinic, manager, other_manager, admin_user
):
    for_clinic = propose(staff, checklist, clinic).external_assessor
    with pytest.raises(PermissionDenied):
        ApproveExternalAssessorAction(for_clinic, user=other_manager).execute()
    loner = UserFactory(username="loner")
    no_clinic = propose(loner, checklist).external_assessor
    with pytest.raises(PermissionDenied):
        ApproveExternalAssessorAction(no_clinic, user=manager).execute()
    ApproveExternalAssessorAction(no_clinic, user=admin_user).execute()
    assert ExternalAssessor.objects.get(pk=no_clinic.pk).approved


def test_a_withdrawn_request_closes_its_link(checklist, staff, clinic, manager):
    made = propose(staff, checklist, clinic)
    ApproveExternalAssessorAction(made.external_assessor, user=manager).execute()
    WithdrawRequestAction(made, user=staff).execute()
    link = ExternalLink.objects.select_related("request__external_assessor").get()
    assert deliver(link.pk, link.nonce) is False
