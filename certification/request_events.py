"""The notifications an assessment request raises (kinds registered in certification.apps).

Like certification.events: each tells one person about one event through
`accounts.notifications.notify`, keyed so that raising it again adds nothing, inside the
transaction that makes the change (its e-mail copy is enqueued after the write).
"""

from __future__ import annotations

from django.urls import reverse

from accounts.notifications import notify
from certification.models import AssessmentRequest, ClinicMembership, ClinicRole, ExternalAssessor

REQUESTED = "assessment.requested"
ACCEPTED = "assessment.accepted"
DECLINED = "assessment.declined"
WITHDRAWN = "assessment.withdrawn"
SUPERVISOR_PROPOSED = "assessment.supervisor_proposed"


def _title(request: AssessmentRequest) -> str:
    return request.checklist.title


def request_made(request: AssessmentRequest) -> None:
    """Tell the assessor asked that a trainee asks to be observed (their queue)."""
    if request.assessor is None:
        return
    notify(
        request.assessor,
        REQUESTED,
        f"{request.trainee.display_name} asks you to observe them on “{_title(request)}”.",
        url=reverse("assess:queue"),
        key=f"{REQUESTED}:{request.pk}",
    )


def request_accepted(request: AssessmentRequest) -> None:
    """Tell the trainee their assessor accepted."""
    notify(
        request.trainee,
        ACCEPTED,
        f"{request.assessor_name} accepted your request to be observed on “{_title(request)}”.",
        url=reverse("my_assessments:list"),
        key=f"{ACCEPTED}:{request.pk}",
    )


def request_declined(request: AssessmentRequest) -> None:
    """Tell the trainee their request was declined, and why."""
    notify(
        request.trainee,
        DECLINED,
        f"{request.assessor_name} declined your request to be observed on “{_title(request)}”: "
        f"{request.decline_reason}",
        url=reverse("my_assessments:list"),
        key=f"{DECLINED}:{request.pk}",
    )


def request_withdrawn(request: AssessmentRequest) -> None:
    """Tell the assessor (one with an account) that the trainee withdrew their request."""
    if request.assessor is None:
        return
    notify(
        request.assessor,
        WITHDRAWN,
        f"{request.trainee.display_name} withdrew their request to be observed on "
        f"“{_title(request)}”.",
        url=reverse("assess:queue"),
        key=f"{WITHDRAWN}:{request.pk}",
    )


def supervisor_proposed(external: ExternalAssessor, request: AssessmentRequest) -> None:
    """Tell the managers of the clinic named that a supervisor waits for their approval (with
    no clinic, admins find them in the admin's External supervisors list)."""
    if external.clinic_id is None:
        return
    managers = ClinicMembership.objects.filter(
        clinic_id=external.clinic_id, role=ClinicRole.MANAGER, user__is_active=True
    ).select_related("user", "clinic")
    for membership in managers:
        notify(
            membership.user,
            SUPERVISOR_PROPOSED,
            f"{request.trainee.display_name} proposes {external.name} ({external.registration_body} "
            f"{external.registration_number}) as an external supervisor: approve or decline.",
            url=reverse("clinics:external_assessors", args=[membership.clinic.slug]),
            key=f"{SUPERVISOR_PROPOSED}:{request.pk}",
        )


def supervisor_approved(request: AssessmentRequest) -> None:
    """Tell the trainee their external supervisor is approved and has been sent the link."""
    supervisor = request.external_assessor
    if supervisor is None:
        return
    notify(
        request.trainee,
        ACCEPTED,
        f"{supervisor.name} is approved to observe you on “{_title(request)}”; "
        "they are e-mailed a link to record the assessment.",
        url=reverse("my_assessments:list"),
        key=f"{ACCEPTED}:{request.pk}",
    )
