"""The command dashboard: today's key figures against yesterday's, the trends of the
window, the ranking by overdue work, the wall screen's JSON, its scope; all read from the
per-day figures the periodic task writes."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.arrivals.models import ArrivalReport
from fangkong.reports import snapshots, tasks
from fangkong.reports.dashboard.selectors import dashboard_data
from fangkong.reports.models import DailyFigure
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT

from .conftest import Control, arrival, manual

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def history(control: Control) -> Control:
    """Yesterday: one arrival; today: two more, an order in force and a check overdue."""
    from fangkong.control.orders import services as orders
    from tests.control_orders.conftest import close_contact_task

    today = timezone.localdate()
    old = arrival(control, control.zhang, classification="high", status="waiting", days_ago=3)
    ArrivalReport.objects.filter(pk=old.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=1)
    )
    snapshots.snapshot(code=DISTRICT, day=today - dt.timedelta(days=1))
    arrival(control, control.li, classification="medium", status="waiting", days_ago=0)
    arrival(control, control.other.person, classification="other", status="waiting", days_ago=0)
    orders.order_approve(scope=control.officer_scope, order=manual(control))
    late = close_contact_task(control, control.other.person, outcome="")
    from fangkong.pushlists.models import VerificationTask

    VerificationTask.objects.filter(pk=late.pk).update(
        deadline=timezone.now() - dt.timedelta(hours=2)
    )
    tasks.refresh_figures()  # the periodic task: today's figures
    return control


def test_today_against_yesterday(history: Control) -> None:
    data = dashboard_data(history.officer_scope, SUBDISTRICT)
    assert data.ready and data.name == "济源路街道"
    tiles = {t.key: t for t in data.tiles}
    assert (tiles["arrivals.received"].value, tiles["arrivals.received"].previous) == (2, 1)
    assert tiles["arrivals.received"].change == 1
    assert tiles["control.home_monitoring"].value == 1
    assert tiles["control.home_monitoring"].change == 1
    assert tiles["pushlists.overdue"].value == 1 and tiles["pushlists.overdue"].overdue
    assert tiles["arrivals.received"].url == (
        f"/arrivals/?status=all&jurisdiction={SUBDISTRICT}&on=sent"
        f"&day={timezone.localdate().isoformat()}"
    )


def test_the_trends_of_the_window(history: Control, english: Any) -> None:
    data = dashboard_data(history.officer_scope, SUBDISTRICT, days=14)
    trends = data.trends
    assert len(trends["days"]) == 14
    assert trends["days"][-1] == timezone.localdate().strftime("%m-%d")
    charts = {c["id"]: c for c in trends["charts"]}
    assert set(charts) == {"flows", "stocks", "rates", "overdue"}
    received = next(s for s in charts["flows"]["series"] if s["name"] == "Arrival reports received")
    assert received["data"][-2:] == [1, 2]
    assert received["data"][:-2] == [None] * 12  # no figures stored for those days
    assert len(dashboard_data(history.officer_scope, SUBDISTRICT, days=28).trends["days"]) == 28


def test_the_ranking_by_overdue_work(history: Control, english: Any) -> None:
    data = dashboard_data(history.officer_scope, SUBDISTRICT)
    labels = data.overdue_labels
    assert labels[:2] == ["Reports waiting", "Checks overdue"]
    ranked = [(r.code, r.total, [v for v, _url in r.values][:2]) for r in data.ranking]
    # Ours: two arrivals waiting; the sibling's: one waiting and one check overdue; a
    # tie is broken by the code.
    assert ranked == [(COMMUNITY, 2, [2, 0]), (SIBLING, 2, [1, 1])]
    _value, url = data.ranking[1].values[1]
    assert url.startswith("/pushlists/tasks/?show=all&code=410106001002&on=overdue")


def test_the_pages_the_wall_and_the_scope(history: Control, make_user: Any) -> None:
    officer = client_for(history.officer)
    page = officer.get(reverse("reports:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-tile="arrivals.received"' in html
    trends = json.loads(re.search(r'id="dashboard-trends"[^>]*>(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert trends["days"][-1] == timezone.localdate().strftime("%m-%d")
    assert f'data-rank="{SIBLING}"' in html and f'data-rank="{COMMUNITY}"' in html
    wall = officer.get(reverse("reports:dashboard_wall"))
    assert wall.status_code == 200 and b"data-wall" in wall.content
    data = officer.get(reverse("reports:dashboard_data")).json()
    assert data["code"] == SUBDISTRICT
    assert {t["key"]: t["value"] for t in data["tiles"]}["arrivals.received"] == 2
    # Outside the scope, nothing.
    worker = client_for(history.worker)
    assert worker.get(reverse("reports:dashboard") + f"?code={SIBLING}").status_code == 404
    assert worker.get(reverse("reports:dashboard_data") + f"?code={SUBDISTRICT}").status_code == 404
    own = worker.get(reverse("reports:dashboard_data")).json()
    assert own["code"] == COMMUNITY and own["ranking"] == []


def test_a_fresh_install_says_the_figures_are_coming(control: Control) -> None:
    assert not DailyFigure.objects.exists()
    data = dashboard_data(control.officer_scope, SUBDISTRICT)
    assert not data.ready
    assert {t.value for t in data.tiles} == {None}
    html = client_for(control.officer).get(reverse("reports:dashboard")).content.decode()
    assert 'id="not-ready"' in html
