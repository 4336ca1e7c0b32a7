"""What the chair-side screen, external link and countersigning tests share: the people of each
role, a checklist asking for a countersignature, requests and links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certification.external_links import issue_link, link_token
from certification.models import (
    AssessmentRequest,
    ClinicMembership,
    ClinicRole,
    ExternalAssessor,
    ExternalAssessorStatus,
    RequestStatus,
)
from core.roles import ASSESSORS, INSTRUCTORS
from tests.factories import UserFactory, make_checklist

ROLES = (
    "anonymous",
    "trainee",
    "other_trainee",
    "assessor",
    "manager",
    "other_manager",
    "admin",
)


@pytest.fixture(name="second_assessor")
def second_assessor_fixture(roles):
    return UserFactory(username="assessor-b", groups=[ASSESSORS])


@pytest.fixture(name="checklist")
def checklist_fixture(db):
    checklist = make_checklist("needle", safety=True)
    checklist.requires_countersign = True
    checklist.save()
    checklist.save_revision().publish()
    return checklist


@pytest.fixture(name="people")
def people_fixture(trainee, other_trainee, instructor, manager, other_manager, admin_user, staff):
    """One account per role (None: signed out); the trainee is staff of the manager's clinic."""
    return {
        "anonymous": None,
        "trainee": trainee,
        "other_trainee": other_trainee,
        "assessor": instructor,
        "manager": manager,
        "other_manager": other_manager,
        "admin": admin_user,
    }


def client_as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client


def accepted_request(trainee, assessor, checklist) -> AssessmentRequest:
    return AssessmentRequest.objects.create(
        trainee=trainee,
        assessor=assessor,
        checklist=checklist,
        status=RequestStatus.ACCEPTED,
        responded_at=timezone.now(),
    )


def external_request(trainee, checklist, clinic=None, *, approved: bool = True):
    """An approved external supervisor's request, and the token of its link."""
    supervisor = ExternalAssessor.objects.create(
        name="Dr Ada Lin",
        email="ada@example.org",
        registration_body="Acupuncture Council",
        registration_number="AC-1234",
        clinic=clinic,
        status=ExternalAssessorStatus.APPROVED if approved else ExternalAssessorStatus.PENDING,
    )
    asked = AssessmentRequest.objects.create(
        trainee=trainee, external_assessor=supervisor, checklist=checklist
    )
    link = issue_link(asked, by=None)
    return asked, link, link_token(link)


def all_met(assessment) -> dict[str, str]:
    """The screen's form with every item met, a passing rating and today's date."""
    data = {f"item_{i.position}": "met" for i in assessment.item_results.all()} | {
        f"item_{i.position}_comment": "" for i in assessment.item_results.all()
    }
    data.update(global_rating="5", comments="Steady hands.", assessed_on=str(timezone.localdate()))
    return data


def staff_member(clinic, user) -> None:
    ClinicMembership.objects.get_or_create(clinic=clinic, user=user, role=ClinicRole.STAFF)


def days(n: int) -> timedelta:
    return timedelta(days=n)


__all__ = ["INSTRUCTORS", "ROLES"]
