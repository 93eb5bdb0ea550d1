"""Screening's section of the daily report (排查)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from . import selectors


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    return selectors.counts_by_code(scope=scope, code=code, day=day)


def _day_list(on: str) -> Callable[[str, dt.date], str]:
    """The list of exactly what a figure counts (selectors.RECORD_FILTERS, FINDING_FILTERS)."""

    def url(code: str, day: dt.date) -> str:
        return f"{reverse('screening:day_list')}?code={code}&on={on}&day={day.isoformat()}"

    return url


register(
    Section(
        key="screening",
        title=_("Screening"),
        order=20,
        figures=(
            Figure(
                "screening.households_today",
                _("Households screened today"),
                _("Households whose current screening record (in any round) was made on the day."),
                list_url=_day_list("today"),
                key_figure=True,
                flow=True,
            ),
            Figure(
                "screening.households_total",
                _("Households screened in all"),
                _("Households with a current record in a screening round still open."),
                list_url=_day_list("total"),
            ),
            Figure(
                "screening.found_today",
                _("People found in a category"),
                _(
                    "People found door to door on the day who fall in a category of their "
                    "round (arrivals from risk areas and the like), each counted once."
                ),
                list_url=_day_list("found"),
                flow=True,
            ),
        ),
        compute=compute,
    )
)
