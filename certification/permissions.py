"""Who may do what with skill assessments, certificates and clinic programmes: each rule once.

The admin screens (list access, which buttons show) and the actions (certification.actions,
whose `check()` raises PermissionDenied) both ask these policies, so a rule never drifts between
what a page offers and what the server accepts. The policies are registered with Wagtail
(certification.wagtail_hooks) for its generic views; code calls them directly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from wagtail.permission_policies import BasePermissionPolicy

from certification.actors import ExternalSupervisor
from certification.clinics import managed_clinic
from certification.models import (
    AssessmentRequest,
    Certificate,
    ChecklistAssessor,
    Clinic,
    ClinicMembership,
    ClinicRole,
    ExternalAssessor,
    SkillAssessment,
    SkillChecklist,
)

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


# Workplace-based assessment: who may assess what, answer requests, approve supervisors ---------

DECIDE_EXTERNAL = "certification.change_externalassessor"


def may_assess(user: Any, checklist: SkillChecklist) -> bool:
    """Whether `user` may observe and sign `checklist`: an active account holding
    `assess_skills`, and the checklist lists no eligible assessors or lists this user (the
    rule an admin sets on the checklist's "Eligible assessors" inline). One query at most."""
    if not _holds(user, ASSESS):
        return False
    listed = set(
        ChecklistAssessor.objects.filter(checklist_id=checklist.pk).values_list(
            "user_id", flat=True
        )
    )
    return not listed or user.pk in listed


def _assess_holders() -> Q:
    held = Permission.objects.filter(
        content_type__app_label="certification", codename="assess_skills"
    )
    return Q(groups__permissions__in=held) | Q(user_permissions__in=held)


def eligible_assessors(checklist: SkillChecklist) -> QuerySet:
    """The accounts a trainee may ask to assess `checklist`, by name: those `may_assess` lets
    assess it. Superusers (who may assess anything) are offered only when the checklist lists
    them; otherwise the holders of `assess_skills` through a group or their own permissions."""
    User = get_user_model()
    listed = ChecklistAssessor.objects.filter(checklist_id=checklist.pk).values("user_id")
    holders = User.objects.filter(_assess_holders()).values("pk")
    if listed.exists():
        people = User.objects.filter(pk__in=listed).filter(Q(pk__in=holders) | Q(is_superuser=True))
    else:
        people = User.objects.filter(pk__in=holders)
    return people.filter(is_active=True).order_by("first_name", "last_name", "username")


def assessable_checklists(user: Any) -> QuerySet:
    """The live checklists `user` may assess (`may_assess`, for many checklists in one query)."""
    live = SkillChecklist.objects.filter(live=True)
    if not _holds(user, ASSESS):
        return live.none()
    restricted = ChecklistAssessor.objects.values("checklist_id")
    mine = ChecklistAssessor.objects.filter(user_id=user.pk).values("checklist_id")
    return live.filter(~Q(pk__in=restricted) | Q(pk__in=mine))


def may_use_assessor_queue(user: Any) -> bool:
    """The assessor's queue (`/assess/`) is for everyone holding `assess_skills`."""
    return _holds(user, ASSESS)


def may_answer_request(user: Any, request: AssessmentRequest) -> bool:
    """A request is accepted or declined by the assessor it asks, while they may assess."""
    return (
        request.assessor_id is not None
        and request.assessor_id == getattr(user, "pk", None)
        and _holds(user, ASSESS)
    )


def may_withdraw_request(user: Any, request: AssessmentRequest) -> bool:
    """A request is withdrawn by the trainee who made it."""
    return request.trainee_id == getattr(user, "pk", None)


def may_decide_external(user: Any, external: ExternalAssessor) -> bool:
    """An external supervisor is approved (or not) by a manager of the clinic the trainee
    named, or by an admin (`change_externalassessor`: superusers), who also decides for
    trainees with no clinic."""
    if _holds(user, DECIDE_EXTERNAL):
        return True
    clinic = external.clinic
    return clinic is not None and user is not None and managed_clinic(user, clinic.slug) is not None


# Evidence packs --------------------------------------------------------------------------------


def may_see_evidence(user: Any, certificate: Certificate) -> bool:
    """A certificate's evidence pack is for its holder, the managers of any clinic the holder
    is staff of, and those who see every certificate (`view_certificates`: admins). Everyone
    else is told it does not exist. One query at most."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if certificate.user_id == user.pk or _holds(user, VIEW_CERTIFICATES):
        return True
    return ClinicMembership.objects.filter(
        user_id=certificate.user_id,
        role=ClinicRole.STAFF,
        clinic__memberships__user=user,
        clinic__memberships__role=ClinicRole.MANAGER,
    ).exists()


# The chair-side screen, external links and countersigning --------------------------------------


def external_may_start(actor: Any, checklist: SkillChecklist, trainee: Any) -> bool:
    """Whoever holds an external link acts as the approved supervisor its request names: they
    start an assessment of that request's trainee on its checklist, nothing else. Whether the
    link is still usable is `external_links.link_state`."""
    return (
        isinstance(actor, ExternalSupervisor)
        and actor.external_assessor.approved
        and checklist.pk == actor.checklist_id
        and trainee.pk == actor.trainee_id
    )


def external_may_assess(actor: Any, assessment: SkillAssessment) -> bool:
    """An external supervisor changes and signs only the assessment their link leads to."""
    return (
        isinstance(actor, ExternalSupervisor)
        and actor.external_assessor.approved
        and assessment.pk == actor.assessment_id
        and assessment.external_assessor_id == actor.external_assessor.pk
    )


def may_countersign(user: Any, assessment: SkillAssessment) -> bool:
    """A countersignature is made by an assessor who may assess the checklist (`may_assess`)
    and is neither the one who signed the assessment nor the trainee assessed."""
    return (
        user is not None
        and user.pk not in (assessment.assessor_id, assessment.trainee_id)
        and may_assess(user, assessment.checklist)
    )


# A trainee's signed assessments: reading, acknowledging, disputing; settling disputes ----------

RESOLVE_DISPUTES = "certification.change_assessmentdispute"


def _manages_staff_member(user: Any, person_id: int) -> bool:
    """Whether `user` manages a clinic `person_id` is staff of (one query)."""
    return ClinicMembership.objects.filter(
        user_id=person_id,
        role=ClinicRole.STAFF,
        clinic__memberships__user=user,
        clinic__memberships__role=ClinicRole.MANAGER,
    ).exists()


def may_read_assessment(user: Any, assessment: SkillAssessment) -> bool:
    """A signed assessment (`/learn/assessments/<id>/`) is read by the trainee assessed, the
    managers of any clinic the trainee is staff of, and those who see every certificate
    (`view_certificates`: admins, instructors). Drafts are not shown there. One query at most."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not assessment.is_signed:
        return False
    if assessment.trainee_id == user.pk or _holds(user, VIEW_CERTIFICATES):
        return True
    return _manages_staff_member(user, assessment.trainee_id)


def may_acknowledge(user: Any, assessment: SkillAssessment) -> bool:
    """Only the trainee assessed acknowledges, reflects on or disputes an assessment."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and assessment.trainee_id == user.pk
    )


def may_resolve_disputes(user: Any) -> bool:
    """Disputes are upheld or dismissed by admins (`change_assessmentdispute`: superusers)."""
    return _holds(user, RESOLVE_DISPUTES)


def dispute_resolvers() -> QuerySet:
    """The active accounts `may_resolve_disputes` lets settle a dispute: told of new ones."""
    held = Permission.objects.filter(
        content_type__app_label="certification", codename="change_assessmentdispute"
    )
    User = get_user_model()
    return (
        User.objects.filter(
            Q(is_superuser=True) | Q(groups__permissions__in=held) | Q(user_permissions__in=held)
        )
        .filter(is_active=True)
        .distinct()
    )
