"""Which accommodation applies to a learner on a quiz, and the rules it makes for them.

The one place the quiz rules meet the overrides (Moodle's quiz user and group overrides,
`quiz_update_effective_access`): starting an attempt, the intro and the result page all ask
`rules_for`. Overrides only extend, each accommodation on its own:

- a learner's own override (QuizOverride) beats any group's, accommodation by accommodation:
  what it leaves at zero (or blank) comes from the groups;
- among several group overrides, the most generous of each accommodation applies (Moodle:
  the latest close date, the longest time, the most attempts).

Group overrides come from higher apps through `register_override_groups` (certification adds
a clinic's staff); this module never names them. The learner's override and every registered
group kind's are read together, in one query (a UNION), whatever the number of overrides and
kinds: the intro, start and result pages each pay one query for the accommodation.

The close date follows Moodle's: no attempt starts after it, and an attempt's deadline is the
earlier of its time limit and the close date, so an open attempt is closed (graded with the
answers saved in time) when the quiz closes. What applied is copied onto the attempt at start
(`Attempt.accommodation`, `Attempt.deadline`): editing or deleting an override later never
changes an attempt already started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import IntegerField, QuerySet, Value
from django.utils import timezone
from django.utils.formats import date_format
from wagtail.actions.create import CreateAction
from wagtail.actions.delete import DeleteAction
from wagtail.actions.edit import EditAction
from wagtail.log_actions import log

from quizzes.models import Accommodation, QuizOverride, QuizPage

CREATE = "quizzes.override.create"
EDIT = "quizzes.override.edit"
DELETE = "quizzes.override.delete"

GroupLookup = Callable[[Any, QuizPage], Iterable[Accommodation]]
_GROUP_LOOKUPS: dict[str, GroupLookup] = {}


def register_override_groups(name: str, lookup: GroupLookup) -> None:
    """Let a higher app contribute group overrides: `lookup(user, quiz)` returns the overrides
    of every group `user` belongs to on `quiz`, as an unevaluated QuerySet of one Accommodation
    model (so `rules_for` reads it in the same query as the learner's own). Any other iterable
    still works, read on its own. Registering again replaces."""
    _GROUP_LOOKUPS[name] = lookup


@dataclass(frozen=True)
class Granted:
    """The accommodation in force for one learner on one quiz, merged from its overrides."""

    extra_minutes: int = 0
    extra_attempts: int = 0
    closes_at: datetime | None = None
    overrides: tuple[tuple[str, int], ...] = field(default=())  # (kind, id) of each applied

    def record(self) -> dict[str, Any]:
        """What an attempt keeps (Attempt.accommodation): the values and the overrides used."""
        return {
            "overrides": [{"kind": kind, "id": pk} for kind, pk in self.overrides],
            "extra_minutes": self.extra_minutes,
            "extra_attempts": self.extra_attempts,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
        }


def merge(own: Accommodation | None, groups: Sequence[Accommodation]) -> Granted | None:
    """The learner's own override, each accommodation it leaves unset taken from the most
    generous group override; None when nothing is granted. Pure: no database access."""
    minutes, attempts, closes = 0, 0, None
    used: list[Accommodation] = []

    def take(value: Any, source: Accommodation) -> Any:
        if source not in used:
            used.append(source)
        return value

    if own is not None:
        minutes, attempts, closes = own.extra_minutes, own.extra_attempts, own.closes_at
        if minutes or attempts or closes:
            used.append(own)
    if not minutes and groups:
        best = max(groups, key=lambda o: o.extra_minutes)
        minutes = take(best.extra_minutes, best) if best.extra_minutes else 0
    if not attempts and groups:
        best = max(groups, key=lambda o: o.extra_attempts)
        attempts = take(best.extra_attempts, best) if best.extra_attempts else 0
    dated = [o for o in groups if o.closes_at is not None]
    if closes is None and dated:
        best = max(dated, key=lambda o: o.closes_at)  # type: ignore[arg-type, return-value]
        closes = take(best.closes_at, best)
    if not used:
        return None
    return Granted(
        extra_minutes=minutes,
        extra_attempts=attempts,
        closes_at=closes,
        overrides=tuple((type(o).target_kind, o.pk) for o in used),  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class QuizRules:
    """A quiz's rules for one learner: the quiz's own, extended by their accommodation."""

    quiz: QuizPage
    granted: Granted | None

    @property
    def time_limit_minutes(self) -> int:
        """0: no time limit (extra time on a quiz without one changes nothing)."""
        base = self.quiz.time_limit_minutes
        return base + self.granted.extra_minutes if base and self.granted else base

    @property
    def attempts_allowed(self) -> int:
        """0: unlimited."""
        base = self.quiz.attempts_allowed
        return base + self.granted.extra_attempts if base and self.granted else base

    @property
    def closes_at(self) -> datetime | None:
        """The later of the quiz's close date and the learner's; None when the quiz never closes."""
        base = self.quiz.closes_at
        later = self.granted.closes_at if self.granted else None
        if base is None or later is None:
            return base
        return max(base, later)

    def is_closed(self, now: datetime) -> bool:
        return self.closes_at is not None and now >= self.closes_at

    def attempts_left(self, used: int) -> int | None:
        """None means unlimited."""
        return max(self.attempts_allowed - used, 0) if self.attempts_allowed else None

    def deadline(self, started: datetime) -> datetime | None:
        """An attempt started at `started` ends at its time limit or the close date, whichever
        is first (Moodle's end time); None when neither applies."""
        ends = []
        if self.time_limit_minutes:
            ends.append(started + timedelta(minutes=self.time_limit_minutes))
        if self.closes_at is not None:
            ends.append(self.closes_at)
        return min(ends) if ends else None

    def record(self) -> dict[str, Any] | None:
        return self.granted.record() if self.granted else None

    def phrases(self) -> list[str]:
        """The accommodation as the learner reads it on the intro, each part that changes
        something: "15 extra minutes (45 in all)", "1 extra attempt (4 in all)", "until ..."."""
        granted, quiz = self.granted, self.quiz
        if granted is None:
            return []
        parts = []
        if granted.extra_minutes and quiz.time_limit_minutes:
            parts.append(
                f"{_count(granted.extra_minutes, 'extra minute')} ({self.time_limit_minutes} in all)"
            )
        if granted.extra_attempts and quiz.attempts_allowed:
            parts.append(
                f"{_count(granted.extra_attempts, 'extra attempt')} ({self.attempts_allowed} in all)"
            )
        if granted.closes_at and quiz.closes_at and granted.closes_at > quiz.closes_at:
            when = date_format(timezone.localtime(granted.closes_at), "j M Y, H:i")
            parts.append(f"until {when}")
        return parts


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


# What `rules_for` reads of each override: enough for `merge` and `Granted`, nothing staff-only.
_READ = ("id", "quiz_id", "extra_minutes", "extra_attempts", "closes_at", "created_at")


def _read_overrides(user: Any, quiz: QuizPage) -> tuple[Accommodation | None, list[Accommodation]]:
    """The learner's own override on `quiz` and their groups' overrides, in one query.

    Each kind's QuerySet is narrowed to the same columns plus its place in the list, and the
    kinds are combined with UNION; the rows come back as instances of their own model (the
    columns not read are deferred). Groups keep their kinds' registration order and, within a
    kind, the newest first, as each kind's own ordering (`-created_at`) gave them.
    """
    parts: list[QuerySet] = [QuizOverride.objects.filter(quiz=quiz, user=user)]
    apart: list[Accommodation] = []
    for lookup in _GROUP_LOOKUPS.values():
        found = lookup(user, quiz)
        if isinstance(found, QuerySet):
            parts.append(found)
        else:
            apart.extend(found)
    models = [part.model for part in parts]
    combined = [
        part.order_by()
        .annotate(part=Value(index, output_field=IntegerField()))
        .values_list("part", *_READ)
        for index, part in enumerate(parts)
    ]
    rows = sorted(
        combined[0].union(*combined[1:]) if len(combined) > 1 else combined[0],
        key=lambda row: (row[0], -row[-1].timestamp()),
    )
    found_own: Accommodation | None = None
    groups: list[Accommodation] = []
    for index, *values in rows:
        override = models[index].from_db(combined[0].db, list(_READ), values)
        if index == 0:
            found_own = override
        else:
            groups.append(override)
    return found_own, groups + apart


def rules_for(user: Any, quiz: QuizPage) -> QuizRules:
    """`quiz`'s rules for `user` with their accommodation (one query, whatever the kinds)."""
    if user is None or not user.is_authenticated:
        return QuizRules(quiz, None)
    own, groups = _read_overrides(user, quiz)
    return QuizRules(quiz, merge(own, groups))


# Audit: the admin's generic create, edit and delete views run these actions -----------------


def audit_data(override: Accommodation) -> dict[str, Any]:
    """What the audit entry keeps: the target, the values and the reason."""
    target = type(override).target_kind  # type: ignore[attr-defined]
    return {
        "quiz": override.quiz_id,
        target: getattr(override, f"{target}_id"),
        **override.values(),
        "reason": override.reason,
    }


class CreateOverrideAction(CreateAction):
    """Wagtail's create, recording who granted the accommodation, logged with its values."""

    def __init__(self, instance: Accommodation, user: Any = None, **kwargs: Any) -> None:
        super().__init__(instance, user=user, **{**kwargs, "log_action": False})

    def execute(self, skip_permission_checks: bool = False) -> Accommodation:
        with transaction.atomic():
            self.instance.created_by = self.user
            if self.form is not None:
                self.form.instance.created_by = self.user
            instance = super().execute(skip_permission_checks=skip_permission_checks)
            log(instance=instance, action=CREATE, user=self.user, data=audit_data(instance))
        return instance


class EditOverrideAction(EditAction):
    """Wagtail's edit, logged with the new values (attempts already started keep theirs)."""

    def __init__(self, instance: Accommodation, user: Any = None, **kwargs: Any) -> None:
        super().__init__(instance, user=user, **{**kwargs, "log_action": False})

    def execute(self, skip_permission_checks: bool = False) -> Accommodation:
        with transaction.atomic():
            instance = super().execute(skip_permission_checks=skip_permission_checks)
            log(instance=instance, action=EDIT, user=self.user, data=audit_data(instance))
        return instance


class DeleteOverrideAction(DeleteAction):
    """Wagtail's delete, logged (before deleting) with what the override granted."""

    def __init__(self, instance: Accommodation, user: Any = None, **kwargs: Any) -> None:
        super().__init__(instance, user=user, **{**kwargs, "log_action": False})

    def execute(self, skip_permission_checks: bool = False) -> Any:
        with transaction.atomic():
            log(
                instance=self.instance,
                action=DELETE,
                user=self.user,
                data=audit_data(self.instance),
                deleted=True,
            )
            return super().execute(skip_permission_checks=skip_permission_checks)
