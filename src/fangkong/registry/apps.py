from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        # Registers the person-list export and the registry's own timeline events.
        from . import ledger_jobs, timeline  # noqa: F401
