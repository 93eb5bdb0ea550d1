"""Living support's section of the daily report (居民求助)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from . import selectors


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    return {
        key: {"support.new": c.new, "support.done": c.done, "support.open": c.open}
        for key, c in selectors.counts_by_code(scope=scope, code=code, day=day).items()
    }


def _queue(on: str) -> Callable[[str, dt.date], str]:
    """The queue of exactly the requests a figure counts (selectors.DAY_FILTERS)."""

    def url(code: str, day: dt.date) -> str:
        return (
            f"{reverse('support:queue')}?status=all&jurisdiction={code}"
            f"&on={on}&day={day.isoformat()}"
        )

    return url


register(
    Section(
        key="support",
        title=_("Help requests"),
        order=60,
        figures=(
            Figure(
                "support.new",
                _("Requests asked"),
                _("Requests for help (代购、送药、就医) asked on the day."),
                list_url=_queue("new"),
                flow=True,
            ),
            Figure(
                "support.done",
                _("Requests done"),
                _("Requests marked done on the day."),
                list_url=_queue("done"),
                flow=True,
            ),
            Figure(
                "support.open",
                _("Requests open"),
                _("Requests new or being handled at the end of the day (now, for today)."),
                list_url=_queue("open"),
                overdue=True,
            ),
        ),
        compute=compute,
    )
)
