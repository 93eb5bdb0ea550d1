"""The command dashboard in the browser: a number drills down to the list it counts,
and that list shows as many rows; the wall screen refreshes itself.

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

SUBDISTRICT = "410106001"  # 济源路街道, the demo subdistrict officer's

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
    expect(page.locator("body[data-refreshed]")).to_have_count(1)
