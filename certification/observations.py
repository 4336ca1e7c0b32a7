"""Observed evidence: which signed assessments count toward a programme, from when, by whom.

The checklist half of `certification.requirements`, in the same two steps: `load_observations`
reads, in one query for any number of learners, every signed and passed assessment that could
count (no upheld dispute against it); `tally` then counts one learner's observations of one
checklist inside a window without a query, and `describe` words the progress for every page.

- An assessment counts from its `signed_at`, or — when its checklist asked for a second
  assessor's countersignature (`needs_countersign`, copied at the start) — from the moment it
  was countersigned; until then it waits ("awaiting countersignature") and counts for nothing.
- An assessment with an upheld dispute never counts; an open or dismissed one still does.
- A programme's `ProgrammeEvidenceRule` for the checklist asks for `min_observations` such
  assessments within the window by at least `min_assessors` different assessors (an account,
  or an external supervisor, each counted once); without a rule, one observation by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from certification.models import (
    AssessmentDispute,
    AssessmentStatus,
    DisputeStatus,
    SkillAssessment,
)

Rule = tuple[int, int]  # (min observations, min assessors)
DEFAULT_RULE: Rule = (1, 1)


@dataclass(frozen=True)
class Observation:
    """A signed, passed, undisputed assessment: who assessed, and when it starts to count."""

    signed_at: datetime
    assessor: tuple[str, int]  # ("user", id) or ("external", id): an assessor's identity
    counts_from: datetime | None  # None while a needed countersignature is missing


@dataclass(frozen=True)
class Tally:
    """One learner's observations of one checklist within a window, against its rule."""

    rule: Rule
    observations: int
    assessors: int
    awaiting_countersign: int
    latest: datetime | None  # when the latest counting observation began to count

    @property
    def met(self) -> bool:
        return self.observations >= self.rule[0] and self.assessors >= self.rule[1]


def upheld_dispute() -> Exists:
    """An upheld dispute against the assessment in the outer query."""
    return Exists(
        AssessmentDispute.objects.filter(assessment=OuterRef("pk"), status=DisputeStatus.UPHELD)
    )


def load_observations(
    trainee_ids: Iterable[int] | QuerySet,
    checklist_ids: set[int],
    *,
    now: datetime,
    after: datetime,
) -> dict[tuple[int, int], list[Observation]]:
    """(trainee id, checklist id) -> the assessments that may count, in one query.

    Only those signed by `now` that could count after `after` (the earliest window start of
    any programme read) are read: older evidence counts nowhere.
    """
    found: dict[tuple[int, int], list[Observation]] = defaultdict(list)
    if not checklist_ids:
        return found
    rows = (
        SkillAssessment.objects.filter(
            trainee_id__in=trainee_ids,
            checklist_id__in=checklist_ids,
            status=AssessmentStatus.SIGNED,
            passed=True,
            signed_at__lte=now,
        )
        .filter(Q(signed_at__gt=after) | Q(countersignature__countersigned_at__gt=after))
        .exclude(upheld_dispute())
        .order_by()
        .values_list(
            "trainee_id",
            "checklist_id",
            "assessor_id",
            "external_assessor_id",
            "signed_at",
            "needs_countersign",
            "countersignature__countersigned_at",
        )
    )
    for trainee_id, checklist_id, user_id, external_id, signed_at, needs, countersigned in rows:
        if signed_at is None:  # a signed assessment always carries its time
            continue
        counts_from: datetime | None = countersigned if needs else signed_at
        if counts_from is not None and counts_from > now:
            counts_from = None  # countersigned after the moment evaluated: still waiting then
        assessor = ("user", user_id) if user_id is not None else ("external", external_id)
        found[(trainee_id, checklist_id)].append(Observation(signed_at, assessor, counts_from))
    return found


def tally(observations: Iterable[Observation], rule: Rule, since: datetime, now: datetime) -> Tally:
    """Pure: count the observations that count within (`since`, `now`] against `rule`."""
    counting = [o for o in observations if o.counts_from and since < o.counts_from <= now]
    waiting = sum(1 for o in observations if o.counts_from is None and since < o.signed_at <= now)
    return Tally(
        rule=rule,
        observations=len(counting),
        assessors=len({o.assessor for o in counting}),
        awaiting_countersign=waiting,
        latest=max((o.counts_from for o in counting if o.counts_from), default=None),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(result: Tally) -> str:
    """The progress line shown beside a checklist requirement, e.g. "2 of 3 observations, 1 of
    2 assessors"; empty for a plain one-observation rule with nothing waiting."""
    needed, assessors = result.rule
    parts = []
    if result.rule != DEFAULT_RULE:
        parts.append(f"{min(result.observations, needed)} of {_plural(needed, 'observation')}")
        if assessors > 1:
            parts.append(f"{min(result.assessors, assessors)} of {assessors} assessors")
    line = ", ".join(parts)
    if result.awaiting_countersign and not result.met:
        waiting = result.awaiting_countersign
        if line:
            line = f"{line}; {waiting} awaiting countersignature"
        else:
            line = (
                "Signed, awaiting countersignature"
                if waiting == 1
                else (f"{waiting} signed, awaiting countersignature")
            )
    return line
