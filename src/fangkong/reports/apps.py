"""The daily report upward (日报) and the command dashboard (指挥大屏).

The reports app imports no module: each module registers its section of the report in
a `report` module of its own package (found by `autodiscover_modules("report")` here),
computing its figures through its own selectors. See reports/sections.py and
docs/adr/0021-daily-report.md.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fangkong.reports"
    label = "reports"
    verbose_name = _("Daily reports")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each module's `report` module registers its section (reports/sections.py).
        autodiscover_modules("report")

        from fangkong.core.navigation import NavItem, register
        from fangkong.core.permissions import Perm

        register(
            NavItem(
                "reports:index",
                _("Daily report"),
                "clipboard-data",
                Perm.REPORT_VIEW,
                8,
                offices_only=True,
            )
        )
        register(
            NavItem(
                "reports:dashboard",
                _("Dashboard"),
                "speedometer2",
                Perm.REPORT_VIEW,
                7,
                offices_only=True,
            )
        )
