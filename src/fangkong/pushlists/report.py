"""Push lists' section of the daily report (协查落地)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from . import selectors


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    found = selectors.verification_counts(scope=scope, day=day, width=15)
    return {
        key: {
            "pushlists.created": c.created,
            "pushlists.verified": c.verified,
            "pushlists.open": c.open,
            "pushlists.overdue": c.overdue,
        }
        for key, c in found.items()
        if key.startswith(code)
    }


def _tasks(on: str) -> Callable[[str, dt.date], str]:
    """The task list of exactly the checks a figure counts (selectors.DAY_FILTERS)."""

    def url(code: str, day: dt.date) -> str:
        return f"{reverse('pushlists:tasks')}?show=all&code={code}&on={on}&day={day.isoformat()}"

    return url


register(
    Section(
        key="pushlists",
        title=_("Pushed lists"),
        order=30,
        figures=(
            Figure(
                "pushlists.created",
                _("Checks received"),
                _("Checks (落地核查) of pushed lists routed to the jurisdiction on the day."),
                list_url=_tasks("created"),
                flow=True,
            ),
            Figure(
                "pushlists.verified",
                _("Checks done"),
                _("Checks whose result was recorded on the day."),
                list_url=_tasks("verified"),
                flow=True,
                key_figure=True,
            ),
            Figure(
                "pushlists.open",
                _("Checks open"),
                _("Checks not yet done or closed at the end of the day (now, for today)."),
                list_url=_tasks("open"),
            ),
            Figure(
                "pushlists.overdue",
                _("Checks overdue"),
                _("Open checks past their deadline at the end of the day (now, for today)."),
                list_url=_tasks("overdue"),
                overdue=True,
                key_figure=True,
            ),
        ),
        compute=compute,
    )
)
