"""Signals that may complete a programme: each runs after the transaction that sent it commits."""

from django.db import transaction
from django.dispatch import receiver

from certification.services import assessment_signed, issue_due_certificates
from courses.services import course_completed
from quizzes.signals import attempt_graded


def _check(user) -> None:
    with transaction.atomic():
        issue_due_certificates(user)


@receiver(course_completed, dispatch_uid="certification-on-course-completed")
def on_course_completed(sender, user, **kwargs):
    _check(user)


@receiver(attempt_graded, dispatch_uid="certification-on-attempt-graded")
def on_attempt_graded(sender, attempt, **kwargs):
    if attempt.passed:
        _check(attempt.user)


@receiver(assessment_signed, dispatch_uid="certification-on-assessment-signed")
def on_assessment_signed(sender, assessment, **kwargs):
    if assessment.passed:
        _check(assessment.trainee)
