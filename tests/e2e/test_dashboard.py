"""The command dashboard in the browser: a number drills down to the list it counts,
and that list shows as many rows (the district admin's and a subdistrict's); the ranking
leads to a jurisdiction's own dashboard; the page fits a phone; the wall screen
refreshes its numbers by itself.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

DISTRICT = "410106"  # 上街区, the demo district admin's
SUBDISTRICT = "410106001"  # 济源路街道, the demo subdistrict officer's
PER_PAGE = 30  # the arrival reports' list

REFRESH = """
from django.utils import timezone
from fangkong.reports import snapshots
from fangkong.reports.models import DailyFigure
snapshots.refresh_today()
result = {
    k: v
    for k, v in DailyFigure.objects.filter(
        jurisdiction_code=params["code"], day=timezone.localdate()
    ).values_list("key", "value")
}
"""


def test_a_number_drills_down_to_its_list(
    server: Server, desktop: Callable[[], Page], log_in: LogIn, shoot: Shoot
) -> None:
    figures = server.query(REFRESH, code=SUBDISTRICT)
    page = desktop()
    log_in(page, "subdistrict_officer")
    page.goto("/reports/dashboard/")
    received = int(figures["arrivals.received"])
    tile = page.locator('[data-tile="arrivals.received"]')
    expect(tile.locator("[data-value]")).to_have_text(str(received))
    expect(page.locator('[data-trend="flows"] svg')).to_have_count(1)
    shoot(page, "dashboard-01.png")
    tile.locator("[data-drill]").click()
    expect(page).to_have_url(re.compile(r"/arrivals/\?.*on=sent"))
    expect(page.locator("#report-figure")).to_be_visible()
    expect(page.locator("[data-report]")).to_have_count(received)

    # The overdue ranking drills down too: the first row's overdue checks.
    page.goto("/reports/dashboard/")
    overdue = int(figures["pushlists.overdue"])
    expect(page.locator('[data-tile="pushlists.overdue"] [data-value]')).to_have_text(str(overdue))
    page.locator('[data-tile="pushlists.overdue"] [data-drill]').click()
    expect(page).to_have_url(re.compile(r"/pushlists/tasks/\?.*on=overdue"))
    expect(page.locator("[data-task]")).to_have_count(overdue)


def test_the_wall_screen_refreshes_itself(
    server: Server, desktop: Callable[[], Page], log_in: LogIn
) -> None:
    server.query(REFRESH, code=SUBDISTRICT)
    page = desktop()
    log_in(page, "subdistrict_officer")
    page.goto("/reports/dashboard/")
    page.locator("#wall-link").click()
    expect(page).to_have_url(re.compile(r"/reports/dashboard/wall/"))
    expect(page.locator("#clock")).not_to_be_empty()
    expect(page.locator("body")).to_have_attribute("data-refresh", "60")
    # Every two seconds instead of every minute: the tiles are fetched again.
    page.goto(f"/reports/dashboard/wall/?code={SUBDISTRICT}&refresh=2")
    # A link as the page had it before midnight: the refresh writes today's again.
    drill = page.locator("[data-drill]").first
    today = drill.get_attribute("href")
    assert today is not None and today.startswith("/")
    drill.evaluate("a => a.setAttribute('href', '/stale-yesterday/')")
    expect(page.locator("body[data-refreshed]")).to_have_count(1)
    expect(drill).to_have_attribute("href", today)


RANKING = """
from django.utils import timezone
from fangkong.reports import sections
from fangkong.reports.models import DailyFigure
overdue = [f.key for f in sections.figures() if f.overdue]
totals = {}
for code, value in DailyFigure.objects.filter(
    jurisdiction_code__startswith=params["code"], day=timezone.localdate(), key__in=overdue
).exclude(jurisdiction_code=params["code"]).values_list("jurisdiction_code", "value"):
    if len(code) <= 12:
        totals[code] = totals.get(code, 0) + value
result = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
"""


def log_in_district_admin(page: Page, server: Server, log_in: LogIn) -> None:
    totp_code = server.start("totp_code", "district_admin")
    log_in(page, "district_admin")
    expect(page).to_have_url(re.compile(r"/accounts/login/totp/$"))
    page.locator("#id_code").fill(server.output(totp_code).strip())
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_the_district_admin_drills_down(
    server: Server, desktop: Callable[[], Page], log_in: LogIn
) -> None:
    figures = server.query(REFRESH, code=DISTRICT)
    page = desktop()
    log_in_district_admin(page, server, log_in)
    page.goto("/reports/dashboard/")
    expect(page.locator("h1")).to_contain_text("上街区")
    received = int(figures["arrivals.received"])
    assert received > 0, "the demo has arrival reports today"
    tile = page.locator('[data-tile="arrivals.received"]')
    expect(tile.locator("[data-value]")).to_have_text(str(received))
    tile.locator("[data-drill]").click()
    expect(page).to_have_url(re.compile(rf"/arrivals/\?.*jurisdiction={DISTRICT}.*on=sent"))
    expect(page.locator("[data-report]")).to_have_count(min(received, PER_PAGE))

    # The ranking, most overdue work first, leads to each jurisdiction's own dashboard.
    ranking = server.query(RANKING, code=DISTRICT)
    page.goto("/reports/dashboard/")
    rows = page.locator("#ranking tbody tr[data-rank]")
    expect(rows).to_have_count(len(ranking))
    assert [rows.nth(i).get_attribute("data-rank") for i in range(len(ranking))] == [
        code for code, _total in ranking
    ]
    top, total = ranking[0]
    expect(rows.first.locator("[data-total]")).to_have_text(str(int(total)))
    rows.first.locator("td a").first.click()
    expect(page).to_have_url(re.compile(rf"/reports/dashboard/\?code={top}"))
    mine = server.query(REFRESH, code=top)
    expect(page.locator('[data-tile="arrivals.received"] [data-value]')).to_have_text(
        str(int(mine["arrivals.received"]))
    )


def test_the_dashboard_on_a_phone(server: Server, phone: Page, log_in: LogIn, shoot: Shoot) -> None:
    server.query(REFRESH, code=SUBDISTRICT)
    log_in(phone, "subdistrict_officer")
    phone.goto("/reports/dashboard/")
    expect(phone.locator('[data-trend="flows"] svg')).to_have_count(1)
    shoot(phone, "dashboard-phone.png")  # no sideways scrolling at 360 px


BUMP = """
from django.utils import timezone
from fangkong.reports.models import DailyFigure
rows = DailyFigure.objects.filter(
    jurisdiction_code=params["code"], day=timezone.localdate(), key="arrivals.received"
)
rows.update(value=params["value"])
result = rows.count()
"""


def test_the_wall_shows_new_figures_without_reloading(
    server: Server, desktop: Callable[[], Page], log_in: LogIn, shoot: Shoot
) -> None:
    server.query(REFRESH, code=SUBDISTRICT)
    page = desktop()
    log_in(page, "subdistrict_officer")
    page.goto(f"/reports/dashboard/wall/?code={SUBDISTRICT}&refresh=2")
    value = page.locator('[data-tile="arrivals.received"] [data-value]')
    expect(page.locator('[data-trend="flows"] svg')).to_have_count(1)
    expect(page.locator("#ranking tbody tr")).to_have_count(10)
    shoot(page, "dashboard-wall.png")
    expect(value).not_to_have_text("98765")
    page.evaluate("window.fkLoaded = true")  # gone if the page reloads
    try:
        # The minute's refresh may write the real figure back in between: try twice.
        for attempt in range(2):
            assert server.query(BUMP, code=SUBDISTRICT, value=98765) == 1
            try:
                expect(value).to_have_text("98765", timeout=6_000)
                break
            except AssertionError:
                if attempt:
                    raise
        assert page.evaluate("window.fkLoaded") is True
        expect(page.locator("#computed-at")).to_have_text(re.compile(r"\d\d:\d\d"))
    finally:
        server.query(REFRESH, code=SUBDISTRICT)
