from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "Certification"

    def ready(self):
        from datetime import timedelta

        from certification.curriculum import load_certification
        from certification.demo import staff_sign_ins
        from certification.services import issue_due_certificates
        from certification.tasks import send_reminders_task
        from core import demo, loader, roles
        from core.tasks import register_periodic
        from courses.evaluation import register_step

        register_step("certificates", lambda user, now: len(issue_due_certificates(user, now=now)))
        register_periodic("certification-reminders", send_reminders_task, timedelta(days=1))

        if load_certification not in loader.ROOT_EXTENSIONS:
            loader.ROOT_EXTENSIONS.append(load_certification)
        if staff_sign_ins not in demo.MORE_SIGN_INS:
            demo.MORE_SIGN_INS.append(staff_sign_ins)
        roles.ROLE_MODEL_PERMISSIONS[roles.INSTRUCTORS].update(
            {
                ("certification", "skillchecklist"): ("add", "change", "view"),
                ("certification", "programme"): ("view",),
            }
        )
        roles.ROLE_MODEL_PERMISSIONS[roles.REVIEWERS].update(
            {
                ("certification", "skillchecklist"): ("add", "change", "publish", "view"),
                ("certification", "programme"): ("add", "change", "view"),
            }
        )
        for codename in ("assess_skills", "revoke_certificate", "view_certificates"):
            permission = ("certification", codename)
            if permission not in roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS]:
                roles.ROLE_EXTRA_PERMISSIONS[roles.INSTRUCTORS].append(permission)
        if ("certification", "skillchecklist") not in roles.REVIEWED_SNIPPETS:
            roles.REVIEWED_SNIPPETS.append(("certification", "skillchecklist"))
