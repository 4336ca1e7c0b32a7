"""One evaluation per change of a learner's record: progress, then each later step, once each."""

from __future__ import annotations

import pytest

from certification.models import Certificate
from courses import evaluation
from courses.services import complete_lesson, enrol, record_progress
from tests.certification.conftest import assess
from tests.factories import take_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """Every progress recording and every certificates step, in the order they run."""
    seen: list[str] = []
    certificates = evaluation._STEPS["certificates"]

    def counted_certificates(user, now):
        seen.append("certificates")
        return certificates(user, now=now)

    def counted_progress(user, course, *, now=None):
        seen.append("progress")
        return record_progress(user, course, now=now)

    monkeypatch.setitem(evaluation._STEPS, "certificates", counted_certificates)
    monkeypatch.setattr("courses.services.record_progress", counted_progress)
    return seen


def test_submitting_a_quiz_records_progress_then_checks_certificates_once(
    trainee, tree, programme, calls, django_capture_on_commit_callbacks
):
    enrol(trainee, tree.course)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        take_quiz(trainee, programme.quiz, right=True)
    assert len(callbacks) == 1
    assert calls == ["progress", "certificates"]


def test_completing_a_lesson_is_evaluated_once(
    trainee, tree, programme, calls, django_capture_on_commit_callbacks
):
    enrol(trainee, tree.course)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        complete_lesson(trainee, tree.lessons[0])
    assert len(callbacks) == 1
    # The lesson's own request records progress at once; the evaluation then runs each step.
    assert calls == ["progress", "progress", "certificates"]


def test_signing_the_last_assessment_issues_the_certificate_in_its_one_evaluation(
    trainee, tree, programme, assessor, calls, django_capture_on_commit_callbacks
):
    enrol(trainee, tree.course)
    for lesson in tree.lessons:
        complete_lesson(trainee, lesson)
    take_quiz(trainee, programme.quiz, right=True)
    first, last = programme.required_checklists.all()
    assess(trainee, assessor, first)
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assess(trainee, assessor, last)
    assert calls == ["progress", "certificates"]
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_a_batch_evaluates_each_learner_once_after_all_its_writes(
    trainee, other_trainee, tree, programme, calls, django_capture_on_commit_callbacks
):
    from django.db import transaction

    for learner in (trainee, other_trainee):
        enrol(learner, tree.course)
    calls.clear()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
        evaluation.batched_evaluations(),
    ):
        for lesson in tree.lessons:
            complete_lesson(trainee, lesson)
        complete_lesson(other_trainee, tree.lessons[0])
    assert len(callbacks) == 2  # one evaluation per learner, after the commit
    assert calls.count("certificates") == 2
