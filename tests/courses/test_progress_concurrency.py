"""Idempotent progress writes under concurrency (PostgreSQL)."""

import threading

import pytest
from django.db import transaction

from courses import services
from courses.models import Enrollment, LessonCompletion, ModuleCompletion
from quizzes.models import Attempt, AttemptState
from tests.concurrency import requires_postgres, run_concurrently
from tests.conftest import build_tree
from tests.factories import UserFactory, make_question, make_quiz

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_concurrent_enrolments_leave_one_row():
    tree = build_tree(lessons=1)
    learner = UserFactory(username="eager")
    results = run_concurrently(lambda: services.enrol(learner, tree.course), threads=8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Enrollment.objects.filter(user=learner).count() == 1
    assert sum(1 for _, created in results if created) == 1


def test_concurrent_completions_of_a_lesson_leave_one_row():
    tree = build_tree(lessons=2)
    learner = UserFactory(username="clicker")
    services.enrol(learner, tree.course)
    results = run_concurrently(
        lambda: services.complete_lesson(learner, tree.lessons[0]), threads=8
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert LessonCompletion.objects.filter(user=learner).count() == 1


def test_last_lesson_and_quiz_pass_at_the_same_moment_complete_the_course_once():
    """Each transaction writes its own last step, then both judge the course at once.

    Without the enrolment lock neither would see the other's step and the course would never
    complete; with it, the second judge waits for the first to commit and sees both.
    """
    tree = build_tree(lessons=2)
    quiz = make_quiz(tree.module, [make_question()])
    learner = UserFactory(username="finisher")
    services.enrol(learner, tree.course)
    services.complete_lesson(learner, tree.lessons[0])
    heard = []
    services.course_completed.connect(
        lambda **kw: heard.append(1), dispatch_uid="conc-heard", weak=False
    )
    both_written = threading.Barrier(2)
    steps = iter(
        [
            lambda: LessonCompletion.objects.create(user=learner, lesson=tree.lessons[1]),
            # A graded, passed attempt written directly: no on-commit signal re-judges later.
            lambda: Attempt.objects.create(
                user=learner,
                quiz=quiz,
                number=1,
                state=AttemptState.GRADED,
                passed=True,
                pass_mark=70,
                review_policy="answers",
                score=1,
                max_score=1,
                percent=100,
            ),
        ]
    )
    lock = threading.Lock()

    def write_then_judge():
        with lock:
            step = next(steps)
        with transaction.atomic():
            step()
            both_written.wait(timeout=10)
            return services.record_progress(learner, tree.course)

    try:
        results = run_concurrently(write_then_judge, threads=2)
    finally:
        services.course_completed.disconnect(dispatch_uid="conc-heard")
    assert not [r for r in results if isinstance(r, Exception)], results
    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.completed_at is not None, (
        "the course must complete even when its last two steps land together"
    )
    assert ModuleCompletion.objects.filter(user=learner).count() == 1
    assert heard == [1]
