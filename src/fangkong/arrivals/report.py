"""Arrivals' section of the daily report (返乡报备): by classification and by origin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core import regions
from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from . import selectors

ORIGIN = "arrivals.origin."


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    found = selectors.daily_counts(scope=scope, day=day, under=code, width=15)
    result: dict[str, dict[str, int]] = {}
    for key, c in found.items():
        row = {
            "arrivals.received": c.received,
            "arrivals.high": c.high,
            "arrivals.medium": c.medium,
            "arrivals.other": c.other,
            "arrivals.arrived": c.arrived,
            "arrivals.verified": c.verified,
            "arrivals.waiting": c.waiting,
        }
        for province, n in c.by_province.items():
            row[f"{ORIGIN}{province or '00'}"] = n
        result[key] = row
    return result


def origin_label(key: str) -> str:
    code = key.removeprefix(ORIGIN)
    name = regions.name(code) if code != "00" else ""
    return str(_("From %(place)s")) % {"place": name or _("unknown origin")}


def _queue(on: str, extra: str = "") -> Callable[[str, dt.date], str]:
    """The queue of exactly the reports a figure counts (arrivals.selectors.DAY_FILTERS)."""

    def url(code: str, day: dt.date) -> str:
        return (
            f"{reverse('arrivals:queue')}?status=all&jurisdiction={code}"
            f"&on={on}&day={day.isoformat()}{extra}"
        )

    return url


register(
    Section(
        key="arrivals",
        title=_("Arrivals"),
        order=25,
        figures=(
            Figure(
                "arrivals.received",
                _("Arrival reports received"),
                _("Arrival reports (报备) sent on the day for the jurisdiction."),
                list_url=_queue("sent"),
                flow=True,
                key_figure=True,
            ),
            Figure(
                "arrivals.high",
                _("From high-risk areas"),
                _("Of the reports sent on the day, those from a high-risk area."),
                list_url=_queue("sent", "&classification=high"),
                flow=True,
            ),
            Figure(
                "arrivals.medium",
                _("From medium-risk areas"),
                _("Of the reports sent on the day, those from a medium-risk area."),
                list_url=_queue("sent", "&classification=medium"),
                flow=True,
            ),
            Figure(
                "arrivals.other",
                _("From elsewhere"),
                _("Of the reports sent on the day, those from no risk area."),
                list_url=_queue("sent", "&classification=other"),
                flow=True,
            ),
            Figure(
                "arrivals.arrived",
                _("Arrived on the day"),
                _("Reports whose arrival date is the day."),
                list_url=_queue("arrived"),
                flow=True,
            ),
            Figure(
                "arrivals.verified",
                _("Reports verified"),
                _("Reports verified (核实) by the community on the day."),
                list_url=_queue("verified"),
                flow=True,
            ),
            Figure(
                "arrivals.waiting",
                _("Reports waiting"),
                _("Reports sent by the end of the day and not verified by then."),
                list_url=_queue("waiting"),
                overdue=True,
            ),
        ),
        compute=compute,
        dynamic_prefix=ORIGIN,
        dynamic_label=origin_label,
    )
)
