"""Which path through a programme a learner follows, and from when renewal evidence counts.

Part of the one requirements evaluator (`certification.requirements`).

- The **first path** is the programme's required courses, quizzes and checklists.
- The **renewal path** is its renewal courses, quizzes and checklists; each empty list means
  the first path's list.
- A learner is **renewing** when their latest certificate of the programme is not revoked and
  either a recertification of it is open, or it has expired with no newer certificate
  (`renewal_start`). Renewal evidence counts from the recertification's `opened_at`, or — when
  none was opened — from the certificate's expiry minus the programme's recertification window.

`load_paths` reads both paths and the evidence rules of any number of programmes: the first
path prefetched as before, then one query for every renewal list and evidence rule together
(plus one per kind of renewal object not already on a first path).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    CharField,
    F,
    IntegerField,
    Model,
    QuerySet,
    Value,
    prefetch_related_objects,
)

from certification.models import (
    Certificate,
    Programme,
    ProgrammeEvidenceRule,
    Recertification,
    SkillChecklist,
)
from certification.observations import Rule
from courses.models import CoursePage
from quizzes.models import QuizPage

REQUIRED = ("required_courses", "required_quizzes", "required_checklists")
KINDS = ("course", "quiz", "checklist")

Path = tuple[list, list, list]  # courses, quizzes, checklists, in the programme's order


@dataclass
class Paths:
    """Both paths of one programme, and its evidence rules by checklist id."""

    first: Path
    renewal: Path
    rules: dict[int, Rule]

    def path(self, renewing: bool) -> Path:
        return self.renewal if renewing else self.first


def first_path(programme: Programme) -> Path:
    """The programme's first path: required courses, quizzes, checklists (prefetched)."""
    courses, quizzes, checklists = (list(getattr(programme, name).all()) for name in REQUIRED)
    return courses, quizzes, checklists


def _rows(programmes: list[Programme]) -> QuerySet:
    """(kind, programme id, object id, order, min observations, min assessors) of every
    renewal object and evidence rule of `programmes`: one UNION ALL query."""

    def part(model, kind: str, target: str, order: str, low: str | int, high: str | int):
        def column(value: str | int):
            return F(value) if isinstance(value, str) else Value(value, IntegerField())

        return (
            model.objects.filter(programme__in=programmes)
            .order_by()
            .annotate(
                k=Value(kind, CharField()),
                p=F("programme_id"),
                o=F(target),
                n=F(order),
                lo=column(low),
                hi=column(high),
            )
            .values_list("k", "p", "o", "n", "lo", "hi")
        )

    return part(Programme.renewal_courses.through, "course", "coursepage_id", "id", 0, 0).union(
        part(Programme.renewal_quizzes.through, "quiz", "quizpage_id", "id", 0, 0),
        part(Programme.renewal_checklists.through, "checklist", "skillchecklist_id", "id", 0, 0),
        part(
            ProgrammeEvidenceRule,
            "rule",
            "checklist_id",
            "sort_order",
            "min_observations",
            "min_assessors",
        ),
        all=True,
    )


def load_paths(programmes: Iterable[Programme]) -> dict[int, Paths]:
    """Programme id -> its paths and evidence rules (see the module docstring for queries)."""
    programmes = list(programmes)
    if not programmes:
        return {}
    prefetch_related_objects(programmes, *REQUIRED)
    firsts = {p.pk: first_path(p) for p in programmes}
    known: list[dict[int, object]] = [{}, {}, {}]
    for path in firsts.values():
        for n, objects in enumerate(path):
            known[n].update((o.pk, o) for o in objects)
    wanted: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    rules: dict[int, dict[int, Rule]] = defaultdict(dict)
    for kind, programme_id, object_id, order, low, high in _rows(programmes):
        if kind == "rule":
            rules[programme_id][object_id] = (low, high)
        else:
            wanted[(programme_id, kind)].append((order or 0, object_id))
    targets: tuple[type[Model], ...] = (CoursePage, QuizPage, SkillChecklist)
    for n, model in enumerate(targets):
        missing = {o for (_, kind), ids in wanted.items() if kind == KINDS[n] for _, o in ids}
        missing -= set(known[n])
        if missing:
            known[n].update((o.pk, o) for o in model._default_manager.filter(pk__in=missing))
    found = {}
    for programme in programmes:
        first = firsts[programme.pk]
        lists = [
            [known[n][o] for _, o in sorted(wanted[(programme.pk, kind)]) if o in known[n]]
            for n, kind in enumerate(KINDS)
        ]
        renewal = (lists[0] or first[0], lists[1] or first[1], lists[2] or first[2])
        found[programme.pk] = Paths(first, renewal, rules[programme.pk])
    return found


def renewal_path(programme: Programme) -> Path:
    """One programme's renewal path (`load_paths` for many programmes at once)."""
    return load_paths([programme])[programme.pk].renewal


def recertification_of(certificate: Certificate) -> Recertification | None:
    """The certificate's recertification (read with it through `select_related`), if any."""
    try:
        return certificate.recertification
    except Recertification.DoesNotExist:
        return None


def renewal_start(
    programme: Programme, latest: Certificate | None, now: datetime
) -> tuple[datetime | None, Recertification | None]:
    """Pure: (from when renewal evidence counts, the open recertification), given the learner's
    latest certificate of `programme`; (None, None) when they follow the first path."""
    if latest is None or latest.revoked_at is not None:
        return None, None
    recertification = recertification_of(latest)
    opened = recertification is not None and recertification.opened_at <= now
    if opened and recertification is not None and recertification.is_open:
        return recertification.opened_at, recertification
    if latest.expires_at <= now:
        if opened and recertification is not None:
            return recertification.opened_at, None
        return latest.expires_at - timedelta(days=programme.recertification_window_days), None
    return None, None
