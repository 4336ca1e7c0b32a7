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
