"""What the command dashboard shows, read from the per-day figure snapshots only.

`dashboard_data(scope, code, day)` builds the whole page in four indexed reads, whatever
the size of the district: the jurisdiction itself (within the scope), its figures over
the trend window (today's and yesterday's among them), the jurisdictions under it down
to the communities, and their overdue figures of the day. It never computes a figure on
a request: the periodic task (reports/tasks.py) writes today's every minute, so the page
is never staler than a minute and takes the same time at 2,000,000 people as at 2,000.
When today's have not been written yet (a fresh install, before the first minute), the
page says so and shows nothing older in their place; when the task has stopped, the
page says since when the figures have not changed.

The charts are chosen by the figures' flags, never by module: flows per day (a flow
that is a key figure), people and work in hand (a stock that is a key figure), rates,
and overdue work (every figure flagged overdue). A number links to the list it counts
when the reader may follow it (the section's permission, as in the daily report).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

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
# Today's figures older than this: the periodic task has stopped (it runs every minute).
STALE_AFTER = dt.timedelta(minutes=5)


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
        return _number(round(self.value - self.previous, 1))

    @property
    def change_abs(self) -> float | None:
        change = self.change
        return abs(change) if change is not None else None


@dataclass
class Ranked:
    code: str
    name: str
    level: str
    total: float | None  # None: today's figures are not computed yet
    # (value, url) per overdue figure, in the order of Dashboard.overdue_labels.
    values: list[tuple[float | None, str]] = field(default_factory=list)


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
    stale: bool = False

    @property
    def ready(self) -> bool:
        return self.computed_at is not None

    @property
    def as_of(self) -> str:
        """The line "updated at 14:05" (数据更新于), or that they are being computed."""
        if self.computed_at is None:
            return _("Today's figures are being computed.")
        at = timezone.localtime(self.computed_at).strftime("%H:%M")
        return _("updated at %(at)s") % {"at": at}

    @property
    def stale_message(self) -> str:
        if not self.stale or self.computed_at is None:
            return ""
        at = timezone.localtime(self.computed_at).strftime("%H:%M")
        return _(
            "Today's figures have not changed since %(at)s: the refresh every minute seems "
            "to have stopped; tell the system administrator."
        ) % {"at": at}

    def as_json(self) -> dict[str, Any]:
        """What the wall screen fetches every minute."""
        return {
            "code": self.code,
            "name": self.name,
            "day": self.day.isoformat(),
            "ready": self.ready,
            "stale": self.stale,
            "stale_message": self.stale_message,
            "computed_at": timezone.localtime(self.computed_at).strftime("%H:%M")
            if self.computed_at
            else "",
            "as_of": self.as_of,
            "tiles": [
                {
                    "key": t.key,
                    "label": t.label,
                    "value": t.value,
                    "previous": t.previous,
                    "change": t.change,
                    "url": t.url,
                    "overdue": t.overdue,
                }
                for t in self.tiles
            ],
            "trends": self.trends,
            "overdue_labels": self.overdue_labels,
            "ranking": [
                {
                    "code": r.code,
                    "name": r.name,
                    "level": r.level,
                    "total": r.total,
                    "values": [list(v) for v in r.values],
                }
                for r in self.ranking
            ],
        }


def _number(value: float) -> float:
    """Counts as whole numbers (stored as floats beside the rates)."""
    return int(value) if float(value).is_integer() else value


def _followable(scope: Scope) -> set[str]:
    """The keys of the figures whose lists the reader may open."""
    return {
        f.key for s in sections.sections() if s.perm is None or scope.has(s.perm) for f in s.figures
    }


def _window(
    code: str, window: list[dt.date]
) -> tuple[dict[dt.date, dict[str, float]], dt.datetime | None]:
    """The figures of `code` on each day of the window, in one indexed read, and when
    the last day's were computed (None: not yet)."""
    found: dict[dt.date, dict[str, float]] = defaultdict(dict)
    computed_at = None
    last = window[-1]
    for day, key, value, at in DailyFigure.objects.filter(
        jurisdiction_code=code, day__gte=window[0], day__lte=last
    ).values_list("day", "key", "value", "computed_at"):
        found[day][key] = _number(value)
        if day == last and (computed_at is None or at > computed_at):
            computed_at = at
    return found, computed_at


def _trends(found: dict[dt.date, dict[str, float]], window: list[dt.date]) -> dict[str, Any]:
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
                    {
                        "key": f.key,
                        "name": str(f.label),
                        "data": [found.get(d, {}).get(f.key) for d in window],
                    }
                    for f in chosen
                ],
            }
            for name, title, kind, chosen in groups
            if chosen
        ],
    }


def _ranking(
    code: str, day: dt.date, followable: set[str], *, ready: bool
) -> tuple[list[str], list[Ranked]]:
    """Everything under `code` down to the communities, most overdue work first (a tie
    by code); without today's figures, the jurisdictions with no numbers."""
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
    if not ready:
        return [str(f.label) for f in overdue], [
            Ranked(code=c, name=n, level=lv, total=None, values=[(None, "")] * len(overdue))
            for c, n, lv in sorted(nodes)
        ]
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
                total=_number(sum(mine.values())),
                values=[
                    (mine.get(f.key, 0), f.url(node_code, day) if f.key in followable else "")
                    for f in overdue
                ],
            )
        )
    ranked.sort(key=lambda r: (-(r.total or 0), r.code))
    return [str(f.label) for f in overdue], ranked


def dashboard_data(
    scope: Scope, code: str, day: dt.date | None = None, days: int = TREND_DAYS[0]
) -> Dashboard:
    """The dashboard of a jurisdiction within the scope (404 outside it) on `day`
    (today), with the trends of the `days` (14 or 28) days ending on it."""
    node = node_get(scope=scope, code=code)
    day = day or timezone.localdate()
    days = days if days in TREND_DAYS else TREND_DAYS[0]
    window = [day - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    found, computed_at = _window(code, window)
    today, before = found.get(day, {}), found.get(window[-2], {})
    followable = _followable(scope)
    tiles = [
        Tile(
            key=f.key,
            label=str(f.label),
            value=today.get(f.key),
            previous=before.get(f.key),
            url=f.url(code, day) if f.key in followable else "",
            overdue=f.overdue,
        )
        for f in sections.figures()
        if f.key_figure
    ]
    labels, ranking = _ranking(code, day, followable, ready=computed_at is not None)
    stale = (
        computed_at is not None
        and day == timezone.localdate()
        and timezone.now() - computed_at > STALE_AFTER
    )
    return Dashboard(
        code=code,
        name=node.name,
        day=day,
        days=days,
        computed_at=computed_at,
        tiles=tiles,
        trends=_trends(found, window),
        overdue_labels=labels,
        ranking=ranking,
        stale=stale,
    )
