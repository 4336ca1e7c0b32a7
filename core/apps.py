from django.apps import AppConfig

# Imported for its side effect: the <id:> and <code:> path converters must be registered before
# any URL pattern is built, and routable pages build theirs when their models are imported.
import core.converters  # noqa: F401


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Site core"

    def ready(self) -> None:
        from core.indexing import connect_signal_handlers

        connect_signal_handlers()
