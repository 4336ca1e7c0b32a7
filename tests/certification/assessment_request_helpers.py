"""Helpers of the assessment request tests: assessors, restricting a checklist, asking."""

from __future__ import annotations

from certification.models import ChecklistAssessor
from certification.requests import ExternalProposal, RequestAssessmentAction
from core.roles import ASSESSORS
from tests.factories import UserFactory


def make_assessor(username: str, first: str = "Asha", last: str = "Observer"):
    """An assessor of the Assessors group (no admin access); the groups need `roles` first."""
    return UserFactory(username=username, first_name=first, last_name=last, groups=[ASSESSORS])


def restrict(checklist, *users) -> None:
    """List `users` as the checklist's only eligible assessors."""
    for user in users:
        ChecklistAssessor.objects.create(checklist=checklist, user=user)


def ask(trainee, assessor, checklist, message: str = ""):
    return RequestAssessmentAction(
        checklist, user=trainee, assessor=assessor, message=message
    ).execute()


def proposal(clinic=None, email: str = "hana@example.org") -> ExternalProposal:
    return ExternalProposal(
        name="Hana Mori",
        email=email,
        profession="Acupuncturist",
        registration_body="National Acupuncture Council",
        registration_number="NAC-1",
        clinic=clinic,
    )


def propose(trainee, checklist, clinic=None, email: str = "hana@example.org"):
    return RequestAssessmentAction(
        checklist, user=trainee, external=proposal(clinic, email)
    ).execute()
