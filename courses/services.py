"""Enrolment and completion: idempotent writes, safe under concurrent requests.

Each write is a get-or-create backed by a unique constraint: doing it twice, or twice at once,
leaves one row. Module and course completion are derived from lesson completions and passed
quizzes and recorded the first time they hold; listeners hear of a completed course after the
transaction commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.dispatch import Signal
from django.utils import timezone
from wagtail.models import Page

from courses.evaluation import request_evaluation
from courses.models import (
    CoursePage,
    Enrollment,
    EnrollmentSource,
    LessonCompletion,
    LessonPage,
    ModuleCompletion,
)
from courses.progress import CourseProgress, course_progress

# Sent with `user`, `course` and `enrollment` when a learner first completes a course.
course_completed = Signal()


def get_or_create_once(
    model: type[models.Model], defaults: dict[str, Any] | None = None, **lookup
) -> tuple[Any, bool]:
    """get_or_create that survives a concurrent insert of the same row (unique constraint)."""
    try:
        with transaction.atomic():
            return model._default_manager.get_or_create(defaults=defaults or {}, **lookup)
    except IntegrityError:
        return model._default_manager.get(**lookup), False


def course_of(page: Page) -> CoursePage:
    """The course a lesson, quiz or module belongs to."""
    return CoursePage.objects.ancestor_of(page, inclusive=True).get()


def enrol(
    user, course: CoursePage, *, source: str = EnrollmentSource.SELF, now: datetime | None = None
) -> tuple[Enrollment, bool]:
    """Enrol `user` in `course`; enrolling again returns the existing enrolment."""
    now = now or timezone.now()
    return get_or_create_once(
        Enrollment,
        {"enrolled_at": now, "last_activity_at": now, "source": source},
        user=user,
        course=course,
    )


def is_enrolled(user, course: Page) -> bool:
    return (
        user.is_authenticated and Enrollment.objects.filter(user=user, course_id=course.pk).exists()
    )


def complete_lesson(
    user, lesson: LessonPage, *, now: datetime | None = None
) -> tuple[LessonCompletion, bool]:
    """Record that `user` finished `lesson` (once), then any module or course it completes.

    Progress is judged again on every call, not only the first: a repeated "Mark as complete"
    repairs a completion that an earlier failure left unrecorded. What follows from it
    (certificates) is evaluated once this commits (courses.evaluation).
    """
    now = now or timezone.now()
    completion, created = get_or_create_once(
        LessonCompletion, {"completed_at": now}, user=user, lesson=lesson
    )
    record_progress(user, course_of(lesson), now=now)
    request_evaluation(user)
    return completion, created


@transaction.atomic
def record_progress(user, course: Page, *, now: datetime | None = None) -> CourseProgress | None:
    """Record the first completion of each module, and of the course, that now holds.

    The learner's enrolment row is locked first, so two completions arriving together are
    judged one after the other: the second sees the first, and the course completes once.
    """
    now = now or timezone.now()
    enrollment = (
        Enrollment.objects.select_for_update().filter(user=user, course_id=course.pk).first()
    )
    if enrollment is None:
        return None
    progress = course_progress(user, course)
    for module in progress.modules:
        if module.complete and module.total and module.completed_at is None:
            record, _ = get_or_create_once(
                ModuleCompletion, {"completed_at": now}, user=user, module=module.module
            )
            module.completed_at = record.completed_at
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=now)
    if progress.complete:
        # Only the request that sets completed_at first sends the signal.
        first = Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(
            completed_at=now
        )
        if first:
            enrollment.completed_at = now
            transaction.on_commit(
                lambda: course_completed.send(
                    sender=Enrollment, user=user, course=course, enrollment=enrollment
                )
            )
    return progress
