from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        # The menu's dropdowns (core/navigation.py); modules put their entries in them.
        from .navigation import NavGroup, register_group

        register_group(NavGroup("field", _("Screening and checks"), "search"))
        register_group(NavGroup("control", _("Control"), "shield-lock"))
        register_group(NavGroup("testing", _("Mass testing"), "eyedropper"))
