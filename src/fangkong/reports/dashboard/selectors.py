"""What the command dashboard shows, read from the per-day figure snapshots only.

`dashboard_data(scope, code, day)` builds the whole page in five indexed reads of
`DailyFigure` and the tree: today's figures and yesterday's for the jurisdiction, the
trend window, and today's overdue figures of everything under it down to the
communities. It never computes a figure on a request: the periodic task
(reports/tasks.py) writes today's every minute, so the page is never staler than a
minute and takes the same time at 2,000,000 people as at 2,000.

The charts are chosen by the figures' flags, never by module: flows per day (a flow
that is a key figure), people and work in hand (a stock that is a key figure), rates,
and overdue work (every figure flagged overdue).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.codes import LEVEL_LENGTHS, Level
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

from .. import sections
from ..models import DailyFigure
from ..selectors import node_get

TREND_DAYS = (14, 28)
COMMUNITY = LEVEL_LENGTHS[Level.COMMUNITY]


@dataclass(frozen=True)
class Tile:
    """A key figure of today against yesterday."""

    key: str
    label: str
    value: float | None
    previous: float | None
    url: str
    overdue: bool

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 1)

    @property
    def change_abs(self) -> float | None:
        change = self.change
        return abs(change) if change is not None else None


@dataclass
class Ranked:
    code: str
    name: str
    level: str
    total: float
    values: list[tuple[float, str]] = field(default_factory=list)  # (value, url) per figure


@dataclass
class Dashboard:
    code: str
    name: str
    day: dt.date
    days: int
    computed_at: dt.datetime | None
    tiles: list[Tile]
    trends: dict[str, Any]
    overdue_labels: list[str]
    ranking: list[Ranked]

    @property
    def ready(self) -> bool:
        return self.computed_at is not None

    def as_json(self) -> dict[str, Any]:
        """What the wall screen fetches every minute."""
        return {
            "code": self.code,
            "name": self.name,
            "day": self.day.isoformat(),
            "computed_at": timezone.localtime(self.computed_at).strftime("%H:%M")
            if self.computed_at
            else "",
            "tiles": [
                {
                    "key": t.key,
                    "label": t.label,
                    "value": t.value,
                    "change": t.change,
                    "url": t.url,
                    "overdue": t.overdue,
                }
                for t in self.tiles
            ],
            "trends": self.trends,
            "overdue_labels": self.overdue_labels,
            "ranking": [
                {"code": r.code, "name": r.name, "total": r.total, "values": r.values}
                for r in self.ranking
            ],
        }


def _number(value: float) -> float:
    """Counts as whole numbers (stored as floats beside the rates)."""
    return int(value) if float(value).is_integer() else value


def _figures(code: str, days: list[dt.date]) -> dict[dt.date, dict[str, float]]:
    found: dict[dt.date, dict[str, float]] = defaultdict(dict)
    for day, key, value in DailyFigure.objects.filter(
        jurisdiction_code=code, day__in=days
    ).values_list("day", "key", "value"):
        found[day][key] = _number(value)
    return found


def _trends(code: str, day: dt.date, days: int) -> dict[str, Any]:
    window = [day - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    found = _figures(code, window)
    keys = sections.figures()
    groups = [
        (
            "flows",
            _("Per day"),
            "bar",
            [f for f in keys if f.flow and f.key_figure and f.additive],
        ),
        (
            "stocks",
            _("People and work in hand"),
            "line",
            [f for f in keys if f.key_figure and not f.flow and not f.overdue and f.additive],
        ),
        ("rates", _("Rates (%)"), "line", [f for f in keys if f.key_figure and not f.additive]),
        ("overdue", _("Overdue work"), "line", [f for f in keys if f.overdue]),
    ]
    return {
        "days": [d.strftime("%m-%d") for d in window],
        "charts": [
            {
                "id": name,
                "title": str(title),
                "type": kind,
                "series": [
                    {"name": str(f.label), "data": [found.get(d, {}).get(f.key) for d in window]}
                    for f in chosen
                ],
            }
            for name, title, kind, chosen in groups
            if chosen
        ],
    }


def _ranking(code: str, day: dt.date) -> tuple[list[str], list[Ranked]]:
    """Everything under `code` down to the communities, most overdue work first."""
    overdue = [f for f in sections.figures() if f.overdue]
    nodes = list(
        Jurisdiction.objects.within_code(code)
        .filter(is_active=True)
        .exclude(code=code)
        .annotate(code_length=Length("code"))
        .filter(code_length__lte=COMMUNITY)
        .values_list("code", "name", "level")
    )
    values: dict[str, dict[str, float]] = defaultdict(dict)
    for node_code, key, value in (
        DailyFigure.objects.within_code(code)
        .filter(day=day, key__in=[f.key for f in overdue])
        .values_list("jurisdiction_code", "key", "value")
    ):
        values[node_code][key] = _number(value)
    ranked = []
    for node_code, name, level in nodes:
        mine = values.get(node_code, {})
        ranked.append(
            Ranked(
                code=node_code,
                name=name,
                level=level,
                total=sum(mine.values()),
                values=[(mine.get(f.key, 0), f.url(node_code, day)) for f in overdue],
            )
        )
    ranked.sort(key=lambda r: (-r.total, r.code))
    return [str(f.label) for f in overdue], ranked


def dashboard_data(
    scope: Scope, code: str, day: dt.date | None = None, days: int = TREND_DAYS[0]
) -> Dashboard:
    """The dashboard of a jurisdiction within the scope (404 outside it)."""
    node = node_get(scope=scope, code=code)
    day = day or timezone.localdate()
    days = days if days in TREND_DAYS else TREND_DAYS[0]
    yesterday = day - dt.timedelta(days=1)
    found = _figures(code, [day, yesterday])
    today, before = found.get(day, {}), found.get(yesterday, {})
    computed_at = (
        DailyFigure.objects.filter(jurisdiction_code=code, day=day).aggregate(
            at=Max("computed_at")
        )["at"]
        if today
        else None
    )
    tiles = [
        Tile(
            key=f.key,
            label=str(f.label),
            value=today.get(f.key),
            previous=before.get(f.key),
            url=f.url(code, day),
            overdue=f.overdue,
        )
        for f in sections.figures()
        if f.key_figure
    ]
    labels, ranking = _ranking(code, day)
    return Dashboard(
        code=code,
        name=node.name,
        day=day,
        days=days,
        computed_at=computed_at,
        tiles=tiles,
        trends=_trends(code, day, days),
        overdue_labels=labels,
        ranking=ranking,
    )
