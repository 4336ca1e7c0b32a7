"""The certification actions: who each action's check() lets through, and one audit entry per
write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from wagtail.models import ModelLogEntry

from certification import actions
from certification.models import ClinicMembership, ClinicRole, ItemResult, ProgrammeAssignment
from certification.rules import CertificationError
from core.roles import INSTRUCTORS, REVIEWERS
from tests.certification.conftest import meet_everything
from tests.factories import UserFactory, make_checklist

pytestmark = pytest.mark.django_db

ROLES = ["trainee", "assessor", "colleague", "reviewer", "manager", "other_manager", "admin"]


@pytest.fixture
def users(roles, staff, assessor, manager, other_manager, admin_user):
    return {
        "trainee": staff,
        "assessor": assessor,
        "colleague": UserFactory(username="instructor-b", groups=[INSTRUCTORS]),
        "reviewer": UserFactory(username="reviewer-b", groups=[REVIEWERS]),
        "manager": manager,
        "other_manager": other_manager,
        "admin": admin_user,
    }


def allowed(action) -> bool:
    """Whether `action.check()` lets its user through (a refusal of the rules counts as through)."""
    try:
        action.check()
    except PermissionDenied:
        return False
    except CertificationError:
        return True
    return True


def entries(action_name: str) -> int:
    return ModelLogEntry.objects.filter(action=action_name).count()


@pytest.fixture
def draft(staff, assessor):
    assessment = actions.start_assessment(staff, assessor, make_checklist("palp", safety=False))
    actions.update_assessment(
        assessment.pk,
        assessor,
        results={i.position: (ItemResult.MET, "") for i in assessment.item_results.all()},
        global_rating=5,
        comments="",
        assessed_on=assessment.assessed_on,
    )
    return assessment


@pytest.fixture
def certificate(staff, tree, programme, assessor):
    meet_everything(staff, tree, programme, assessor)
    from certification.services import issue_if_due

    return issue_if_due(staff, programme)


# check() per role -------------------------------------------------------------------------------


def test_assessors_and_admins_start_assessments(users):
    checklist = make_checklist("needle", safety=True)
    trainee = users["trainee"]
    may = {
        role: allowed(actions.StartAssessmentAction(checklist, user=user, trainee=trainee))
        for role, user in users.items()
        if role != "trainee"
    }
    assert may == {
        "assessor": True,
        "colleague": True,
        "reviewer": False,
        "manager": False,
        "other_manager": False,
        "admin": True,
    }
    with pytest.raises(PermissionDenied):
        actions.StartAssessmentAction(checklist, user=trainee, trainee=users["assessor"]).check()


@pytest.mark.parametrize(
    "action_class", [actions.UpdateAssessmentAction, actions.SignAssessmentAction]
)
def test_only_the_recording_assessor_changes_or_signs_a_draft(users, draft, action_class):
    extra = (
        {"results": {}, "global_rating": 5, "comments": "", "assessed_on": draft.assessed_on}
        if action_class is actions.UpdateAssessmentAction
        else {}
    )
    may = {role: allowed(action_class(draft, user=user, **extra)) for role, user in users.items()}
    assert may == {role: role == "assessor" for role in ROLES}


def test_those_holding_the_revoke_permission_revoke(users, certificate):
    may = {
        role: allowed(actions.RevokeCertificateAction(certificate, user=user, reason="Audit."))
        for role, user in users.items()
    }
    assert may == {
        "trainee": False,
        "assessor": True,
        "colleague": True,
        "reviewer": False,
        "manager": False,
        "other_manager": False,
        "admin": True,
    }
    limited = UserFactory(username="viewer")
    limited.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="certification", codename="view_certificates"
        )
    )
    assert not allowed(actions.RevokeCertificateAction(certificate, user=limited, reason="x"))


def test_a_revocation_needs_a_reason(users, certificate):
    with pytest.raises(CertificationError, match="reason"):
        actions.RevokeCertificateAction(certificate, user=users["admin"], reason="  ").check()


def test_a_clinics_managers_assign_its_programmes(users, clinic, programme):
    due = timezone.localdate() + timedelta(days=30)
    staff = [users["trainee"]]
    may = {
        role: allowed(actions.AssignProgrammeAction(clinic, user, staff, programme, due))
        for role, user in users.items()
    }
    assert may == {
        "trainee": False,
        "assessor": False,
        "colleague": False,
        "reviewer": False,
        "manager": True,
        "other_manager": False,
        "admin": True,
    }


def test_programmes_are_assigned_to_the_clinics_own_staff_only(
    users, other_clinic, clinic, programme
):
    outsider = UserFactory(username="harbour-staff")
    ClinicMembership.objects.create(clinic=other_clinic, user=outsider, role=ClinicRole.STAFF)
    action = actions.AssignProgrammeAction(
        clinic, users["manager"], [outsider], programme, timezone.localdate()
    )
    with pytest.raises(CertificationError, match="this clinic's staff"):
        action.execute()
    assert not ProgrammeAssignment.objects.exists()


def test_skipping_the_permission_check_keeps_the_rules(users, draft):
    stranger = users["reviewer"]
    signed = actions.SignAssessmentAction(draft, user=stranger).execute(skip_permission_checks=True)
    assert signed.is_signed
    checklist = make_checklist("needle", safety=True)
    with pytest.raises(CertificationError, match="themselves"):
        actions.StartAssessmentAction(checklist, user=stranger, trainee=stranger).execute(
            skip_permission_checks=True
        )


# execute() writes once and logs once ------------------------------------------------------------


def test_signing_logs_once_however_often_it_is_asked(users, draft):
    action = actions.SignAssessmentAction(draft, user=users["assessor"])
    first = action.execute()
    again = actions.SignAssessmentAction(draft, user=users["assessor"]).execute()
    assert again.signed_at == first.signed_at
    (entry,) = ModelLogEntry.objects.filter(action=actions.SIGN)
    assert entry.user_id == users["assessor"].pk
    assert entry.data == {"passed": True, "trainee": users["trainee"].pk}


def test_a_refused_signature_writes_and_logs_nothing(users, draft):
    with pytest.raises(PermissionDenied):
        actions.SignAssessmentAction(draft, user=users["colleague"]).execute()
    draft.refresh_from_db()
    assert not draft.is_signed and entries(actions.SIGN) == 0


def test_revoking_logs_once_and_a_second_revocation_is_refused(users, certificate):
    actions.RevokeCertificateAction(certificate, user=users["admin"], reason=" Audit. ").execute()
    with pytest.raises(CertificationError, match="already revoked"):
        actions.RevokeCertificateAction(certificate, user=users["admin"], reason="Again").execute()
    (entry,) = ModelLogEntry.objects.filter(action=actions.REVOKE)
    assert entry.user_id == users["admin"].pk and entry.data == {"reason": "Audit."}
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "Audit." and certificate.revoked_by == users["admin"]


def test_a_refused_revocation_writes_and_logs_nothing(users, certificate):
    with pytest.raises(PermissionDenied):
        actions.RevokeCertificateAction(certificate, user=users["trainee"], reason="x").execute()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and entries(actions.REVOKE) == 0


def test_assigning_logs_once_per_assignment(users, clinic, programme):
    due = timezone.localdate() + timedelta(days=30)
    staff = users["trainee"]
    action = actions.AssignProgrammeAction(clinic, users["manager"], [staff], programme, due)
    assert action.execute() == 1
    (entry,) = ModelLogEntry.objects.filter(action=actions.ASSIGN)
    assert entry.user_id == users["manager"].pk and entry.object_id == str(clinic.pk)
    assert entry.data == {"programme": programme.key, "due": due.isoformat(), "staff": [staff.pk]}
    assert ProgrammeAssignment.objects.get().due_date == due


def test_a_refused_assignment_writes_and_logs_nothing(users, clinic, programme):
    action = actions.AssignProgrammeAction(
        clinic, users["other_manager"], [users["trainee"]], programme, timezone.localdate()
    )
    with pytest.raises(PermissionDenied):
        action.execute()
    assert not ProgrammeAssignment.objects.exists() and entries(actions.ASSIGN) == 0


def test_starting_and_editing_a_draft_are_not_audited(users, draft):
    assert not ModelLogEntry.objects.filter(action__startswith="certification.").exists()
