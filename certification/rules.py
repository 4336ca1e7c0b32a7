"""The pure rules of a skill assessment, and the error the certification rules raise.

Kept apart from the writes so that both the actions (certification.actions) and the services
that name them (certification.services) build on them without importing each other in a circle.
"""

from __future__ import annotations

from typing import Any

from certification.models import AssessmentItem, ItemResult, SkillChecklist


class CertificationError(Exception):
    """A request the rules refuse; the message says why."""


def checklist_snapshot(checklist: SkillChecklist, items: list) -> dict[str, Any]:
    """What an assessment copies from its checklist: title, scale and items as assessed."""
    return {
        "checklist_id": checklist.pk,
        "key": checklist.key,
        "title": checklist.title,
        "rating_max": checklist.rating_max,
        "pass_rating": checklist.pass_rating,
        "revision_id": checklist.live_revision_id,
        "items": [
            {
                "text": i.text,
                "competency": i.competency.code,
                "must_pass": i.must_pass,
                "guidance": i.guidance,
            }
            for i in items
        ],
    }


def assessment_passes(
    results: list[tuple[bool, str]], rating: int | None, pass_rating: int
) -> bool:
    """Pure: every must-pass item met, and the global rating at or above the pass rating."""
    if rating is None or rating < pass_rating:
        return False
    return all(result == ItemResult.MET for must_pass, result in results if must_pass)


def signing_gaps(items: list[AssessmentItem], global_rating: int | None) -> str:
    """Pure: why a draft with these item results and rating cannot be signed yet ("" if it can)."""
    missing = [i.position for i in items if not i.result]
    if not missing and global_rating is not None:
        return ""
    return "Record a result for every item and a global rating before signing" + (
        f" (items {', '.join(map(str, missing))} have none)." if missing else "."
    )
