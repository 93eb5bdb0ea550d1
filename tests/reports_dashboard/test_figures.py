"""What the dashboard shows, from `dashboard_data`: today's key figures against
yesterday's, the trends of the window day by day, the ranking by overdue work, a fresh
install and a stopped refresh; each checked against the per-day figures the server
stored (`DailyFigure`), never against what the test wrote."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.core.permissions import Perm
from fangkong.reports import sections, snapshots
from fangkong.reports.dashboard.selectors import STALE_AFTER, dashboard_data
from fangkong.reports.models import DailyFigure
from fangkong.reports.sections import Figure, Section
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

from .conftest import DWorld, arrivals

pytestmark = pytest.mark.django_db

DAYS = 6  # the days with stored figures: five days ago to today


@pytest.fixture
def week(dw: DWorld) -> DWorld:
    """Arrival reports over six days, the figures of each day stored for the district.

    day -5: 中安街 1 (verified)      day -3: 安阳路 2 (waiting)
    day -1: 中安街 1, 金昌 1 (verified)
    today:  中安街 2, 安阳路 1 (verified), 金昌 1
    """
    t = dw.today
    arrivals(COMMUNITY, t - dt.timedelta(days=5), verified=True)
    arrivals(SIBLING, t - dt.timedelta(days=3), 2)
    arrivals(COMMUNITY, t - dt.timedelta(days=1))
    arrivals(TOWN_COMMUNITY, t - dt.timedelta(days=1), verified=True)
    arrivals(COMMUNITY, t, 2)
    arrivals(SIBLING, t, verified=True, classification="other")
    arrivals(TOWN_COMMUNITY, t)
    assert snapshots.snapshot_days(code=DISTRICT, first=t - dt.timedelta(days=5), last=t) == 6
    return dw


def stored(code: str, day: dt.date) -> dict[str, float]:
    return dict(
        DailyFigure.objects.filter(jurisdiction_code=code, day=day).values_list("key", "value")
    )


def test_today_against_yesterday(week: DWorld) -> None:
    data = dashboard_data(week.scopes["admin"], DISTRICT, week.today)
    assert data.ready and data.name == "上街区" and not data.stale
    today, yesterday = stored(DISTRICT, week.today), stored(DISTRICT, week.today - dt.timedelta(1))
    assert [t.key for t in data.tiles] == [f.key for f in sections.figures() if f.key_figure]
    for tile in data.tiles:
        assert (tile.key, tile.value, tile.previous) == (
            tile.key,
            today.get(tile.key),
            yesterday.get(tile.key),
        )
    tiles = {t.key: t for t in data.tiles}
    received = tiles["arrivals.received"]
    assert (received.value, received.previous, received.change) == (4, 2, 2)
    assert received.url == (
        f"/arrivals/?status=all&jurisdiction={DISTRICT}&on=sent&day={week.today.isoformat()}"
    )
    # A subdistrict's: its own communities only.
    sub = {t.key: t for t in dashboard_data(week.scopes["officer"], SUBDISTRICT).tiles}
    assert (sub["arrivals.received"].value, sub["arrivals.received"].previous) == (3, 1)
    assert sub["arrivals.received"].change == 2


def test_the_trend_series_day_by_day(week: DWorld, english: Any) -> None:
    data = dashboard_data(week.scopes["admin"], DISTRICT, week.today)
    trends = data.trends
    window = [week.today - dt.timedelta(days=n) for n in range(13, -1, -1)]
    assert trends["days"] == [d.strftime("%m-%d") for d in window]
    charts = {c["id"]: c for c in trends["charts"]}
    series = {(c, s["key"]): s["data"] for c in charts for s in charts[c]["series"]}
    # Every series of every day is the stored figure of that day (None: none stored).
    for (_chart, key), values in series.items():
        expected = [
            DailyFigure.objects.filter(jurisdiction_code=DISTRICT, day=d, key=key)
            .values_list("value", flat=True)
            .first()
            for d in window
        ]
        assert values == expected, key
    none = [None] * (14 - DAYS)
    assert series[("flows", "arrivals.received")] == [*none, 1, 0, 2, 0, 2, 4]
    # Waiting at the end of each day: sent by then and not verified.
    assert series[("overdue", "arrivals.waiting")] == [*none, 0, 0, 2, 2, 3, 6]
    assert charts["flows"]["type"] == "bar" and charts["overdue"]["type"] == "line"
    # 28 days: the same days at the end of a longer window.
    longer = dashboard_data(week.scopes["admin"], DISTRICT, week.today, days=28).trends
    assert len(longer["days"]) == 28
    received = next(
        s for c in longer["charts"] for s in c["series"] if s["key"] == "arrivals.received"
    )
    assert received["data"] == [None] * (28 - DAYS) + [1, 0, 2, 0, 2, 4]
    # Any other length is the default.
    assert dashboard_data(week.scopes["admin"], DISTRICT, days=7).days == 14


def test_the_charts_are_chosen_by_the_figures_flags(week: DWorld) -> None:
    charts = {
        c["id"]: [s["key"] for s in c["series"]]
        for c in dashboard_data(week.scopes["admin"], DISTRICT).trends["charts"]
    }
    figures = sections.figures()
    assert charts["flows"] == [f.key for f in figures if f.flow and f.key_figure and f.additive]
    assert charts["overdue"] == [f.key for f in figures if f.overdue]
    assert charts["rates"] == [f.key for f in figures if f.key_figure and not f.additive]
    assert "arrivals.received" in charts["flows"]
    # People under each measure and the round's progress: stocks; its rate: a rate.
    assert {"control.central", "control.home", "control.home_monitoring"} <= set(charts["stocks"])
    assert "testing.sampled" in charts["stocks"] and "testing.rate" in charts["rates"]
    assert not set(charts["stocks"]) & set(charts["flows"] + charts["overdue"])


def test_everything_below_ranked_by_overdue_work(week: DWorld, english: Any) -> None:
    data = dashboard_data(week.scopes["admin"], DISTRICT, week.today)
    overdue = [f for f in sections.figures() if f.overdue]
    assert data.overdue_labels == [str(f.label) for f in overdue]
    waiting = [f.key for f in overdue].index("arrivals.waiting")
    ranked = [(r.code, r.total, r.values[waiting][0]) for r in data.ranking]
    # The subdistricts and the communities (not the grid), most first, a tie by code.
    assert ranked == [
        (SUBDISTRICT, 5, 5),
        (COMMUNITY, 3, 3),
        (SIBLING, 2, 2),
        (TOWN, 1, 1),
        (TOWN_COMMUNITY, 1, 1),
    ]
    for r in data.ranking:
        figures = stored(r.code, week.today)
        assert r.total == sum(figures.get(f.key, 0) for f in overdue)
        assert [v for v, _url in r.values] == [figures.get(f.key, 0) for f in overdue]
    sibling = next(r for r in data.ranking if r.code == SIBLING)
    assert sibling.values[waiting][1] == (
        f"/arrivals/?status=all&jurisdiction={SIBLING}&on=waiting&day={week.today.isoformat()}"
    )
    # A subdistrict ranks its communities; a community has nothing below it.
    assert [r.code for r in dashboard_data(week.scopes["officer"], SUBDISTRICT).ranking] == [
        COMMUNITY,
        SIBLING,
    ]
    assert dashboard_data(week.scopes["worker"], COMMUNITY).ranking == []


def test_a_fixed_number_of_reads(week: DWorld, django_assert_num_queries: Any) -> None:
    """The jurisdiction, its window, the jurisdictions below, their overdue figures:
    four reads, whatever the size of the district (no figure computed)."""
    with django_assert_num_queries(4):
        dashboard_data(week.scopes["admin"], DISTRICT, week.today, days=28)
    arrivals(SIBLING, week.today, 5)
    snapshots.snapshot(code=DISTRICT, day=week.today)
    with django_assert_num_queries(4):
        data = dashboard_data(week.scopes["admin"], DISTRICT, week.today)
    assert {t.key: t.value for t in data.tiles}["arrivals.received"] == 9


def test_before_the_first_refresh_nothing_stale(dw: DWorld, english: Any) -> None:
    """Yesterday's figures are stored, today's not yet: today shows no number (never
    yesterday's in its place), the ranking none either."""
    yesterday = dw.today - dt.timedelta(days=1)
    arrivals(COMMUNITY, yesterday, 2)
    snapshots.snapshot(code=DISTRICT, day=yesterday)
    data = dashboard_data(dw.scopes["admin"], DISTRICT, dw.today)
    assert not data.ready and data.computed_at is None
    assert {t.value for t in data.tiles} == {None}
    tiles = {t.key: t for t in data.tiles}
    assert tiles["arrivals.received"].previous == 2
    assert tiles["arrivals.received"].change is None
    assert [(r.code, r.total) for r in data.ranking] == [  # in the tree's order
        (SUBDISTRICT, None),
        (COMMUNITY, None),
        (SIBLING, None),
        (TOWN, None),
        (TOWN_COMMUNITY, None),
    ]
    assert {v for r in data.ranking for v in r.values} == {(None, "")}
    assert data.as_of == "Today's figures are being computed."
    # The trend shows yesterday's and nothing for today.
    flows = next(c for c in data.trends["charts"] if c["id"] == "flows")
    received = next(s for s in flows["series"] if s["key"] == "arrivals.received")
    assert received["data"][-2:] == [2, None]


def test_a_stopped_refresh_is_said(week: DWorld, english: Any) -> None:
    assert not dashboard_data(week.scopes["admin"], DISTRICT).stale
    at = timezone.now() - STALE_AFTER - dt.timedelta(minutes=1)
    DailyFigure.objects.filter(day=week.today).update(computed_at=at)
    data = dashboard_data(week.scopes["admin"], DISTRICT)
    assert data.stale and data.computed_at == at
    hhmm = timezone.localtime(at).strftime("%H:%M")
    assert data.as_of == f"updated at {hhmm}"
    assert data.stale_message.startswith(f"Today's figures have not changed since {hhmm}:")
    # A past day's figures are as old as they are: not stale.
    yesterday = week.today - dt.timedelta(days=1)
    assert not dashboard_data(week.scopes["admin"], DISTRICT, yesterday).stale


def test_links_only_for_readers_who_may_follow_them(
    week: DWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A section whose lists need a permission (Section.perm): its numbers are for
    every reader, its links only for those who hold it."""

    def compute(scope: Any, code: str, day: dt.date) -> dict[str, dict[str, int]]:
        return {COMMUNITY: {"zzdash.late": 7}}

    monkeypatch.setitem(
        sections._SECTIONS,
        "zzdash",
        Section(
            key="zzdash",
            title="Dashboard test",
            order=99,
            perm=Perm.REPORT_FILL,
            figures=(
                Figure(
                    "zzdash.late",
                    "Late",
                    "Late things.",
                    list_url=lambda code, day: f"/late/?code={code}",
                    key_figure=True,
                    overdue=True,
                ),
            ),
            compute=compute,
        ),
    )
    snapshots.snapshot(code=DISTRICT, day=week.today)
    worker = {t.key: t for t in dashboard_data(week.scopes["worker"], COMMUNITY).tiles}
    viewer = {t.key: t for t in dashboard_data(week.scopes["viewer"], COMMUNITY).tiles}
    assert (worker["zzdash.late"].value, worker["zzdash.late"].url) == (
        7,
        "/late/?code=410106001001",
    )
    assert (viewer["zzdash.late"].value, viewer["zzdash.late"].url) == (7, "")
    assert viewer["arrivals.received"].url != ""
    admin = dashboard_data(week.scopes["admin"], DISTRICT)
    first = admin.ranking[0]
    assert (first.code, first.total) == (SUBDISTRICT, 5 + 7)
    assert first.values[-1] == (7, f"/late/?code={SUBDISTRICT}")
