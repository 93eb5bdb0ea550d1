from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        # Registers the person-list export and the registry's own timeline events.
        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm

        from . import ledger_jobs, timeline  # noqa: F401

        register(NavItem("registry:tree", _("Jurisdiction"), "diagram-3", Perm.PLACE_VIEW, 10))
        register(NavItem("registry:persons", _("People"), "people", Perm.PERSON_VIEW, 20))
        register(
            NavItem(
                "registry:import",
                _("Import ledger"),
                "file-earmark-arrow-up",
                Perm.PERSON_IMPORT,
                30,
            )
        )
