"""What programmes require, kept in the cache between requests.

`requirements.load_programmes` costs a query per kind of requirement, one for the renewal paths
and evidence rules, and the courses' structure: the same for every learner, on every /learn/
page of someone with an assignment. It changes only when someone edits a programme, its
requirement or renewal lists, its evidence rules, a checklist or a page. So it is kept in the
shared cache (Redis in production: every process sees a change at once) under both existing
generations, no third scheme:

- the course structure's (`courses.structure_cache`): any page, site or view restriction change
  bumps it, at once and again when the transaction commits;
- the clinic summaries' (`certification.clinic_generation`): any write to a programme, its
  lists (m2m), its evidence rules or a checklist bumps it when written; `connect` makes those
  writes bump it again when their transaction commits, so a reader between the write and the
  commit cannot keep what it read of the uncommitted state.

What is cached is derived data only (programmes, their paths and the course structure), never
a learner's state: a lost entry costs the queries, never a wrong page for long.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from certification import clinic_generation
from certification.models import Programme, ProgrammeEvidenceRule, SkillChecklist
from certification.paths import REQUIRED
from certification.requirements import ProgrammeStructure, load_programmes
from courses import structure_cache

# The models whose rows make up a programme's structure, besides pages (courses.structure_cache
# watches those) and the requirement and renewal lists (LISTS).
WATCHED = (Programme, ProgrammeEvidenceRule, SkillChecklist)
LISTS = (*REQUIRED, "renewal_courses", "renewal_quizzes", "renewal_checklists")


def cached_programmes(programme_ids: Iterable[int]) -> ProgrammeStructure:
    """`load_programmes` of the programmes with these ids, from the cache when nothing changed
    since it was read (no query then)."""
    ids = sorted(set(programme_ids))
    listed = ",".join(str(pk) for pk in ids)
    key = f"certification:programmes:v1:{clinic_generation.generation()}:{listed}"
    return structure_cache.cached(
        key, lambda: load_programmes(Programme.objects.filter(pk__in=ids))
    )


def _changed(**_: Any) -> None:
    transaction.on_commit(clinic_generation.bump)


def _lists_changed(action: str = "", **_: Any) -> None:
    if action.startswith("post_"):
        transaction.on_commit(clinic_generation.bump)


def connect() -> None:
    """Bump the clinic generation again once a write to a programme, its lists, its evidence
    rules or a checklist commits (clinic_generation bumps it when written; from
    CertificationConfig.ready; idempotent)."""
    for model in WATCHED:
        label = model._meta.label
        post_save.connect(_changed, sender=model, dispatch_uid=f"programmes.saved.{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"programmes.deleted.{label}")
    for name in LISTS:
        through = getattr(Programme, name).through
        m2m_changed.connect(_lists_changed, sender=through, dispatch_uid=f"programmes.lists.{name}")
