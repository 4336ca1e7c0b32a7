"""Certificates: issued (and renewed, as the next cycle) when a programme's requirements are met.

A certificate is issued the moment its programme's last requirement is met, exactly once: the
checks run after the transaction that met a requirement commits (so the last one to commit sees
every requirement), and a unique (learner, programme, cycle) constraint turns a concurrent
second issue into a no-op. Whether a programme's requirements are met is decided by
certification.requirements. A renewal is the next cycle: issued once the renewal path is met
(during an open recertification, even while the current certificate is valid), it expires a
validity after the later of now and the current certificate's expiry, and completes the
recertification in the same transaction. Starting and signing assessments, revoking certificates and assigning
programmes are actions (certification.actions); their names are re-exported here for callers.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail.log_actions import log

from certification.actions import (
    assign_programme,
    revoke_certificate,
    sign_assessment,
    start_assessment,
    update_assessment,
)
from certification.events import certificate_issued
from certification.models import Certificate, Programme, Recertification
from certification.requirements import (
    ProgrammeState,
    learner_programmes,
    programme_state,
    programmes_queryset,
)
from certification.rules import (
    CertificationError,
    assessment_passes,
    checklist_snapshot,
    signing_gaps,
)

# Assessments, revocation and clinic assignments ---------------------------------------------------
# The pure assessment rules live in certification.rules; the writes a user must be allowed to make
# are certification.actions (check, atomic write, audit entry), named here as before, as Wagtail's
# Page.unpublish() names its UnpublishPageAction.

__all__ = [
    "CertificationError",
    "assessment_passes",
    "assign_programme",
    "checklist_snapshot",
    "issue_due_certificates",
    "issue_if_due",
    "revoke_certificate",
    "sign_assessment",
    "signing_gaps",
    "start_assessment",
    "update_assessment",
]


# Issuing ----------------------------------------------------------------------------------------


def next_expiry(state: ProgrammeState, now: datetime) -> datetime:
    """When the next cycle's certificate expires: the programme's validity after `now`, or
    after the current certificate's expiry while that one is still valid (renewing early
    loses no time)."""
    current = state.certificate
    start = max(now, current.expires_at) if current is not None else now
    return start + state.programme.validity


def _issue(user, state: ProgrammeState, now: datetime) -> Certificate | None:
    """Issue the next cycle's certificate for a due `state`; None if a concurrent issue won.

    An open recertification of the latest certificate is completed by it, in the same
    transaction: it records the new certificate and when.
    """
    programme = state.programme
    cycle = (state.latest.cycle if state.latest else 0) + 1
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                user=user,
                programme=programme,
                cycle=cycle,
                holder_name=user.display_name,
                issued_at=now,
                expires_at=next_expiry(state, now),
            )
            if state.recertification is not None:
                Recertification.objects.filter(
                    pk=state.recertification.pk, completed_at__isnull=True
                ).update(next_certificate=certificate, completed_at=now)
            log(
                instance=certificate,
                action="certification.certificate.issue",
                user=None,
                data={"cycle": cycle},
            )
            # In the issuing transaction: the holder is told once, and only of what committed.
            certificate_issued(certificate)
    except IntegrityError:
        return None  # a concurrent request issued this cycle's certificate first
    return certificate


def issue_if_due(user, programme: Programme, *, now: datetime | None = None) -> Certificate | None:
    """Issue the next certificate if it is due (`ProgrammeState.due`: every requirement met,
    and none valid or an open recertification to complete); else None.

    Safe to call any number of times, from any number of requests at once.
    """
    now = now or timezone.now()
    state = programme_state(user, programme, now=now)
    return _issue(user, state, now) if state.due else None


def issue_due_certificates(user, *, now: datetime | None = None) -> list[Certificate]:
    """Check every programme for `user` (after any requirement may have been met)."""
    now = now or timezone.now()
    issued = []
    for state in learner_programmes(user, programmes_queryset(), now=now):
        if state.due and (certificate := _issue(user, state, now)) is not None:
            issued.append(certificate)
    return issued
