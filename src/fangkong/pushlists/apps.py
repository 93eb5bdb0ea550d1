"""Pushed lists (大数据推送/协查名单): matched to the registry and checked on the ground
(落地查人) by the responsible community, before a deadline."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushlistsConfig(AppConfig):
    name = "fangkong.pushlists"
    label = "pushlists"
    verbose_name = _("Push lists")

    def ready(self) -> None:
        # The menu, the person-file timeline and the results export.
        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm
        from fangkong.registry import timeline as registry_timeline

        from . import jobs  # noqa: F401  (registers the export)
        from .timeline import pushlist_events

        register(
            NavItem(
                "pushlists:tasks",
                _("Checks on the ground"),
                "geo-alt",
                Perm.VERIFICATION_VIEW,
                40,
                group="field",
            )
        )
        register(
            NavItem(
                "pushlists:lists",
                _("Push lists"),
                "card-list",
                Perm.PUSHLIST_MANAGE,
                41,
                group="field",
            )
        )
        register(
            NavItem(
                "pushlists:supervision",
                _("Overdue checks"),
                "alarm",
                Perm.VERIFICATION_VIEW,
                42,
                group="field",
            )
        )
        registry_timeline.register("pushlists", pushlist_events, label=_("Push lists"))
