"""Living support (代购、送药、就医): residents' requests for help and their handling."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "fangkong.support"
    label = "support"
    verbose_name = _("Living support")

    def ready(self) -> None:
        # The menu entry, the queue's export and the person file's events.
        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm
        from fangkong.registry import timeline as registry_timeline
        from fangkong.registry.actions import PersonAction
        from fangkong.registry.actions import register as register_action

        from . import export  # noqa: F401  (registers the export)
        from .timeline import support_events

        register(NavItem("support:queue", _("Help requests"), "basket", Perm.SUPPORT_VIEW, 60))
        registry_timeline.register("support", support_events, label=_("Help requests"))
        register_action(
            PersonAction(
                "support_record",
                _("Record a request for help"),
                "support:record",
                Perm.SUPPORT_HANDLE,
                icon="basket",
                order=20,
                in_path=True,
            )
        )
