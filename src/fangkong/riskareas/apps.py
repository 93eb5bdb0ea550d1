from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskareasConfig(AppConfig):
    name = "fangkong.riskareas"
    label = "riskareas"
    verbose_name = _("Risk areas")

    def ready(self) -> None:
        # The menu entry and the list's export.
        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm

        from . import export  # noqa: F401

        register(
            NavItem(
                "riskareas:list",
                _("Risk areas"),
                "exclamation-triangle",
                Perm.RISK_AREA_VIEW,
                50,
                group="field",
            )
        )
