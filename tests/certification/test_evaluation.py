"""After a learner's record changes, its consequences are evaluated at least once and written once.

In these tests (as in any `db` test) after-commit callbacks do not run unless captured: a test
that does not capture them sees exactly what a crash right after the commit would leave.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone

from certification.models import Certificate
from core.models import ScheduledRun
from core.tasks import enqueue_due, periodic_jobs
from courses.evaluation import evaluate_learner, reconcile
from courses.models import Enrollment, ModuleCompletion
from courses.services import complete_lesson
from tests.certification.conftest import meet_everything
from tests.factories import take_quiz

pytestmark = pytest.mark.django_db


class FailingQueries:
    """A database fault: the first `count` queries run through it fail, the rest succeed."""

    def __init__(self, count: int = 1):
        self.remaining = count

    def __call__(self, execute, sql, params, many, context):
        if self.remaining > 0:
            self.remaining -= 1
            raise OperationalError("injected fault")
        return execute(sql, params, many, context)


def test_reconcile_records_what_a_lost_evaluation_left_undone(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)  # after-commit evaluation never runs
    ModuleCompletion.objects.filter(user=trainee).delete()
    Enrollment.objects.filter(user=trainee).update(completed_at=None)
    assert not Certificate.objects.filter(user=trainee).exists()

    summary = reconcile()

    assert summary.repaired_learners == 1
    assert summary.courses_completed == 1 and summary.steps["certificates"] == 1
    assert Enrollment.objects.get(user=trainee).completed_at is not None
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_reconciling_again_finds_nothing_to_repair(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    reconcile()
    again = reconcile()
    assert again.repaired_learners == 0
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_a_dry_run_reports_the_repair_and_writes_nothing(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    summary = reconcile(dry_run=True)
    assert summary.repaired_learners == 1 and summary.steps["certificates"] == 1
    assert not Certificate.objects.exists()


def test_the_reconcile_command_repairs_one_user_and_reports_it(
    trainee, other_trainee, tree, programme, assessor, capsys
):
    meet_everything(trainee, tree, programme, assessor)
    meet_everything(other_trainee, tree, programme, assessor)
    call_command("reconcile_progress", "--user", trainee.username, "--dry-run")
    assert "1 learner(s) checked, 1 needing repair" in capsys.readouterr().out
    assert not Certificate.objects.exists()
    call_command("reconcile_progress", "--user", trainee.username)
    assert list(Certificate.objects.values_list("user", flat=True)) == [trainee.pk]


def test_the_reconcile_command_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("reconcile_progress", "--user", "nobody")


def test_submitting_again_repairs_a_lost_evaluation(
    trainee, tree, programme, assessor, django_capture_on_commit_callbacks
):
    from quizzes import services as quiz_services

    meet_everything(trainee, tree, programme, assessor)
    attempt = trainee.attempts.get()
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        again, _ = quiz_services.submit_attempt(attempt.pk, trainee)
    assert again.pk == attempt.pk and again.passed
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_completing_a_lesson_again_rechecks_progress(
    trainee, tree, programme, django_capture_on_commit_callbacks
):
    take_quiz(trainee, programme.quiz, right=True)
    for lesson in tree.lessons:
        complete_lesson(trainee, lesson)
    ModuleCompletion.objects.filter(user=trainee).delete()
    Enrollment.objects.filter(user=trainee).update(completed_at=None)

    complete_lesson(trainee, tree.lessons[-1])

    assert ModuleCompletion.objects.filter(user=trainee).count() == 1
    assert Enrollment.objects.get(user=trainee).completed_at is not None


def test_signing_again_repairs_a_lost_certificate(
    trainee, tree, programme, assessor, django_capture_on_commit_callbacks
):
    from certification import services
    from certification.models import SkillAssessment

    meet_everything(trainee, tree, programme, assessor)
    last = SkillAssessment.objects.filter(trainee=trainee).latest("signed_at")
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_assessment(last.pk, assessor)
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_an_evaluation_that_fails_after_the_commit_is_retried_from_the_queue(
    trainee, tree, programme, assessor, django_capture_on_commit_callbacks, caplog
):
    from certification import services
    from certification.models import SkillAssessment

    meet_everything(trainee, tree, programme, assessor)
    last = SkillAssessment.objects.filter(trainee=trainee).latest("signed_at")
    with django_capture_on_commit_callbacks() as callbacks:
        services.sign_assessment(last.pk, assessor)
    with connection.execute_wrapper(FailingQueries(1)):
        for callback in callbacks:
            callback()
    assert "the queued retry or the reconcile job will repeat it" in caplog.text
    assert Certificate.objects.filter(user=trainee).count() == 1


def test_evaluating_twice_writes_each_consequence_once(trainee, tree, programme, assessor):
    meet_everything(trainee, tree, programme, assessor)
    first = evaluate_learner(trainee)
    second = evaluate_learner(trainee)
    assert first.changed > 0 and second.changed == 0
    assert Certificate.objects.filter(user=trainee).count() == 1
    assert ModuleCompletion.objects.filter(user=trainee).count() == 1


# The periodic schedule -------------------------------------------------------------------------


def test_each_periodic_job_is_enqueued_once_per_period(db):
    names = {job.name for job in periodic_jobs()}
    assert {"reconcile-progress", "certification-reminders"} <= names
    now = timezone.now()
    assert set(enqueue_due(now)) == names
    assert enqueue_due(now) == [], "a second scheduler in the same period enqueues nothing"
    later = enqueue_due(now + timedelta(days=1, minutes=1))
    assert set(later) == names
    assert ScheduledRun.objects.count() == 2 * len(names)


def test_run_scheduler_once_enqueues_what_is_due(db, capsys):
    call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "enqueued reconcile-progress" in out
    assert ScheduledRun.objects.filter(name="reconcile-progress").count() == 1
