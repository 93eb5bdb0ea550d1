from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Registers the person-list export and the registry's own timeline events.
        from . import ledger_jobs, timeline  # noqa: F401
