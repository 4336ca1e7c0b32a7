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
  lists (m2m), its evidence rules or a checklist bumps it when written and again when its
  transaction commits, so a reader between the write and the commit cannot keep what it read
  of the uncommitted state.

What is cached is derived data only (programmes, their paths and the course structure), never
a learner's state: a lost entry costs the queries, never a wrong page for long.
"""

from __future__ import annotations

from collections.abc import Iterable

from certification import clinic_generation
from certification.models import Programme
from certification.requirements import ProgrammeStructure, load_programmes
from courses import structure_cache


def cached_programmes(programme_ids: Iterable[int]) -> ProgrammeStructure:
    """`load_programmes` of the programmes with these ids, from the cache when nothing changed
    since it was read (no query then)."""
    ids = sorted(set(programme_ids))
    listed = ",".join(str(pk) for pk in ids)
    key = f"certification:programmes:v1:{clinic_generation.generation()}:{listed}"
    return structure_cache.cached(
        key, lambda: load_programmes(Programme.objects.filter(pk__in=ids))
    )
