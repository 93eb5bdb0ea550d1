"""Menu entries and plug-ins of the campaigns area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    """The rounds in the 核酸检测 menu, and the unsampled list's export."""
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm

    from . import exports

    register(
        NavItem(
            "testing:campaigns_list",
            _("Testing campaigns"),
            "calendar2-check",
            Perm.TESTING_VIEW,
            70,
            group="testing",
        )
    )
    exports.register()
