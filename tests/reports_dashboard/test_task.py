"""The periodic task that keeps the dashboard fresh: every minute, today's figures of
every district, written as `DailyFigure` rows that replace the minute before's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fangkong.reports import tasks
from fangkong.reports.dashboard.selectors import dashboard_data
from fangkong.reports.figures import compute_tree
from fangkong.reports.models import DailyFigure
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

from .conftest import DWorld, arrivals

pytestmark = pytest.mark.django_db


def test_the_task_runs_every_minute() -> None:
    for hour, minute in ((0, 0), (3, 17), (14, 59), (23, 59)):
        at = dt.datetime(2026, 12, 5, hour, minute)
        names = {t.name for t in HUEY.read_periodic(at)}
        assert "refresh_figures" in names, (hour, minute)


def test_the_task_writes_todays_figures(dw: DWorld) -> None:
    arrivals(COMMUNITY, dw.today, 2)
    arrivals(SIBLING, dw.today - dt.timedelta(days=1))
    assert not DailyFigure.objects.exists()
    before = dashboard_data(dw.scopes["admin"], DISTRICT)
    assert not before.ready

    tasks.refresh_figures()

    today = DailyFigure.objects.filter(day=dw.today)
    assert not DailyFigure.objects.exclude(day=dw.today).exists()
    assert sorted(set(today.values_list("jurisdiction_code", flat=True))) == sorted(
        [DISTRICT, SUBDISTRICT, COMMUNITY, SIBLING, TOWN, TOWN_COMMUNITY]
    )
    tree = compute_tree(code=DISTRICT, day=dw.today)
    for node in tree.walk():
        if node.direct:
            continue
        assert dict(today.filter(jurisdiction_code=node.code).values_list("key", "value")) == {
            k: float(v) for k, v in node.figures.items() if v is not None
        }, node.code
    received = today.get(jurisdiction_code=DISTRICT, key="arrivals.received")
    assert received.value == 2
    waiting = today.get(jurisdiction_code=SUBDISTRICT, key="arrivals.waiting")
    assert waiting.value == 3
    after = dashboard_data(dw.scopes["admin"], DISTRICT)
    assert after.ready and {t.key: t.value for t in after.tiles}["arrivals.received"] == 2

    # The next minute replaces the rows with the data as they stand then.
    first = received.computed_at
    arrivals(TOWN_COMMUNITY, dw.today)
    tasks.refresh_figures()
    # One row per jurisdiction and figure, not one more per run.
    assert today.filter(key="arrivals.received").count() == 6
    again = DailyFigure.objects.get(
        jurisdiction_code=DISTRICT, day=dw.today, key="arrivals.received"
    )
    assert again.value == 3 and again.computed_at >= first
    assert again.computed_at <= timezone.now()
