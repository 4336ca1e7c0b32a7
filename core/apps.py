from django.apps import AppConfig

# Imported for its side effect: the <id:> and <code:> path converters must be registered before
# any URL pattern is built, and routable pages build theirs when their models are imported.
import core.converters  # noqa: F401


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Site core"

    def ready(self) -> None:
        from wagtail.signals import task_approved

        from core.indexing import connect_signal_handlers
        from core.reviews import SIGNAL_UID, record_clinical_review

        connect_signal_handlers()
        # Every approval of the Clinical review task is recorded (who, when, which revision).
        task_approved.connect(record_clinical_review, dispatch_uid=SIGNAL_UID)
