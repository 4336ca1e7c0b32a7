"""Admin wiring: checklists and programmes (snippets), clinics, assessments, certificates."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from certification.accommodations import ClinicQuizOverrideViewSet
from certification.actions import ASSIGN, REVOKE, SIGN
from certification.admin_lists import AssessmentViewSet, CertificateViewSet
from certification.clinic_reminders import REMIND
from certification.models import (
    Certificate,
    Clinic,
    ClinicMembership,
    Programme,
    ProgrammeAssignment,
    SkillAssessment,
    SkillChecklist,
)
from certification.permissions import assessment_policy, certificate_policy

# First, before anything asks Wagtail for these models' policies.
register_permission_policy(SkillAssessment, assessment_policy)
register_permission_policy(Certificate, certificate_policy)


class SkillChecklistViewSet(SnippetViewSet):
    model = SkillChecklist
    icon = "list-ul"
    menu_label = "Skill checklists"
    list_display = ["title", "key"]


class ProgrammeViewSet(SnippetViewSet):
    model = Programme
    icon = "success"
    menu_label = "Programmes"
    list_display = ["title", "validity_months", "key"]


class CertificationSnippets(SnippetViewSetGroup):
    menu_label = "Certification"
    menu_icon = "success"
    menu_order = 230
    items = (SkillChecklistViewSet, ProgrammeViewSet)


register_snippet(CertificationSnippets)


class ClinicViewSet(ModelViewSet):
    model = Clinic
    icon = "group"
    form_fields = ["name", "slug"]
    list_display = ["name", "slug"]
    add_to_admin_menu = False


class MembershipViewSet(ModelViewSet):
    model = ClinicMembership
    icon = "user"
    form_fields = ["clinic", "user", "role"]
    list_display = ["user", "clinic", "role"]
    list_filter = ["clinic", "role"]
    add_to_admin_menu = False


class AssignmentViewSet(ModelViewSet):
    model = ProgrammeAssignment
    icon = "date"
    form_fields = ["clinic", "user", "programme", "due_date"]
    list_display = ["user", "programme", "clinic", "due_date"]
    list_filter = ["clinic", "programme"]
    add_to_admin_menu = False


class ClinicsGroup(ModelViewSetGroup):
    menu_label = "Clinics"
    menu_icon = "group"
    menu_order = 240
    items = (ClinicViewSet, MembershipViewSet, AssignmentViewSet)


@hooks.register("register_admin_viewset")
def register_clinic_viewsets():
    return ClinicsGroup()


@hooks.register("register_admin_viewset")
def register_clinic_accommodation_viewset():
    return ClinicQuizOverrideViewSet()


@hooks.register("register_admin_viewset")
def register_assessment_viewset():
    return AssessmentViewSet()


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet()


class RevokeFormatter(LogFormatter):
    """Shows the reason, so admins read it in Reports > Site history."""

    label = "Revoke certificate"

    def format_message(self, log_entry) -> str:
        return f"Certificate revoked: {log_entry.data.get('reason', '')}"


class RemindFormatter(LogFormatter):
    """Says how many staff were reminded (their ids are in the entry's data)."""

    label = "Remind staff"

    def format_message(self, log_entry) -> str:
        count = log_entry.data.get("count", 0)
        return f"Reminder sent to {count} staff member{'s' if count != 1 else ''}"


@hooks.register("register_log_actions")
def register_certification_log_actions(actions):
    actions.register_action(SIGN, "Sign skill assessment", "Skill assessment signed")
    actions.register_action(
        "certification.certificate.issue", "Issue certificate", "Certificate issued"
    )
    actions.register_action(REVOKE)(RevokeFormatter)
    actions.register_action(ASSIGN, "Assign programme", "Programme assigned to staff")
    actions.register_action(REMIND)(RemindFormatter)
    actions.register_action(
        "certification.recertification.open", "Open recertification", "Recertification opened"
    )
    actions.register_action(
        "certification.recertification.material_change",
        "Material change",
        "Published as a material change: recertification opened for its holders",
    )


# Invitations to site roles (certification.invitation_admin) ------------------------------------


@hooks.register("register_admin_urls")
def register_invitation_admin_urls():
    from django.urls import path

    from certification import invitation_admin

    return [
        path(
            "invitations/",
            invitation_admin.SiteInvitationsView.as_view(),
            name=invitation_admin.INDEX,
        ),
        path(
            "invitations/<id:pk>/resend/",
            invitation_admin.resend,
            name="certification_invitations_resend",
        ),
        path(
            "invitations/<id:pk>/revoke/",
            invitation_admin.revoke,
            name="certification_invitations_revoke",
        ),
    ]


@hooks.register("register_settings_menu_item")
def register_invitations_menu_item():
    from django.urls import reverse

    from certification.permissions import INVITE_SITE_STAFF
    from core.admin import PermissionMenuItem

    return PermissionMenuItem(
        "Invitations",
        reverse("certification_invitations"),
        icon_name="mail",
        order=610,
        permission=INVITE_SITE_STAFF,
    )


@hooks.register("register_log_actions")
def register_invitation_log_actions(actions):
    from certification.invitations import ACCEPT, INVITE, WITHDRAW

    actions.register_action(INVITE, "Invite", "Invitation sent")
    actions.register_action(WITHDRAW, "Withdraw invitation", "Invitation withdrawn")
    actions.register_action(ACCEPT, "Accept invitation", "Invitation accepted")


@hooks.register("register_log_actions")
def register_chairside_log_actions(actions):
    from certification.assessing import CONFIRM_EXTERNAL
    from certification.countersign import COUNTERSIGN

    actions.register_action(
        COUNTERSIGN, "Countersign skill assessment", "Skill assessment countersigned"
    )
    actions.register_action(
        CONFIRM_EXTERNAL,
        "Confirm external supervisor",
        "External supervisor confirmed their details through the link",
    )


# Assessment requests and external supervisors (certification.requests, .external_approval) ------


@hooks.register("register_log_actions")
def register_request_log_actions(actions):
    from certification import external_approval, requests

    actions.register_action(requests.REQUEST, "Request assessment", "Assessment requested")
    actions.register_action(requests.ACCEPT, "Accept request", "Assessment request accepted")
    actions.register_action(requests.DECLINE, "Decline request", "Assessment request declined")
    actions.register_action(requests.WITHDRAW, "Withdraw request", "Assessment request withdrawn")
    actions.register_action(requests.COMPLETE, "Complete request", "Assessment request completed")
    actions.register_action(
        external_approval.APPROVE, "Approve supervisor", "External supervisor approved"
    )
    actions.register_action(
        external_approval.REJECT, "Do not approve supervisor", "External supervisor not approved"
    )
    actions.register_action(
        external_approval.LINK_SENT, "Send link", "One-time link e-mailed to the supervisor"
    )


@hooks.register("register_admin_urls")
def register_external_assessor_admin_urls():
    from django.urls import path

    from certification import supervisor_views

    return [
        path(
            "external-supervisors/",
            supervisor_views.ExternalAssessorsAdminView.as_view(),
            name=supervisor_views.ADMIN_INDEX,
        ),
        path(
            "external-supervisors/<id:pk>/approve/",
            supervisor_views.admin_approve,
            name="certification_external_assessors_approve",
        ),
        path(
            "external-supervisors/<id:pk>/reject/",
            supervisor_views.admin_reject,
            name="certification_external_assessors_reject",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_external_assessors_menu_item():
    from django.urls import reverse

    from certification.permissions import DECIDE_EXTERNAL
    from core.admin import PermissionMenuItem

    return PermissionMenuItem(
        "External supervisors",
        reverse("certification_external_assessors"),
        icon_name="user",
        order=245,
        permission=DECIDE_EXTERNAL,
    )


# Trainees' acknowledgements and disputes (certification.acknowledgements, dispute_admin) ----------


@hooks.register("register_admin_viewset")
def register_dispute_viewset():
    from certification.dispute_admin import DisputeViewSet

    return DisputeViewSet()


@hooks.register("register_log_actions")
def register_acknowledgement_log_actions(actions):
    from certification.acknowledgements import ACKNOWLEDGE, DISPUTE, RESOLVE

    actions.register_action(ACKNOWLEDGE, "Acknowledge assessment", "Assessment acknowledged")
    actions.register_action(DISPUTE, "Dispute assessment", "Assessment disputed")
    actions.register_action(RESOLVE, "Resolve dispute", "Dispute of the assessment resolved")
