"""Observed skill assessment, programmes, certificates and clinics.

SkillChecklist and Programme are snippets (certification/wagtail_hooks.py). SkillAssessment,
Certificate, Clinic, ClinicMembership, ProgrammeAssignment and Reminder are records: a signed
assessment never changes, a certificate is revoked (with a reason) rather than deleted, and a
renewal is a new certificate that keeps the old one in the history.

- assessments: SkillChecklist, ChecklistItem, SkillAssessment, AssessmentItem
- certificates: Programme, Certificate and the one certificate status rule
- clinics: Clinic, ClinicMembership, ProgrammeAssignment, Reminder
- accommodations: ClinicQuizOverride, a clinic's staff's accommodation on a quiz
- invitations: Invitation, how a person is invited into a clinic or a site role
- workplace: eligible assessors, assessment requests, external supervisors and their links,
  countersignatures, acknowledgements and disputes (what happens around a signed assessment)
- certificates also holds ProgrammeEvidenceRule (how much observed evidence) and
  Recertification (a holder's renewal of one certificate)
"""

from certification.models.accommodations import ClinicQuizOverride
from certification.models.assessments import (
    AssessmentItem,
    AssessmentStatus,
    ChecklistForm,
    ChecklistItem,
    ItemResult,
    SignedRecordError,
    SkillAssessment,
    SkillChecklist,
)
from certification.models.certificates import (
    EXPIRING_WITHIN_DAYS,
    Certificate,
    CertificateQuerySet,
    CertificateStatus,
    Programme,
    ProgrammeEvidenceRule,
    Recertification,
    RecertificationReason,
    certificate_status,
    new_certificate_code,
)
from certification.models.clinics import (
    Clinic,
    ClinicMembership,
    ClinicRole,
    ProgrammeAssignment,
    Reminder,
    ReminderStatus,
)
from certification.models.invitations import Invitation, InvitationState
from certification.models.workplace import (
    OPEN_REQUEST_STATUSES,
    Acknowledgement,
    AssessmentDispute,
    AssessmentRequest,
    ChecklistAssessor,
    Countersignature,
    DisputeStatus,
    ExternalAssessor,
    ExternalAssessorStatus,
    ExternalLink,
    RequestStatus,
    new_link_nonce,
)

__all__ = [
    "EXPIRING_WITHIN_DAYS",
    "OPEN_REQUEST_STATUSES",
    "Acknowledgement",
    "AssessmentDispute",
    "AssessmentItem",
    "AssessmentRequest",
    "AssessmentStatus",
    "Certificate",
    "CertificateQuerySet",
    "CertificateStatus",
    "ChecklistAssessor",
    "ChecklistForm",
    "ChecklistItem",
    "Clinic",
    "ClinicMembership",
    "ClinicQuizOverride",
    "ClinicRole",
    "Countersignature",
    "DisputeStatus",
    "ExternalAssessor",
    "ExternalAssessorStatus",
    "ExternalLink",
    "Invitation",
    "InvitationState",
    "ItemResult",
    "Programme",
    "ProgrammeAssignment",
    "ProgrammeEvidenceRule",
    "Recertification",
    "RecertificationReason",
    "Reminder",
    "ReminderStatus",
    "RequestStatus",
    "SignedRecordError",
    "SkillAssessment",
    "SkillChecklist",
    "certificate_status",
    "new_certificate_code",
    "new_link_nonce",
]
