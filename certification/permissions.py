"""Who may do what with skill assessments, certificates and clinic programmes: each rule once.

The admin screens (list access, which buttons show) and the actions (certification.actions,
whose `check()` raises PermissionDenied) both ask these policies, so a rule never drifts between
what a page offers and what the server accepts. The policies are registered with Wagtail
(certification.wagtail_hooks) for its generic views; code calls them directly.
"""

from __future__ import annotations

from typing import Any

from wagtail.permission_policies import BasePermissionPolicy

from certification.clinics import managed_clinic
from certification.models import Certificate, Clinic, SkillAssessment

ASSESS = "certification.assess_skills"
VIEW_CERTIFICATES = "certification.view_certificates"
REVOKE = "certification.revoke_certificate"


def _holds(user: Any, permission: str) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(permission))


class SkillAssessmentPermissionPolicy(BasePermissionPolicy):
    """Assessors (`assess_skills`) list and start assessments; only the assessor who recorded
    a draft changes or signs it. Nobody deletes one: a signed assessment is a record."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        """Model-level: view, add, change and sign need `assess_skills`; delete, nobody."""
        return action in ("view", "add", "change", "sign") and _holds(user, ASSESS)

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(
        self, user: Any, action: str, instance: SkillAssessment
    ) -> bool:
        """Changing and signing a draft is for the assessor who recorded it."""
        if not self.user_has_permission(user, action):
            return False
        if action in ("change", "sign"):
            return instance.assessor_id == user.pk
        return True

    def user_has_any_permission_for_instance(
        self, user: Any, actions: Any, instance: SkillAssessment
    ) -> bool:
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)


class CertificatePermissionPolicy(BasePermissionPolicy):
    """Certificates are issued by the rules, never added or edited by hand. Staff holding
    `view_certificates` see every certificate; those holding `revoke_certificate` revoke."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action == "view":
            return _holds(user, VIEW_CERTIFICATES)
        if action == "revoke":
            return _holds(user, REVOKE)
        return False

    def user_has_any_permission(self, user: Any, actions: Any) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(
        self, user: Any, action: str, instance: Certificate
    ) -> bool:
        return self.user_has_permission(user, action)

    def user_has_any_permission_for_instance(
        self, user: Any, actions: Any, instance: Certificate
    ) -> bool:
        return self.user_has_any_permission(user, actions)


assessment_policy = SkillAssessmentPermissionPolicy(SkillAssessment)
certificate_policy = CertificatePermissionPolicy(Certificate)


def may_assign_programmes(user: Any, clinic: Clinic) -> bool:
    """Programmes are assigned to a clinic's staff by that clinic's managers (and superusers):
    the same rule that shows them the clinic's dashboard (certification.clinics.managed_clinic)."""
    return user is not None and managed_clinic(user, clinic.slug) is not None


def may_invite_to_clinic(user: Any, clinic: Clinic) -> bool:
    """People are invited into a clinic by its managers (and superusers): the rule for
    assigning programmes, since an invitation may carry assignments."""
    return may_assign_programmes(user, clinic)


INVITE_SITE_STAFF = "accounts.add_user"


def may_invite_site_staff(user: Any) -> bool:
    """Instructors, reviewers and other site roles are invited by superusers and by those who
    may add users (`accounts.add_user`); clinic managers never hold that permission."""
    return _holds(user, INVITE_SITE_STAFF)


def may_remind_staff(user: Any, clinic: Clinic) -> bool:
    """A clinic's staff are reminded of what they still have to do by that clinic's managers
    (and superusers): the rule that shows them the dashboard and each staff member's record."""
    return user is not None and managed_clinic(user, clinic.slug) is not None
