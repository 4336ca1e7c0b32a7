from django.apps import AppConfig

# The notifications certification raises: (kind, label on the profile page's e-mail choices).
NOTIFICATION_KINDS = [
    ("assignment.new", "Your clinic assigns you a programme"),
    ("assignment.due_soon", "An assigned programme is due soon"),
    ("assignment.overdue", "An assigned programme is overdue"),
    ("certificate.issued", "A certificate is issued"),
    ("certificate.expiring", "A certificate is about to expire"),
    ("certificate.expired", "A certificate has expired"),
    ("certificate.revoked", "A certificate is revoked"),
    ("assessment.signed", "An observed assessment of you is signed"),
    ("assessment.countersigned", "An observed assessment of you is countersigned"),
    ("clinic.reminder", "Your clinic manager sends a reminder"),
    ("assessment.requested", "A trainee asks you to observe them"),
    ("assessment.accepted", "Your request for an observed assessment is accepted"),
    ("assessment.declined", "Your request for an observed assessment is declined"),
    ("assessment.withdrawn", "A trainee withdraws their request to be observed"),
    ("assessment.supervisor_proposed", "A trainee proposes an external supervisor"),
    ("recertification.opened", "You are asked to recertify"),
    ("recertification.staff", "Someone in your clinic is asked to recertify"),
    ("assessment.disputed", "A trainee disputes an observed assessment (admins)"),
    ("assessment.dispute_resolved", "A dispute of an observed assessment is resolved"),
]


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "Certification"

    def ready(self) -> None:
        """Plug certification into the layers below: certificates issued after progress is
        evaluated, the /learn/ panels, the reminders job and the staff roles."""
        from datetime import timedelta

        from wagtail.signals import page_published

        from accounts.notifications import register_kind
        from certification import clinic_generation, recertification
        from certification.accommodations import clinic_overrides
        from certification.blueprint import programme_scopes
        from certification.my_programmes import learn_assignments, learn_certificates
        from certification.request_views import learn_requests
        from certification.services import issue_due_certificates
        from certification.tasks import send_reminders_task
        from core import roles
        from core.tasks import register_periodic
        from courses.dashboard import register_learn_panel
        from courses.evaluation import register_step
        from courses.models import CoursePage
        from quizzes.blueprint import register_blueprint_scopes
        from quizzes.overrides import register_override_groups

        for key, label in NOTIFICATION_KINDS:
            register_kind(key, label)
        from accounts.backends import register_user_annotation
        from certification.context_processors import managed_clinic_count

        # The header's "My clinic" links: read with the signed-in user (accounts.backends).
        register_user_annotation("managed_clinic_count", managed_clinic_count)
        clinic_generation.connect()
        register_step("certificates", lambda user, now: len(issue_due_certificates(user, now=now)))
        register_blueprint_scopes("programmes", programme_scopes)
        register_override_groups("clinic", clinic_overrides)
        register_periodic("certification-reminders", send_reminders_task, timedelta(days=1))
        register_periodic(
            "certification-recertification",
            recertification.open_recertifications_task,
            timedelta(days=1),
        )
        page_published.connect(
            recertification.material_change_published,
            sender=CoursePage,
            dispatch_uid="certification.recertification.material_change",
        )
        register_learn_panel(
            "clinics", slot="top", template="certification/includes/learn_clinics.html", order=10
        )
        register_learn_panel(
            "assignments",
            slot="top",
            template="certification/includes/learn_assignments.html",
            data=learn_assignments,
            order=5,
        )
        register_learn_panel(
            "certificates",
            slot="after_active",
            template="certification/includes/learn_certificates.html",
            data=learn_certificates,
            order=10,
        )
        roles.grant_model_permissions(
            roles.INSTRUCTORS,
            {
                ("certification", "skillchecklist"): ("add", "change", "view"),
                ("certification", "programme"): ("view",),
                ("certification", "clinicquizoverride"): ("add", "change", "delete", "view"),
            },
        )
        roles.grant_model_permissions(
            roles.REVIEWERS,
            {
                ("certification", "skillchecklist"): ("add", "change", "publish", "view"),
                ("certification", "programme"): ("add", "change", "view"),
            },
        )
        for codename in ("assess_skills", "revoke_certificate", "view_certificates"):
            roles.grant_permission(roles.INSTRUCTORS, "certification", codename)
        roles.grant_permission(roles.ASSESSORS, "certification", "assess_skills")
        register_learn_panel(
            "assessment_requests",
            slot="top",
            template="certification/requests/learn_panel.html",
            data=learn_requests,
            order=20,
        )
        roles.review_snippet("certification", "skillchecklist")
