"""Control's section of the daily report (管控): people under each measure, the day's
changes, overdue follow-ups and open alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from .care import selectors as care
from .orders import selectors as orders

MEASURES = ("central", "home", "home_monitoring", "self_monitoring", "new", "released", "ended")


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    result: dict[str, dict[str, int]] = {}
    for key, c in orders.counts_by_code(scope=scope, code=code, day=day).items():
        row = result.setdefault(key, {})
        for name in MEASURES:
            row[f"control.{name}"] = getattr(c, name)
    for key, cc in care.counts_by_code(scope=scope, code=code, day=day).items():
        row = result.setdefault(key, {})
        row["control.followups_overdue"] = cc.followups_overdue
        row["control.alerts_open"] = cc.alerts_open
    return result


def _orders(on: str) -> Callable[[str, dt.date], str]:
    """The order list of exactly the orders a figure counts (orders.selectors.DAY_FILTERS)."""

    def url(code: str, day: dt.date) -> str:
        return f"{reverse('control:orders_list')}?jurisdiction={code}&on={on}&day={day.isoformat()}"

    return url


register(
    Section(
        key="control",
        title=_("Control"),
        order=40,
        figures=(
            Figure(
                "control.central",
                _("Centralised quarantine"),
                _(
                    "People with an approved order whose phase of centralised quarantine "
                    "covers the day and that had not ended before the day was over."
                ),
                list_url=_orders("central"),
                key_figure=True,
            ),
            Figure(
                "control.home",
                _("Home quarantine"),
                _("As above, for a phase of home quarantine."),
                list_url=_orders("home"),
                key_figure=True,
            ),
            Figure(
                "control.home_monitoring",
                _("Home health monitoring"),
                _("As above, for a phase of home health monitoring."),
                list_url=_orders("home_monitoring"),
                key_figure=True,
            ),
            Figure(
                "control.self_monitoring",
                _("Self health monitoring"),
                _("As above, for a phase of self health monitoring."),
                list_url=_orders("self_monitoring"),
            ),
            Figure(
                "control.new",
                _("New orders"),
                _("Control orders approved on the day."),
                list_url=_orders("new"),
                flow=True,
                key_figure=True,
            ),
            Figure(
                "control.released",
                _("Released"),
                _("Control orders released (解除) on the day at the end of their measures."),
                list_url=_orders("released"),
                flow=True,
            ),
            Figure(
                "control.ended",
                _("Ended early"),
                _("Control orders ended early on the day (a decision with its reason)."),
                list_url=_orders("ended"),
                flow=True,
            ),
            Figure(
                "control.followups_overdue",
                _("Follow-ups overdue"),
                _(
                    "Follow-ups (随访) of the day whose time has passed without a record "
                    "(for a past day: not recorded by its end)."
                ),
                list_url=lambda code, day: (
                    f"{reverse('control:care_followups')}?show=all&late=1&code={code}&day={day}"
                ),
                overdue=True,
                key_figure=True,
            ),
            Figure(
                "control.alerts_open",
                _("Open alerts"),
                _("Alerts raised and not closed at the end of the day (now, for today)."),
                list_url=lambda code, day: f"{reverse('control:care_alerts')}?code={code}",
                overdue=True,
            ),
        ),
        compute=compute,
    )
)
