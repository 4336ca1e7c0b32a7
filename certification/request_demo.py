"""Demo assessment requests (dev and test settings only): something in each new queue.

The demo trainee has asked `assessor` to observe them on the first published checklist, and
Priya (a Riverside staff member) has proposed an external supervisor, waiting for the Riverside
manager's approval. Each is made once: running the demo again adds nothing.
"""

from __future__ import annotations

from typing import Any

from accounts.notifications import without_email
from certification.models import AssessmentRequest, Clinic, SkillChecklist
from certification.requests import ExternalProposal, RequestAssessmentAction

DEMO_CLINIC = "riverside"


def load_request_demo(users: dict[str, Any]) -> None:
    """A pending request to `assessor` and a supervisor waiting for approval (first run only)."""
    checklist = SkillChecklist.objects.filter(live=True).order_by("title").first()
    trainee, assessor, priya = users.get("trainee"), users.get("assessor"), users.get("priya")
    if checklist is None or trainee is None or assessor is None:
        return
    with without_email():
        if not AssessmentRequest.objects.filter(trainee=trainee, assessor=assessor).exists():
            RequestAssessmentAction(
                checklist,
                user=trainee,
                assessor=assessor,
                message="Any Tuesday morning at Riverside; I have practised on the model.",
            ).execute()
        clinic = Clinic.objects.filter(slug=DEMO_CLINIC).first()
        if (
            priya is not None
            and clinic is not None
            and not AssessmentRequest.objects.filter(
                trainee=priya, external_assessor__isnull=False
            ).exists()
        ):
            RequestAssessmentAction(
                checklist,
                user=priya,
                external=ExternalProposal(
                    name="Dr Hana Mori",
                    email="hana.mori@example.org",
                    profession="Acupuncturist, clinical supervisor",
                    registration_body="National Acupuncture Council",
                    registration_number="NAC-20417",
                    clinic=clinic,
                ),
                message="My former supervisor at the Harbour Street practice.",
            ).execute()
