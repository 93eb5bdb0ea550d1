"""Menu entries and plug-ins of this area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """The menu entry and the residents export."""
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm

    from . import export  # noqa: F401  (registers the residents export)

    register(
        NavItem(
            "control:zones_list",
            _("Control zones"),
            "sign-stop",
            Perm.CONTROL_VIEW,
            59,
            group="control",
        )
    )
