from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "Certification"

    def ready(self):
        from certification import receivers  # noqa: F401  (connects the signal receivers)
        from certification.curriculum import load_certification
        from core import loader, roles

        if load_certification not in loader.ROOT_EXTENSIONS:
            loader.ROOT_EXTENSIONS.append(load_certification)
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
