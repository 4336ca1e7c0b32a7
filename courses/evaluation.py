"""The one step after a learner's record changes: record progress, then what follows from it.

Progress (module and course completions) and what later layers derive from it (certificates)
are pure consequences of a learner's records: lesson completions, graded attempts, signed
assessments. They are evaluated *at least once* and written *idempotently*:

1. the action that changed a record calls `request_evaluation(user)` inside its transaction;
2. when that transaction commits, the evaluation runs at once (so the learner's next page is
   right) and, should it fail, a queued task (`evaluate_learner_task`) retries it;
3. `reconcile()` (`manage.py reconcile_progress`, also a periodic job) re-evaluates every
   learner, repairing whatever a crash between the commit and the evaluation left undone.

Later layers add their consequences with `register_step` from their `AppConfig.ready`
(certification issues due certificates); this module never imports them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core.tasks import enqueue_after_write, retry_later, run_guarded
from courses.models import CoursePage, Enrollment

logger = logging.getLogger(__name__)

# A step receives the learner and the time, writes what is due (idempotently) and returns how
# many rows it created.
Step = Callable[..., int]
_STEPS: dict[str, Step] = {}
# The learners whose evaluation a `batched_evaluations()` block has put off, on this thread.
_batch = threading.local()


def register_step(name: str, step: Step) -> None:
    """Add a consequence evaluated after progress, in registration order (from AppConfig.ready)."""
    _STEPS[name] = step


@dataclass
class Evaluation:
    """What one evaluation of one learner wrote."""

    modules_completed: int = 0
    courses_completed: int = 0
    steps: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.modules_completed + self.courses_completed + sum(self.steps.values())


def evaluate_learner(user, *, now: datetime | None = None) -> Evaluation:
    """Record every completion and consequence that `user`'s records now support, once each.

    Each enrolled course's progress is recorded in a transaction of its own (record_progress
    is atomic), which reports what it wrote; so the evaluation costs one query to find the
    courses, then the recording's few per course, then the steps', whatever the learner has
    done. A learner with no enrolment costs that one query and the steps.
    """
    from courses.services import RecordedProgress, record_progress

    now = now or timezone.now()
    result = Evaluation()
    enrolled = Enrollment.objects.filter(user=user).values("course_id")
    for course in CoursePage.objects.filter(pk__in=enrolled).order_by("pk"):
        progress = record_progress(user, course, now=now)
        if isinstance(progress, RecordedProgress):
            result.modules_completed += progress.modules_recorded
            result.courses_completed += int(progress.course_recorded)
    for name, step in _STEPS.items():
        with transaction.atomic():
            result.steps[name] = step(user, now=now)
    return result


@task()
def evaluate_learner_task(user_id: int, attempt: int = 1) -> int:
    """Queued evaluation of one learner (retried with a growing delay when it fails)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return 0
    try:
        return evaluate_learner(user).changed
    except Exception:
        retry_later(evaluate_learner_task, user_id, attempt=attempt)
        raise


def request_evaluation(user) -> None:
    """Evaluate `user` once the current transaction commits; a failure leaves a queued retry.

    Inside `batched_evaluations()` the request is put off to the end of that block."""
    pending = getattr(_batch, "learners", None)
    if pending is not None:
        pending.setdefault(user.pk, user)
        return

    def evaluate_now() -> None:
        if not run_guarded(lambda: evaluate_learner(user), f"evaluation of learner {user.pk}"):
            run_guarded(
                lambda: evaluate_learner_task.enqueue(user.pk),
                f"queueing the evaluation of learner {user.pk}",
            )

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(evaluate_now)
    else:
        evaluate_now()


@contextmanager
def batched_evaluations() -> Iterator[None]:
    """Request each learner's evaluation once, when the block ends, however many of their
    records it writes (a bulk load: the demo). Every evaluation runs after the commit and sees
    every record, so the ones this saves would have found nothing left to do."""
    if getattr(_batch, "learners", None) is not None:
        yield
        return
    _batch.learners = {}
    try:
        yield
    finally:
        learners, _batch.learners = _batch.learners, None
    for user in learners.values():
        request_evaluation(user)


def request_evaluation_later(user) -> None:
    """Queue an evaluation of `user` (for work that need not show on the very next page)."""
    enqueue_after_write(evaluate_learner_task, user.pk)


@dataclass
class Reconciliation:
    learners: int = 0
    repaired_learners: int = 0
    modules_completed: int = 0
    courses_completed: int = 0
    steps: dict[str, int] = field(default_factory=dict)


def learners_to_reconcile():
    """Everyone with an enrolment: the only learners whose records can complete anything."""
    return (
        get_user_model().objects.filter(pk__in=Enrollment.objects.values("user_id")).order_by("pk")
    )


def reconcile(users=None, *, dry_run: bool = False, now: datetime | None = None) -> Reconciliation:
    """Re-evaluate `users` (default: every learner), writing what is missing; idempotent.

    With `dry_run` the same evaluation runs and is rolled back, so the figures say what a real
    run would write.
    """
    now = now or timezone.now()
    summary = Reconciliation()
    for user in users if users is not None else learners_to_reconcile().iterator(chunk_size=200):
        summary.learners += 1
        with transaction.atomic():
            evaluation = evaluate_learner(user, now=now)
            if dry_run:
                transaction.set_rollback(True)
        if evaluation.changed:
            summary.repaired_learners += 1
            logger.warning(
                "reconcile %s learner %s: %s",
                "would repair" if dry_run else "repaired",
                user.pk,
                evaluation,
            )
        summary.modules_completed += evaluation.modules_completed
        summary.courses_completed += evaluation.courses_completed
        for name, count in evaluation.steps.items():
            summary.steps[name] = summary.steps.get(name, 0) + count
    return summary


@task()
def reconcile_task() -> int:
    """The periodic reconcile: repairs anything a lost evaluation left undone."""
    return reconcile().repaired_learners
