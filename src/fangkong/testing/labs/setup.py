"""Menu entries and plug-ins of the labs area, registered when the app is ready."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from fangkong.control.orders import sources
    from fangkong.core.navigation import NavItem, register
    from fangkong.core.permissions import Perm

    from . import tasks  # noqa: F401  (registers the upload job and the periodic matching)
    from .orders import SOURCE

    sources.register(SOURCE)

    entries = [
        ("testing:labs_receive", _("Boxes received"), "box-seam", Perm.TESTING_RESULT, 74),
        ("testing:labs_results", _("Lab results"), "clipboard2-pulse", Perm.TESTING_RESULT, 75),
        ("testing:labs_unmatched", _("Unmatched results"), "question", Perm.TESTING_RESULT, 76),
        ("testing:labs_alarms", _("Alarming pools"), "exclamation-octagon", Perm.TESTING_VIEW, 77),
        ("testing:labs_list", _("Labs"), "hospital", Perm.TESTING_MANAGE, 78),
    ]
    for url_name, label, icon, perm, position in entries:
        register(NavItem(url_name, label, icon, perm, position, group="testing"))
