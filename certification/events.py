"""The notifications certification raises when something happens to a person's record.

Each function tells one person about one event through `accounts.notifications.notify`, with a
key naming the event, so raising it again (a repeated request, the reconcile job issuing what a
crash left unissued) adds nothing. They are called inside the transaction that makes the change:
the notification commits or rolls back with it, and its e-mail copy is enqueued after the write
(`core.tasks.enqueue_after_write`), never sent in the request. The reminder run
(certification.reminders) raises the scheduled kinds: due soon, overdue, expiring, expired.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from accounts.notifications import notify
from certification.models import (
    Certificate,
    Countersignature,
    Programme,
    ProgrammeAssignment,
    SkillAssessment,
)


def programme_url(programme: Programme) -> str:
    """The learner's page of a programme (`/learn/programmes/<key>/`, a stable address)."""
    return f"/learn/programmes/{programme.key}/"


def certificate_issued(certificate: Certificate) -> None:
    """Tell the holder their certificate is issued (its verification page)."""
    notify(
        certificate.user,
        "certificate.issued",
        f"Your certificate “{certificate.programme.title}” is issued; "
        f"it is valid until {certificate.expires_at:%d %b %Y}.",
        url=certificate.get_absolute_url(),
        key=f"certificate.issued:{certificate.pk}",
    )


def certificate_revoked(certificate: Certificate) -> None:
    """Tell the holder their certificate was revoked."""
    notify(
        certificate.user,
        "certificate.revoked",
        f"Your certificate “{certificate.programme.title}” was revoked.",
        url=certificate.get_absolute_url(),
        key=f"certificate.revoked:{certificate.pk}",
    )


def assessment_signed(assessment: SkillAssessment) -> None:
    """Tell the trainee an observed assessment of them is signed, and its outcome."""
    outcome = "passed" if assessment.passed else "not passed"
    assessor: Any = assessment.assessor
    name = assessor.display_name if assessor is not None else assessment.assessor_name
    notify(
        assessment.trainee,
        "assessment.signed",
        f"Your observed assessment “{assessment.checklist_snapshot['title']}” was signed by "
        f"{name}: {outcome}.",
        url=reverse("my_competencies"),
        key=f"assessment.signed:{assessment.pk}",
    )


def assessment_countersigned(countersignature: Countersignature) -> None:
    """Tell the trainee a second assessor countersigned the safety items of an assessment."""
    assessment = countersignature.assessment
    notify(
        assessment.trainee,
        "assessment.countersigned",
        f"Your observed assessment “{assessment.checklist_snapshot['title']}” was "
        f"countersigned by {countersignature.countersigned_by.display_name}; it now counts "
        "toward your certificates.",
        url=reverse("my_competencies"),
        key=f"assessment.countersigned:{assessment.pk}",
    )


def programme_assigned(assignment: ProgrammeAssignment) -> None:
    """Tell the staff member a clinic asks them to hold a programme by a date.

    Keyed by the due date: assigning again with the same date says nothing, a new date is news.
    """
    notify(
        assignment.user,
        "assignment.new",
        f"{assignment.clinic.name} asks you to hold “{assignment.programme.title}” "
        f"by {assignment.due_date:%d %b %Y}.",
        url=programme_url(assignment.programme),
        key=f"assignment.new:{assignment.pk}:{assignment.due_date.isoformat()}",
    )
