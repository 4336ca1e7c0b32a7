"""A small programme (one course with a quiz, two checklists), a clinic with staff and managers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certification import services
from certification.models import (
    ChecklistItem,
    Clinic,
    ClinicMembership,
    ClinicRole,
    ItemResult,
    Programme,
    SkillChecklist,
)
from courses import services as course_services
from quizzes.demo import take_quiz
from tests.factories import CompetencyFactory, UserFactory, make_question, make_quiz


def make_checklist(key: str, *, safety: bool) -> SkillChecklist:
    skill = CompetencyFactory(code=f"{key}-S", domain="skill")
    danger = CompetencyFactory(code=f"{key}-SAFE", domain="safety")
    checklist = SkillChecklist(key=key, title=f"Checklist {key}", rating_max=6, pass_rating=4)
    items = [
        ChecklistItem(sort_order=0, text="Palpates the chain", competency=skill, must_pass=False)
    ]
    if safety:
        items.append(
            ChecklistItem(
                sort_order=1, text="Keeps depth under 10 mm", competency=danger, must_pass=True
            )
        )
    checklist.items = items
    checklist.save()
    checklist.save_revision().publish()
    return checklist


@pytest.fixture
def programme(tree):
    quiz = make_quiz(tree.module, [make_question()])
    programme = Programme(key="prog", title="Test practitioner", validity_months=24)
    programme.save()
    programme.required_courses = [tree.course]
    programme.required_quizzes = [quiz]
    programme.required_checklists = [
        make_checklist("palp", safety=False),
        make_checklist("needle", safety=True),
    ]
    programme.save()
    programme.quiz = quiz
    return programme


@pytest.fixture
def assessor(instructor):
    return instructor


def assess(
    trainee,
    assessor,
    checklist,
    *,
    passed: bool = True,
    when=None,
    rating: int = 5,
    comments: str = "Good.",
):
    """A signed assessment: every item met (or the must-pass ones not met when `passed` is False)."""
    when = when or timezone.now()
    assessment = services.start_assessment(trainee, assessor, checklist, assessed_on=when.date())
    results = {
        i.position: (ItemResult.MET if passed or not i.must_pass else ItemResult.NOT_MET, "")
        for i in assessment.item_results.all()
    }
    services.update_assessment(
        assessment.pk,
        assessor,
        results=results,
        global_rating=rating,
        comments=comments,
        assessed_on=when.date(),
    )
    return services.sign_assessment(assessment.pk, assessor, now=when)


def finish_course(user, tree, programme) -> None:
    course_services.enrol(user, tree.course)
    for lesson in tree.lessons:
        course_services.complete_lesson(user, lesson)
    take_quiz(user, programme.quiz, right=True)
    course_services.record_progress(user, tree.course)


def meet_everything(user, tree, programme, assessor, when=None) -> None:
    finish_course(user, tree, programme)
    for checklist in programme.required_checklists.all():
        assess(user, assessor, checklist, when=when)


@pytest.fixture
def clinic(db):
    return Clinic.objects.create(name="Riverside", slug="riverside")


@pytest.fixture
def other_clinic(db):
    return Clinic.objects.create(name="Harbour", slug="harbour")


@pytest.fixture
def manager(clinic):
    user = UserFactory(username="manager-a", groups=["Clinic managers"])
    ClinicMembership.objects.create(clinic=clinic, user=user, role=ClinicRole.MANAGER)
    return user


@pytest.fixture
def other_manager(other_clinic):
    user = UserFactory(username="manager-b", groups=["Clinic managers"])
    ClinicMembership.objects.create(clinic=other_clinic, user=user, role=ClinicRole.MANAGER)
    return user


@pytest.fixture
def staff(clinic, trainee):
    ClinicMembership.objects.create(clinic=clinic, user=trainee, role=ClinicRole.STAFF)
    return trainee


def days(n: int) -> timedelta:
    return timedelta(days=n)
