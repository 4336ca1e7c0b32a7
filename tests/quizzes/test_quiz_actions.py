"""Submitting, committing a case stage and grading an essay: who may, and one audit entry each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from wagtail.models import ModelLogEntry

from quizzes import services
from quizzes.actions import (
    OWN_ANSWER,
    AdvanceStageAction,
    GradeEssayAction,
    SubmitAttemptAction,
)
from quizzes.errors import GradingError
from quizzes.models import Attempt, AttemptState, QuizPage, Response
from tests.quizzes.conftest import form_for
from tests.quizzes.example_case import import_example_case

pytestmark = pytest.mark.django_db

NOT_THE_LEARNER = ["other_trainee", "instructor", "admin_user", "anonymous"]


@pytest.fixture
def anonymous() -> AnonymousUser:
    return AnonymousUser()


@pytest.fixture
def case_quiz(tree) -> QuizPage:
    return import_example_case(tree)


def answered(attempt: Attempt) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in form_for(attempt).items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def entries(action: str, attempt: Attempt) -> int:
    return ModelLogEntry.objects.filter(action=action, object_id=str(attempt.pk)).count()


def essay_of(user, quiz) -> Response:
    attempt = services.start_attempt(user, quiz)
    attempt, errors = services.submit_attempt(attempt.pk, user, answered(attempt))
    assert not errors and attempt.state == AttemptState.AWAITING_GRADING
    return attempt.responses.select_related("attempt").get(question_snapshot__type="essay")


# Submitting -------------------------------------------------------------------------------


def test_the_learner_may_submit_their_attempt(trainee, quiz):
    SubmitAttemptAction(services.start_attempt(trainee, quiz), user=trainee).check()


@pytest.mark.parametrize("someone", NOT_THE_LEARNER)
def test_nobody_else_may_submit_a_learners_attempt(request, trainee, quiz, someone):
    attempt = services.start_attempt(trainee, quiz)
    action = SubmitAttemptAction(attempt, user=request.getfixturevalue(someone))
    with pytest.raises(PermissionDenied, match="Only the learner"):
        action.check()
    with pytest.raises(PermissionDenied):
        action.execute()
    attempt.refresh_from_db()
    assert attempt.is_open and entries("quizzes.attempt.submit", attempt) == 0
    action.check(skip_permission_checks=True)


def test_a_submit_is_logged_once_however_often_it_is_repeated(trainee, quiz):
    attempt = services.start_attempt(trainee, quiz)
    submitted, errors = SubmitAttemptAction(attempt, user=trainee, data=answered(attempt)).execute()
    assert not errors and submitted.state == AttemptState.GRADED and submitted.passed
    again, _ = SubmitAttemptAction(attempt, user=trainee).execute()
    assert again.pk == submitted.pk and again.percent == submitted.percent
    (entry,) = ModelLogEntry.objects.filter(action="quizzes.attempt.submit")
    assert entry.object_id == str(attempt.pk) and entry.user_id == trainee.pk


# Committing a case stage ------------------------------------------------------------------


def test_the_learner_may_commit_a_stage_of_their_case(trainee, case_quiz):
    AdvanceStageAction(services.start_attempt(trainee, case_quiz), user=trainee, stage=1).check()


@pytest.mark.parametrize("someone", NOT_THE_LEARNER)
def test_nobody_else_may_commit_a_learners_stage(request, trainee, case_quiz, someone):
    attempt = services.start_attempt(trainee, case_quiz)
    action = AdvanceStageAction(attempt, user=request.getfixturevalue(someone), stage=1)
    with pytest.raises(PermissionDenied, match="Only the learner"):
        action.check()
    with pytest.raises(PermissionDenied):
        action.execute()
    attempt.refresh_from_db()
    assert attempt.current_stage == 1 and entries("quizzes.attempt.advance", attempt) == 0


def test_committing_a_stage_is_logged_once_even_when_repeated(trainee, case_quiz):
    attempt = services.start_attempt(trainee, case_quiz)
    advanced, errors = AdvanceStageAction(attempt, user=trainee, stage=1).execute()
    assert not errors and advanced.current_stage == 2
    repeated, _ = AdvanceStageAction(attempt, user=trainee, stage=1).execute()
    assert repeated.current_stage == 2
    (entry,) = ModelLogEntry.objects.filter(action="quizzes.attempt.advance")
    assert entry.user_id == trainee.pk and entry.data == {"stage": 2}


# Grading an essay -------------------------------------------------------------------------


@pytest.mark.parametrize("grader", ["instructor", "admin_user"])
def test_a_grader_may_grade_someone_elses_essay(request, trainee, essay_quiz, grader):
    response = essay_of(trainee, essay_quiz)
    action = GradeEssayAction(response, user=request.getfixturevalue(grader))
    action.check()
    assert action.refusal() is None


@pytest.mark.parametrize("someone", ["trainee", "other_trainee", "reviewer", "anonymous"])
def test_only_graders_may_grade(request, trainee, essay_quiz, someone):
    response = essay_of(trainee, essay_quiz)
    action = GradeEssayAction(response, user=request.getfixturevalue(someone), mark=Decimal(1))
    with pytest.raises(PermissionDenied, match="permission to grade"):
        action.check()
    with pytest.raises(PermissionDenied):
        action.execute()
    response.refresh_from_db()
    assert response.needs_grading and entries("quizzes.response.grade", response.attempt) == 0


@pytest.mark.parametrize("grader", ["instructor", "admin_user"])
def test_nobody_grades_their_own_essay(request, essay_quiz, grader):
    user = request.getfixturevalue(grader)
    response = essay_of(user, essay_quiz)
    action = GradeEssayAction(response, user=user, mark=Decimal(4))
    with pytest.raises(PermissionDenied) as refused:
        action.check()
    assert isinstance(refused.value, GradingError) and str(refused.value) == OWN_ANSWER
    assert action.refusal() == OWN_ANSWER
    with pytest.raises(GradingError, match="your own answer"):
        action.execute()
    response.refresh_from_db()
    assert response.needs_grading
    assert not GradeEssayAction.gradable(Response.objects.filter(pk=response.pk), user).exists()


def test_grading_is_logged_once(trainee, instructor, essay_quiz):
    response = essay_of(trainee, essay_quiz)
    graded = GradeEssayAction(
        response, user=instructor, mark=Decimal(3), comment="  Good.  "
    ).execute()
    assert graded.rubric_score == Decimal(3) and graded.grader_comment == "Good."
    assert graded.graded_by == instructor and not graded.needs_grading
    (entry,) = ModelLogEntry.objects.filter(action="quizzes.response.grade")
    assert entry.user_id == instructor.pk and entry.object_id == str(response.attempt_id)
    assert entry.data["response"] == response.pk


def test_a_mark_off_the_rubric_is_refused_and_nothing_is_logged(trainee, instructor, essay_quiz):
    response = essay_of(trainee, essay_quiz)
    with pytest.raises(GradingError, match="The mark must be between 0"):
        GradeEssayAction(response, user=instructor, mark=Decimal(-1)).execute()
    assert entries("quizzes.response.grade", response.attempt) == 0
