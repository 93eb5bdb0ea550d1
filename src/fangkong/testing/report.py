"""Mass testing's section of the daily report (全员核酸检测): the rounds of the day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.reports.sections import Counts, Figure, Section, register

from .campaigns import selectors


def compute(scope: Scope, code: str, day: dt.date) -> Counts:
    return {
        key: {f"testing.{name}": n for name, n in figures.items()}
        for key, figures in selectors.daily_counts_by_code(scope=scope, code=code, day=day).items()
    }


def _campaigns(code: str, day: dt.date) -> str:
    """The rounds of the day with their figures here (their sum is the report's)."""
    return f"{reverse('testing:campaigns_day')}?code={code}&day={day.isoformat()}"


def _rate(figures: Mapping[str, float]) -> float | None:
    target = figures.get("testing.target") or 0
    return figures.get("testing.sampled", 0) * 100 / target if target else None


def _figure(key: str, label: object, definition: object, **flags: bool) -> Figure:
    return Figure(key, label, definition, list_url=_campaigns, **flags)  # type: ignore[arg-type]


register(
    Section(
        key="testing",
        title=_("Mass testing"),
        order=50,
        figures=(
            _figure(
                "testing.target",
                _("To be sampled"),
                _("People of the rounds of the day (open that day, or closed the day before)."),
            ),
            _figure(
                "testing.sampled",
                _("Sampled"),
                _("Of those, people with a sample in the round."),
                key_figure=True,
            ),
            _figure("testing.unsampled", _("Not yet sampled"), _("To be sampled, not sampled.")),
            Figure(
                "testing.rate",
                _("Sampled (%)"),
                _("Sampled of those to be sampled, per cent (not added up: computed)."),
                derive=_rate,
                key_figure=True,
            ),
            _figure(
                "testing.exempt",
                _("Exempt"),
                _("People of the rounds exempt from sampling (infants, away with proof …)."),
            ),
            _figure(
                "testing.outside",
                _("Sampled outside the list"),
                _("People sampled in the jurisdiction who are not in the round's population."),
            ),
            _figure("testing.resulted", _("Results in"), _("Sampled people with a result.")),
            _figure(
                "testing.positive",
                _("In alarming pools"),
                _("People in a positive or suspicious pool."),
                key_figure=True,
            ),
            _figure(
                "testing.retests_pending",
                _("Retests to do"),
                _("Single-tube retests at the door still open."),
                overdue=True,
            ),
            _figure(
                "testing.samples_on_day",
                _("Samples on the day"),
                _("Samples taken on the day at the sites in the jurisdiction."),
                flow=True,
            ),
        ),
        compute=compute,
    )
)
