"""Admin wiring: checklists and programmes (snippets), clinics, assessments, certificates."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.auth import permission_required
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from certification import admin_views
from certification.models import (
    Clinic,
    ClinicMembership,
    Programme,
    ProgrammeAssignment,
    SkillChecklist,
)
from core.admin import PermissionMenuItem

ASSESS = "certification.assess_skills"
VIEW_CERTIFICATES = "certification.view_certificates"
REVOKE = "certification.revoke_certificate"


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


admin_urls = (
    [
        path(
            "assessments/",
            permission_required(ASSESS)(admin_views.AssessmentListView.as_view()),
            name="assessments",
        ),
        path(
            "assessments/new/",
            permission_required(ASSESS)(admin_views.AssessmentCreateView.as_view()),
            name="assessment_start",
        ),
        path(
            "assessments/<id:assessment_id>/",
            permission_required(ASSESS)(admin_views.AssessmentView.as_view()),
            name="assessment",
        ),
        path(
            "assessments/<id:assessment_id>/sign/",
            permission_required(ASSESS)(admin_views.AssessmentSignView.as_view()),
            name="assessment_sign",
        ),
        path(
            "certificates/",
            permission_required(VIEW_CERTIFICATES)(admin_views.CertificateListView.as_view()),
            name="certificates",
        ),
        path(
            "certificates/<id:certificate_id>/revoke/",
            permission_required(REVOKE)(admin_views.CertificateRevokeView.as_view()),
            name="revoke",
        ),
    ],
    "certification_admin",
)


@hooks.register("register_admin_urls")
def register_certification_urls():
    return [path("certification/", include(admin_urls))]


@hooks.register("register_admin_menu_item")
def register_assessments_menu_item():
    return PermissionMenuItem(
        "Skill assessments",
        reverse("certification_admin:assessments"),
        icon_name="tasks",
        order=225,
        permission=ASSESS,
    )


@hooks.register("register_admin_menu_item")
def register_certificates_menu_item():
    return PermissionMenuItem(
        "Certificates",
        reverse("certification_admin:certificates"),
        icon_name="success",
        order=226,
        permission=VIEW_CERTIFICATES,
    )


class RevokeFormatter(LogFormatter):
    """Shows the reason, so admins read it in Reports > Site history."""

    label = "Revoke certificate"

    def format_message(self, log_entry) -> str:
        return f"Certificate revoked: {log_entry.data.get('reason', '')}"


@hooks.register("register_log_actions")
def register_certification_log_actions(actions):
    actions.register_action(
        "certification.assessment.sign", "Sign skill assessment", "Skill assessment signed"
    )
    actions.register_action(
        "certification.certificate.issue", "Issue certificate", "Certificate issued"
    )
    actions.register_action("certification.certificate.revoke")(RevokeFormatter)
    actions.register_action(
        "certification.programme.assign", "Assign programme", "Programme assigned to staff"
    )
