"""Menu entries and plug-ins of the sampling area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """The menu entry of the sampling sites (the device page needs none: it is opened
    from its activation link)."""
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm

    register(
        NavItem(
            "testing:sampling_sites",
            _("Sampling sites"),
            "geo-alt",
            Perm.TESTING_VIEW,
            74,
            group="testing",
        )
    )
