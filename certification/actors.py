"""Who acts on an assessment without an account: the external supervisor holding a link.

The assessment actions (certification.actions) take an actor as their `user`; an account is the
usual actor, an `ExternalSupervisor` the other. It holds no permissions of its own: what it may
do is asked of certification.permissions (`external_may_assess`), like everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from certification.models import ExternalAssessor, ExternalLink


def link_supervisor(link: ExternalLink) -> ExternalAssessor:
    """The external supervisor a link's request names (a link is only issued for one)."""
    supervisor = link.request.external_assessor
    if supervisor is None:
        raise ValueError(f"External link {link.pk} is on a request to an assessor with an account.")
    return supervisor


@dataclass(frozen=True)
class ExternalSupervisor:
    """Whoever holds a usable external link, acting as the approved supervisor its request
    names, for that request's checklist and trainee and the one assessment it leads to."""

    external_assessor: ExternalAssessor
    link_id: int
    checklist_id: int
    trainee_id: int
    assessment_id: int | None = None

    # Not an account: no primary key, never signed in, no permissions (see permissions._holds).
    pk: ClassVar[None] = None
    is_authenticated: ClassVar[bool] = False
    is_active: ClassVar[bool] = False

    @classmethod
    def from_link(cls, link: ExternalLink) -> ExternalSupervisor:
        request = link.request
        return cls(
            external_assessor=link_supervisor(link),
            link_id=link.pk,
            checklist_id=request.checklist_id,
            trainee_id=request.trainee_id,
            assessment_id=request.assessment_id,
        )

    @property
    def display_name(self) -> str:
        return self.external_assessor.name

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False
