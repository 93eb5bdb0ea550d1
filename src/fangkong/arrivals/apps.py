from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArrivalsConfig(AppConfig):
    name = "fangkong.arrivals"
    label = "arrivals"
    verbose_name = _("Arrival reports")

    def ready(self) -> None:
        # The menu entry, the queue's export, the person file's events, the name of
        # the registry source "arrival", and re-classification when risk areas change.
        from fangkong.core.navigation import NavItem
        from fangkong.core.navigation import register as nav_register
        from fangkong.core.permissions import Perm
        from fangkong.registry import timeline as registry_timeline
        from fangkong.riskareas import changes

        from . import export  # noqa: F401
        from .services import reclassify_after_change
        from .timeline import arrival_events

        nav_register(
            NavItem(
                "arrivals:queue",
                _("Arrival reports"),
                "airplane",
                Perm.ARRIVAL_VIEW,
                45,
                group="field",
            )
        )
        registry_timeline.register("arrivals", arrival_events, label=_("Arrival reports"))
        registry_timeline.SOURCES.setdefault("arrival", _("registered from an arrival report"))
        changes.register("arrivals", reclassify_after_change)
