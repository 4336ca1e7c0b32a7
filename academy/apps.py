from django.apps import AppConfig


class AcademyConfig(AppConfig):
    """The top layer: what must know every app (the curriculum load, the demo, the roles setup).

    Nothing imports it; it imports any app below it.
    """

    name = "academy"
    verbose_name = "Academy"
