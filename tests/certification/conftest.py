"""A small programme (one course with a quiz, two checklists), a clinic with staff and managers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from certification.models import (
    ClinicMembership,
    ClinicRole,
)
from courses import services as course_services
from tests.factories import (
    ClinicFactory,
    UserFactory,
    assess,
    make_checklist,
    make_programme,
    make_question,
    make_quiz,
    take_quiz,
)

__all__ = ["assess", "make_checklist"]


@pytest.fixture
def programme(tree):
    quiz = make_quiz(tree.module, [make_question()])
    checklists = [make_checklist("palp", safety=False), make_checklist("needle", safety=True)]
    programme = make_programme(
        "prog", "Test practitioner", courses=[tree.course], quizzes=[quiz], checklists=checklists
    )
    programme.quiz = quiz
    return programme


@pytest.fixture
def assessor(instructor):
    return instructor


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
    return ClinicFactory(name="Riverside", slug="riverside")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Harbour", slug="harbour")


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
