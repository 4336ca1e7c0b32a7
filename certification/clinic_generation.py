"""What the clinic dashboards summarise: a generation, and a log of the people changed since.

A clinic's status summary, its status filter and its sorts by status or due date need every
staff member's standing; certification.clinic_table keeps them in the cache, so that a page of
a large clinic evaluates only its own rows. Any write that can change a standing, a percent, a
due date, a name or the CPD hours is watched: progress and results (courses, quizzes),
certificates, assessments, assignments, memberships and programmes (certification), and a
user's name or e-mail. Writes that never do (a quiz's answers before it is graded, sign-ins,
notifications) are left out.

Most writes belong to one person (a graded attempt, a completed lesson, a certificate: the
instance has a `user_id`): they are logged, not made global, so that an exam running does not
make every clinic evaluate all its staff again. `record_change` numbers the change (a counter
in the cache) and keeps the user id under that number for CHANGE_TTL; a summary remembers the
number it was built at and re-evaluates only the people logged since (clinic_table). Every
other write -- a programme, a page, a checklist, a membership (it changes who is in a clinic),
the user model itself (a name changes the order) -- changes the generation, a random token,
and every summary is built again. Per write: two cache operations, no query.

Both live in the shared cache (Redis when several servers run), so every process, the
background worker included, sees a change at once. If the counter is lost (evicted) it starts
again with a new generation, so that a number is never read as another person's change. The
receivers are connected by `connect()`, from the app's `ready`.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

GENERATION_KEY = "clinic-table:generation"
SEQUENCE_KEY = "clinic-table:changes"
CHANGE_KEY = "clinic-table:changed:{number}"
# How long a logged change is kept: longer than a summary lives (clinic_table.SUMMARY_MAX_AGE),
# so a summary still valid finds every change made since it was built, or is built again.
CHANGE_TTL = 15 * 60
# Writes to these models are global although they have a user_id: who is in a clinic changes.
GLOBAL_MODELS = frozenset({"certification.ClinicMembership"})
# The apps whose data the clinic's standings are made of.
WATCHED_APPS = frozenset({"courses", "quizzes", "certification"})


def generation() -> str:
    """The current generation (one cache read; a new token when the cache has none)."""
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid4().hex, None)
        token = cache.get(GENERATION_KEY) or ""
    return token


def bump() -> None:
    """Mark every clinic's summary out of date."""
    cache.set(GENERATION_KEY, uuid4().hex, None)


def sequence() -> int:
    """The number of the last change logged (0 when none is: nothing to re-apply)."""
    return int(cache.get(SEQUENCE_KEY) or 0)


def record_change(user_id: int) -> None:
    """Log that `user_id`'s standings may have changed (one person's write)."""
    try:
        number = cache.incr(SEQUENCE_KEY)
    except ValueError:  # no counter yet, or lost: the numbers start again, so does the generation
        cache.add(SEQUENCE_KEY, 0, None)
        bump()
        try:
            number = cache.incr(SEQUENCE_KEY)
        except ValueError:  # the cache is unreachable: there is nothing to keep up to date
            return
    cache.set(CHANGE_KEY.format(number=number), user_id, CHANGE_TTL)


def changed_since(start: int, end: int) -> set[int] | None:
    """The users logged after change `start` up to `end`, in one cache read; None when one of
    them is no longer in the cache (the caller starts again from scratch)."""
    keys = [CHANGE_KEY.format(number=n) for n in range(start + 1, end + 1)]
    found = cache.get_many(keys) if keys else {}
    if len(found) != len(keys):
        return None
    return set(found.values())


def _matters(sender: Any, instance: Any, update_fields: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    if meta is None:
        return False
    if sender is get_user_model():
        # A name or e-mail shows, sorts and filters; a sign-in (last_login) does not.
        return not update_fields or not set(update_fields) <= {"last_login", "password"}
    if meta.app_label not in WATCHED_APPS:
        return False
    # The answers of an attempt count only through the attempt, saved when it is graded.
    return not hasattr(instance, "attempt_id")


def _changed(sender: Any, instance: Any, update_fields: Any) -> None:
    """Log the write as one person's change, or change the generation (see the module's doc)."""
    if not _matters(sender, instance, update_fields):
        return
    owner = getattr(instance, "user_id", None)
    if not (
        isinstance(owner, int)
        and sender is not get_user_model()
        and sender._meta.label not in GLOBAL_MODELS
    ):
        owner = None
    # One person's change is noted when written, not on commit: the post-grading pipeline is
    # the one on-commit step of a submit. A dashboard read between the write and its commit
    # stores the old row under the number just logged, until the person's next change or the
    # summary's maximum age. A global change is rare (a programme, a checklist, a membership):
    # it changes the generation when written and again when it commits, so nothing read of the
    # uncommitted state (a summary, certification.programme_cache) outlives the commit.
    if owner is None:
        bump()
        transaction.on_commit(bump)
    else:
        record_change(owner)


def _saved(sender: Any, instance: Any = None, update_fields: Any = None, **kwargs: Any) -> None:
    _changed(sender, instance, update_fields)


def _deleted(sender: Any, instance: Any = None, **kwargs: Any) -> None:
    _changed(sender, instance, None)


def _m2m(sender: Any, instance: Any = None, action: str = "", **kwargs: Any) -> None:
    if action.startswith("post_"):
        _changed(type(instance), instance, None)


def watched_models() -> list[type[Model]]:
    """The user model and those of WATCHED_APPS, but an attempt's parts (its answers)."""
    found: list[type[Model]] = [get_user_model()]
    for label in sorted(WATCHED_APPS):
        for model in apps.get_app_config(label).get_models():
            if not any(f.name == "attempt" for f in model._meta.get_fields()):
                found.append(model)
    return found


def connect() -> None:
    """Connect the receivers (idempotent: each has a dispatch_uid). Deletion is watched model
    by model: a post_delete receiver stops Django deleting a model's rows in bulk, and the
    other models keep that."""
    post_save.connect(_saved, dispatch_uid="certification.clinic_generation.saved")
    m2m_changed.connect(_m2m, dispatch_uid="certification.clinic_generation.m2m")
    for model in watched_models():
        post_delete.connect(
            _deleted,
            sender=model,
            dispatch_uid=f"certification.clinic_generation.deleted.{model._meta.label}",
        )
