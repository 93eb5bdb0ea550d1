"""A subdistrict officer checks a person into a room on a site's board, then transfers
them to the other site; the boards' counts follow. Expected values come from the
server's database (`server.query`), never from what the test typed.

The orders area makes orders in the application; the demo may have none that call for a
site today, so the test gives one person of 济源路街道 an approved order (centralised
quarantine now, home monitoring after) straight in the server's database first.
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

SUBDISTRICT = "410106001"

ORDER = """
from fangkong.control.models import ControlOrder
from fangkong.registry.models import Person
from tests.control_sites.orders import make_order

open_orders = ControlOrder.objects.filter(status__in=["proposed", "active"])
busy = set(open_orders.values_list("person_id", flat=True))
person = next(
    p for p in Person.objects.filter(jurisdiction_code__startswith=params["code"], status="active")
    .exclude(household=None).order_by("-id")[:200]
    if p.pk not in busy
)
order = make_order(person)
result = {"order": order.pk, "person": person.pk, "name": person.name}
"""

SITES = """
from fangkong.control.models import QuarantineSite, Room
from django.db.models import F, Sum, Q
result = []
for name in ("上街区第一集中隔离点", "上街区第二集中隔离点"):
    site = QuarantineSite.objects.get(name=name)
    rooms = Room.objects.filter(site=site)
    singles = rooms.filter(is_family=False, out_of_service=False, occupants=0)
    free_single = singles.order_by("floor", "number").first()
    result.append({
        "pk": site.pk,
        "occupied": rooms.aggregate(n=Sum("occupants"))["n"] or 0,
        "free": rooms.filter(out_of_service=False)
        .aggregate(n=Sum(F("beds") - F("occupants")))["n"] or 0,
        "free_room": free_single.number if free_single else None,
        "free_room_id": free_single.pk if free_single else None,
    })
"""

STAYS = """
from fangkong.control.models import Stay, OrderEvent
result = {
    "stays": [
        [s.site.name, s.room.number, s.out_reason, s.checked_out_at is None]
        for s in Stay.objects.filter(order_id=params["order"]).order_by("id")
    ],
    "events": list(
        OrderEvent.objects.filter(order_id=params["order"]).order_by("id")
        .values_list("kind", flat=True)
    ),
}
"""


def _counts(page: Page, site: dict[str, object]) -> None:
    expect(page.locator("#board-counts [data-count=occupied]")).to_have_text(str(site["occupied"]))
    expect(page.locator("#board-counts [data-count=free]")).to_have_text(str(site["free"]))


def test_an_officer_checks_a_person_in_on_the_board_and_transfers_them(
    desktop: Callable[[], Page], server: Server, log_in: LogIn, shoot: Shoot
) -> None:
    who = server.query(ORDER, code=SUBDISTRICT)
    first, second = server.query(SITES)
    assert first["free_room"] is not None and second["free_room"] is not None
    page = desktop()
    log_in(page, "subdistrict_officer")
    page.goto(f"/control/sites/{first['pk']}/")
    _counts(page, first)
    room = page.locator(f"#board [data-room='{first['free_room']}']")
    expect(room).to_have_attribute("data-state", "free")
    room.click()
    expect(page).to_have_url(re.compile(rf"/control/sites/{first['pk']}/check-in/\?room=\d+$"))
    page.locator(f"#awaiting [data-order='{who['order']}'] input[name=order]").check()
    page.locator("#check-in-button").click()
    expect(page).to_have_url(re.compile(rf"/control/sites/{first['pk']}/$"))
    after_in, _unchanged = server.query(SITES)
    assert (after_in["occupied"], after_in["free"]) == (first["occupied"] + 1, first["free"] - 1)
    _counts(page, after_in)
    cell = page.locator(f"#board [data-room='{first['free_room']}']")
    expect(cell).to_have_attribute("data-state", "occupied")
    expect(cell.locator("[data-names]")).to_have_text(who["name"])
    shoot(page, "control-site-board.png")
    stays = server.query(STAYS, order=who["order"])
    assert stays == {
        "stays": [["上街区第一集中隔离点", first["free_room"], "", True]],
        "events": ["checked_in"],
    }

    cell.click()
    expect(page.locator("#stay-title")).to_contain_text(who["name"])
    form = page.locator("#transfer-form")
    form.locator("select[name=site]").select_option(str(second["pk"]))
    form.locator("input[name=reason]").fill("一号点房间调整")
    page.locator("#transfer-button").click()
    expect(page).to_have_url(re.compile(rf"/control/sites/{second['pk']}/$"))
    back, moved = server.query(SITES)
    assert (back["occupied"], back["free"]) == (first["occupied"], first["free"])
    assert (moved["occupied"], moved["free"]) == (second["occupied"] + 1, second["free"] - 1)
    _counts(page, moved)
    expect(page.locator(f"#board [data-room='{second['free_room']}'] [data-names]")).to_have_text(
        who["name"]
    )
    stays = server.query(STAYS, order=who["order"])
    assert stays == {
        "stays": [
            ["上街区第一集中隔离点", first["free_room"], "transferred", False],
            ["上街区第二集中隔离点", second["free_room"], "", True],
        ],
        "events": ["checked_in", "transferred"],
    }
    page.goto(f"/control/sites/{first['pk']}/")
    _counts(page, back)
    expect(page.locator(f"#board [data-room='{first['free_room']}']")).to_have_attribute(
        "data-state", "free"
    )
