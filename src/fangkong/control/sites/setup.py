"""Menu entries and plug-ins of this area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """The menu entry, the person-file timeline of stays and the occupancy export."""
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm
    from fangkong.registry import timeline as registry_timeline

    from . import export  # noqa: F401  (registers the occupancy export)
    from .timeline import stay_events

    register(
        NavItem(
            "control:sites_list",
            _("Quarantine sites"),
            "building",
            Perm.SITE_MANAGE,
            58,
            group="control",
        )
    )
    registry_timeline.register("control_sites", stay_events, label=_("Quarantine sites"))
