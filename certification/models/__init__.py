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

__all__ = [
    "EXPIRING_WITHIN_DAYS",
    "AssessmentItem",
    "AssessmentStatus",
    "Certificate",
    "CertificateQuerySet",
    "CertificateStatus",
    "ChecklistForm",
    "ChecklistItem",
    "Clinic",
    "ClinicMembership",
    "ClinicQuizOverride",
    "ClinicRole",
    "Invitation",
    "InvitationState",
    "ItemResult",
    "Programme",
    "ProgrammeAssignment",
    "Reminder",
    "ReminderStatus",
    "SignedRecordError",
    "SkillAssessment",
    "SkillChecklist",
    "certificate_status",
    "new_certificate_code",
]
