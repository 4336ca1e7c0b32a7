"""A crash at any query of a learner's last step loses nothing once the reconcile has run.

For each of the three last steps (submitting the quiz, marking the last lesson complete, signing
the last assessment) and for every query k that step makes, a learner one step from the
certificate takes that step while the database fails from query k on, as if the worker were
killed there. Afterwards the reconcile runs once. Every learner whose records meet the programme
then holds exactly one certificate, and no completion or certificate is written twice.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection

from certification import services
from certification.models import Certificate, ItemResult, SkillAssessment
from courses import services as course_services
from courses.evaluation import reconcile
from courses.models import ModuleCompletion
from courses.progress import course_progress
from quizzes import services as quiz_services
from quizzes.model_answers import correct_answer
from quizzes.models import Attempt, AttemptState
from tests.certification.test_certificate_concurrency import small_programme
from tests.concurrency import requires_postgres
from tests.factories import UserFactory

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

_names = itertools.count()


class CrashFrom:
    """Every query from the k-th on fails (k counts from 1); `count` is how many were made."""

    def __init__(self, k: int | None):
        self.k = k
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.k is not None and self.count >= self.k:
            raise OperationalError(f"injected crash at query {self.k}")
        return execute(sql, params, many, context)


def sign(trainee, assessor, checklist) -> SkillAssessment:
    assessment = services.start_assessment(trainee, assessor, checklist)
    draft(assessment, assessor)
    return services.sign_assessment(assessment.pk, assessor)


def draft(assessment, assessor) -> None:
    results = {i.position: (ItemResult.MET, "") for i in assessment.item_results.all()}
    services.update_assessment(
        assessment.pk,
        assessor,
        results=results,
        global_rating=5,
        comments="",
        assessed_on=assessment.assessed_on,
    )


def learner_before_quiz_submit(tree, programme, assessor) -> tuple:
    user = UserFactory(username=f"learner-{next(_names)}")
    course_services.enrol(user, tree.course)
    for lesson in tree.lessons:
        course_services.complete_lesson(user, lesson)
    for checklist in programme.required_checklists.all():
        sign(user, assessor, checklist)
    attempt = quiz_services.start_attempt(user, programme.quiz)
    for response in attempt.responses.all():
        response.answer = correct_answer(response.question_snapshot, response.display)
        response.save(update_fields=["answer"])
    return user, lambda: quiz_services.submit_attempt(attempt.pk, user)


def learner_before_last_lesson(tree, programme, assessor) -> tuple:
    user = UserFactory(username=f"learner-{next(_names)}")
    course_services.enrol(user, tree.course)
    for lesson in tree.lessons[:-1]:
        course_services.complete_lesson(user, lesson)
    for checklist in programme.required_checklists.all():
        sign(user, assessor, checklist)
    attempt = quiz_services.start_attempt(user, programme.quiz)
    for response in attempt.responses.all():
        response.answer = correct_answer(response.question_snapshot, response.display)
        response.save(update_fields=["answer"])
    quiz_services.submit_attempt(attempt.pk, user)
    return user, lambda: course_services.complete_lesson(user, tree.lessons[-1])


def learner_before_last_signature(tree, programme, assessor) -> tuple:
    user = UserFactory(username=f"learner-{next(_names)}")
    course_services.enrol(user, tree.course)
    for lesson in tree.lessons:
        course_services.complete_lesson(user, lesson)
    attempt = quiz_services.start_attempt(user, programme.quiz)
    for response in attempt.responses.all():
        response.answer = correct_answer(response.question_snapshot, response.display)
        response.save(update_fields=["answer"])
    quiz_services.submit_attempt(attempt.pk, user)
    first, last = programme.required_checklists.all()
    sign(user, assessor, first)
    assessment = services.start_assessment(user, assessor, last)
    draft(assessment, assessor)
    return user, lambda: services.sign_assessment(assessment.pk, assessor)


def records_meet_programme(user, tree, programme) -> bool:
    """The oracle, from records only: lessons done, quiz passed, both checklists passed."""
    passed_quiz = Attempt.objects.filter(
        user=user, quiz=programme.quiz, state=AttemptState.GRADED, passed=True
    ).exists()
    signed = set(
        SkillAssessment.objects.filter(
            trainee=user, passed=True, signed_at__isnull=False
        ).values_list("checklist_id", flat=True)
    )
    needed = set(programme.required_checklists.values_list("pk", flat=True))
    return course_progress(user, tree.course).complete and passed_quiz and needed <= signed


def take_step_crashing_at(step: Callable[[], object], k: int | None) -> int:
    crash = CrashFrom(k)
    with connection.execute_wrapper(crash), contextlib.suppress(OperationalError):
        step()
    return crash.count


@pytest.mark.parametrize(
    "prepare",
    [learner_before_quiz_submit, learner_before_last_lesson, learner_before_last_signature],
    ids=["quiz-submit", "last-lesson", "last-signature"],
)
def test_a_crash_at_any_query_of_the_last_step_is_repaired_by_the_reconcile(prepare):
    tree, programme, assessor = small_programme()
    _, step = prepare(tree, programme, assessor)
    queries = take_step_crashing_at(step, None)  # the clean run: how many queries the step makes
    assert queries > 10

    learners = []
    for k in range(1, queries + 1):
        user, step = prepare(tree, programme, assessor)
        take_step_crashing_at(step, k)
        learners.append(user)

    met_before = [u for u in learners if records_meet_programme(u, tree, programme)]
    certified_before = set(
        Certificate.objects.filter(user__in=learners).values_list("user_id", flat=True)
    )
    lost = [u for u in met_before if u.pk not in certified_before]
    assert lost, "some crash must fall after the commit, or this test proves nothing"

    summary = reconcile()
    assert summary.repaired_learners >= len(lost)

    for user in learners:
        certificates = Certificate.objects.filter(user=user, programme=programme).count()
        if records_meet_programme(user, tree, programme):
            assert certificates == 1, f"{user.username} met every requirement"
        else:
            assert certificates == 0
        assert ModuleCompletion.objects.filter(user=user).count() <= 1
        assert Attempt.objects.filter(user=user, state=AttemptState.GRADED).count() <= 1
    assert reconcile().repaired_learners == 0
