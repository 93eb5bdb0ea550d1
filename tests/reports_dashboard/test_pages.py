"""The dashboard's pages: the page, the wall screen (大屏) and its JSON, their scope,
and every number against the list it opens."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.reports import sections, snapshots
from fangkong.reports.dashboard import views
from fangkong.reports.models import DailyFigure
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

from .conftest import DWorld, arrivals

pytestmark = pytest.mark.django_db

PAGES = ("reports:dashboard", "reports:dashboard_wall", "reports:dashboard_data")


@pytest.fixture
def figures(dw: DWorld) -> DWorld:
    """Yesterday: 中安街 1 waiting. Today: 中安街 2 more, 安阳路 3 (one verified), 金昌 1;
    all waiting but the one."""
    yesterday = dw.today - dt.timedelta(days=1)
    arrivals(COMMUNITY, yesterday)
    snapshots.snapshot(code=DISTRICT, day=yesterday)
    arrivals(COMMUNITY, dw.today, 2)
    arrivals(SIBLING, dw.today, 2)
    arrivals(SIBLING, dw.today, verified=True)
    arrivals(TOWN_COMMUNITY, dw.today)
    snapshots.snapshot(code=DISTRICT, day=dw.today)
    return dw


def value(code: str, key: str, day: dt.date) -> float:
    return DailyFigure.objects.get(jurisdiction_code=code, key=key, day=day).value


def rows_of(html: str, marker: str) -> int:
    return len(re.findall(rf'\b{marker}="', html))


def test_the_page_shows_the_stored_figures(figures: DWorld) -> None:
    page = figures.client("admin").get(reverse("reports:dashboard") + f"?code={DISTRICT}")
    assert page.status_code == 200
    html = page.content.decode()
    received = int(value(DISTRICT, "arrivals.received", figures.today))
    tile = re.search(r'data-tile="arrivals.received".*?</div></div></div>', html, re.S)
    assert tile is not None
    assert f"data-drill>{received}</a>" in tile.group(0)
    assert '<i class="bi bi-arrow-up"></i> 5' in tile.group(0)  # 6 against 1
    assert received == 6
    # The ranking in the page's order: most overdue work first.
    # (waiting: 中安街 1 + 2, 安阳路 2, 金昌 1)
    assert re.findall(r'data-rank="(\d+)"', html) == [
        SUBDISTRICT,
        COMMUNITY,
        SIBLING,
        TOWN,
        TOWN_COMMUNITY,
    ]
    trends = json.loads(
        re.search(r'id="dashboard-trends"[^>]*>(.*?)</script>', html).group(1)  # type: ignore[union-attr]
    )
    flows = next(c for c in trends["charts"] if c["id"] == "flows")
    assert next(s for s in flows["series"] if s["key"] == "arrivals.received")["data"][-2:] == [
        1,
        6,
    ]
    assert 'id="not-ready"' not in html and 'id="stale"' not in html
    # 28 days on request.
    longer = figures.client("admin").get(reverse("reports:dashboard") + "?days=28")
    assert longer.context["data"].days == 28 and longer.context["data"].code == DISTRICT


def test_every_number_opens_the_list_it_counts(figures: DWorld) -> None:
    """Tiles and ranking cells: following the link lists exactly as many rows."""
    admin = figures.client("admin")
    data = admin.get(reverse("reports:dashboard_data")).json()
    tiles = {t["key"]: t for t in data["tiles"]}
    received = tiles["arrivals.received"]
    listed = admin.get(received["url"])
    assert listed.status_code == 200
    assert rows_of(listed.content.decode(), "data-report") == received["value"] == 6
    overdue = [f.key for f in sections.figures() if f.overdue]
    waiting = overdue.index("arrivals.waiting")
    checked = 0
    for row in data["ranking"]:
        count, url = row["values"][waiting]
        assert count == value(row["code"], "arrivals.waiting", figures.today)
        if count:
            html = admin.get(url).content.decode()
            assert rows_of(html, "data-report") == count, row["code"]
            checked += 1
    assert checked == 5  # every jurisdiction below has reports waiting
    # A figure without a list shows plain: no link, the number all the same.
    plain = [f for f in sections.figures() if f.key_figure and f.list_url is None]
    for f in plain:
        assert tiles[f.key]["url"] == ""


def test_the_wall_and_its_json(figures: DWorld, english: Any, monkeypatch: Any) -> None:
    officer = figures.client("officer")
    data = officer.get(reverse("reports:dashboard_data")).json()
    assert data["code"] == SUBDISTRICT and data["name"] == "济源路街道"
    assert data["ready"] is True and data["stale"] is False and data["stale_message"] == ""
    stored = dict(
        DailyFigure.objects.filter(jurisdiction_code=SUBDISTRICT, day=figures.today).values_list(
            "key", "value"
        )
    )
    assert {t["key"]: t["value"] for t in data["tiles"]} == {
        f.key: stored.get(f.key) for f in sections.figures() if f.key_figure
    }
    tiles = {t["key"]: t for t in data["tiles"]}
    assert (tiles["arrivals.received"]["value"], tiles["arrivals.received"]["change"]) == (5, 4)
    last = max(
        DailyFigure.objects.filter(jurisdiction_code=SUBDISTRICT, day=figures.today).values_list(
            "computed_at", flat=True
        )
    )
    assert data["computed_at"] == timezone.localtime(last).strftime("%H:%M")
    assert data["as_of"] == f"updated at {data['computed_at']}"
    assert [(r["code"], r["total"]) for r in data["ranking"]] == [(COMMUNITY, 3), (SIBLING, 2)]
    assert len(data["trends"]["days"]) == 14

    wall = officer.get(reverse("reports:dashboard_wall"))
    html = wall.content.decode()
    assert wall.status_code == 200
    assert 'data-refresh="60"' in html
    assert f'data-source="/reports/dashboard/data.json?code={SUBDISTRICT}&amp;days=14"' in html
    assert f"updated at {data['computed_at']}" in html
    assert 'id="clock"' in html and 'class="alert alert-warning py-2 d-none" id="stale"' in html
    assert re.findall(r'data-rank="(\d+)"', html) == [COMMUNITY, SIBLING]
    # ?refresh= between 2 and 600 seconds.
    for asked, refresh in (("1", "2"), ("30", "30"), ("9999", "600"), ("x", "60")):
        page = officer.get(reverse("reports:dashboard_wall") + f"?refresh={asked}")
        assert f'data-refresh="{refresh}"' in page.content.decode()
    # The wall shows the first rows of the ranking only.
    monkeypatch.setattr(views, "WALL_RANK_ROWS", 2)
    top = figures.client("admin").get(reverse("reports:dashboard_wall")).content.decode()
    assert re.findall(r'data-rank="(\d+)"', top) == [SUBDISTRICT, COMMUNITY]


def test_a_stopped_refresh_on_the_pages(figures: DWorld, english: Any) -> None:
    at = timezone.now() - dt.timedelta(minutes=30)
    DailyFigure.objects.filter(day=figures.today).update(computed_at=at)
    hhmm = timezone.localtime(at).strftime("%H:%M")
    admin = figures.client("admin")
    data = admin.get(reverse("reports:dashboard_data")).json()
    assert data["stale"] is True
    assert data["stale_message"].startswith(f"Today's figures have not changed since {hhmm}")
    page = admin.get(reverse("reports:dashboard")).content.decode()
    assert 'id="stale"' in page and f"have not changed since {hhmm}" in page
    wall = admin.get(reverse("reports:dashboard_wall")).content.decode()
    assert 'class="alert alert-warning py-2" id="stale"' in wall


def test_a_fresh_install_offers_nothing_stale(dw: DWorld, english: Any) -> None:
    yesterday = dw.today - dt.timedelta(days=1)
    arrivals(COMMUNITY, yesterday, 3)
    snapshots.snapshot(code=DISTRICT, day=yesterday)
    admin = dw.client("admin")
    html = admin.get(reverse("reports:dashboard")).content.decode()
    assert 'id="not-ready"' in html
    tile = re.search(r'data-tile="arrivals.received".*?</div></div></div>', html, re.S)
    assert tile is not None and "data-drill>—</a>" in tile.group(0)
    assert ">3<" not in tile.group(0)  # yesterday's number is not shown as today's
    data = admin.get(reverse("reports:dashboard_data")).json()
    assert data["ready"] is False and data["as_of"] == "Today's figures are being computed."
    assert {t["value"] for t in data["tiles"]} == {None}
    assert {r["total"] for r in data["ranking"]} == {None}


@pytest.mark.parametrize(
    ("who", "code", "status"),
    [
        ("officer", "", 200),
        ("officer", SIBLING, 200),
        ("officer", TOWN, 404),  # another subdistrict
        ("officer", TOWN_COMMUNITY, 404),
        ("officer", DISTRICT, 404),  # above the officer
        ("town_officer", SUBDISTRICT, 404),
        ("town_officer", TOWN_COMMUNITY, 200),
        ("worker", "", 200),
        ("worker", SIBLING, 404),
        ("worker", SUBDISTRICT, 404),
        ("viewer", COMMUNITY, 200),
        ("admin", TOWN, 200),
        ("admin", GRID, 404),  # no figures below the community
        ("admin", "4101069", 404),
        ("admin", "410106999", 404),  # no such subdistrict
        ("admin", "abc", 404),
    ],
)
def test_the_scope(figures: DWorld, who: str, code: str, status: int) -> None:
    client = figures.client(who)
    for name in PAGES:
        url = reverse(name) + (f"?code={code}" if code else "")
        assert client.get(url).status_code == status, (name, url)


def test_each_reader_starts_at_its_own(figures: DWorld) -> None:
    for who, code in (
        ("admin", DISTRICT),
        ("officer", SUBDISTRICT),
        ("town_officer", TOWN),
        ("worker", COMMUNITY),
        ("viewer", COMMUNITY),
        ("sibling", SIBLING),
    ):
        data = figures.client(who).get(reverse("reports:dashboard_data")).json()
        assert data["code"] == code, who
    own = figures.client("sibling").get(reverse("reports:dashboard_data")).json()
    assert {t["key"]: t["value"] for t in own["tiles"]}["arrivals.received"] == value(
        SIBLING, "arrivals.received", figures.today
    )
    assert own["ranking"] == []
