"""Enrolment and completion: idempotent writes, safe under concurrent requests.

Each write is a get-or-create backed by a unique constraint: doing it twice, or twice at once,
leaves one row. Module and course completion are derived from lesson completions and passed
quizzes and recorded the first time they hold; listeners hear of a completed course after the
transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connections, models, router, transaction
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


@dataclass
class RecordedProgress(CourseProgress):
    """A course's progress as `record_progress` left it, and what that call wrote: how many
    module completions it created and whether it recorded the course's completion. The
    learner's evaluation (courses.evaluation) adds these up rather than counting the learner's
    rows before and after."""

    modules_recorded: int = 0
    course_recorded: bool = False


def _lock_enrollment(user, course: Page, *, now: datetime) -> Enrollment | None:
    """`user`'s enrolment in `course`, locked until the transaction ends, its last activity set
    to `now`; None when they are not enrolled. Call it inside a transaction.

    Where the database returns rows from an UPDATE (PostgreSQL; SQLite from 3.35, the same
    feature as returning them from an INSERT), one UPDATE ... RETURNING does all of it: an
    UPDATE takes the same row lock as SELECT ... FOR UPDATE, waiting for a concurrent holder,
    and returns the row as it stands once that holder has committed. Elsewhere the row is
    locked and read, then updated.
    """
    alias = router.db_for_write(Enrollment)
    connection = connections[alias]
    if not connection.features.can_return_columns_from_insert:
        enrollment = (
            Enrollment.objects.using(alias)
            .select_for_update()
            .filter(user=user, course_id=course.pk)
            .first()
        )
        if enrollment is not None:
            Enrollment.objects.using(alias).filter(pk=enrollment.pk).update(last_activity_at=now)
            enrollment.last_activity_at = now
        return enrollment
    quote = connection.ops.quote_name
    fields = {field.name: field for field in Enrollment._meta.concrete_fields}
    column = {name: quote(str(field.column)) for name, field in fields.items()}
    sql = (
        f"UPDATE {quote(Enrollment._meta.db_table)} SET {column['last_activity_at']} = %s"  # noqa: S608 (quoted model columns only; values are parameters)
        f" WHERE {column['user']} = %s AND {column['course']} = %s"
        f" RETURNING {', '.join(column.values())}"
    )
    params = (fields["last_activity_at"].get_db_prep_save(now, connection), user.pk, course.pk)
    # At most one row: (user, course) is unique.
    return next(iter(list(Enrollment.objects.raw(sql, params, using=alias))), None)


@transaction.atomic
def record_progress(user, course: Page, *, now: datetime | None = None) -> RecordedProgress | None:
    """Record the first completion of each module, and of the course, that now holds.

    The learner's enrolment row is locked first (and its last activity set), so two
    completions arriving together are judged one after the other: the second sees the first,
    and the course completes once. The locked row is the one progress is judged with; it is
    not read again.
    """
    now = now or timezone.now()
    enrollment = _lock_enrollment(user, course, now=now)
    if enrollment is None:
        return None
    progress = course_progress(user, course, enrollment=enrollment)
    recorded = RecordedProgress(
        course=progress.course, enrollment=enrollment, modules=progress.modules
    )
    for module in recorded.modules:
        if module.complete and module.total and module.completed_at is None:
            record, created = get_or_create_once(
                ModuleCompletion, {"completed_at": now}, user=user, module=module.module
            )
            module.completed_at = record.completed_at
            recorded.modules_recorded += int(created)
    if recorded.complete:
        # Only the request that sets completed_at first sends the signal.
        first = Enrollment.objects.filter(pk=enrollment.pk, completed_at__isnull=True).update(
            completed_at=now
        )
        if first:
            enrollment.completed_at = now
            recorded.course_recorded = True
            transaction.on_commit(
                lambda: course_completed.send(
                    sender=Enrollment, user=user, course=course, enrollment=enrollment
                )
            )
    return recorded
