"""The sites' part of the demo district (`fangkong demo`): two centralised quarantine
sites of the demo subdistrict, sixty rooms (family rooms, a few out of service), and the
demo's orders that call for centralised quarantine today checked in (when the orders demo
made any). Idempotent: sites and rooms are found by name and number, and only people
still awaiting a room are checked in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.control.models import QuarantineSite, Room
from fangkong.core.scope import Scope

from . import selectors, services

SITES = (
    # name, address, manager, phone, floors, family rooms, out of service
    (
        "上街区第一集中隔离点",
        "济源路26号（原锦程宾馆）",
        "周海涛",
        "0371-68110001",
        (2, 4),
        ("401", "402", "403"),
        ("210",),
    ),
    (
        "上街区第二集中隔离点",
        "中心路88号（职教中心宿舍楼）",
        "吴丽",
        "0371-68110002",
        (1, 3),
        ("309", "310"),
        ("108", "208"),
    ),
)
MAX_CHECK_INS = 40


def _site(system: Scope, code: str, spec: tuple[Any, ...]) -> QuarantineSite:
    name, address, manager, phone, floors, family, broken = spec
    site = selectors.sites(scope=system, include_inactive=True).filter(name=name).first()
    if site is None:
        site = services.site_create(
            scope=system,
            jurisdiction_code=code,
            name=name,
            address=address,
            phone=phone,
            manager_name=manager,
        )
    if not selectors.rooms_of(scope=system, site=site).exists():
        services.rooms_add_range(
            scope=system, site=site, first_floor=floors[0], last_floor=floors[1], first=1, last=10
        )
    for room in selectors.rooms_of(scope=system, site=site).filter(
        number__in=family, is_family=False
    ):
        services.room_update(scope=system, room=room, beds=3, is_family=True, out_of_service=False)
    for room in selectors.rooms_of(scope=system, site=site).filter(
        number__in=broken, out_of_service=False, occupants=0
    ):
        services.room_update(
            scope=system,
            room=room,
            beds=room.beds,
            is_family=room.is_family,
            out_of_service=True,
            note="维修中",
        )
    return site


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    places = demo_places(district)
    code = places.get("subdistrict", district)
    sites = [_site(system, code, spec) for spec in SITES]
    checked = 0
    for order in list(selectors.awaiting_check_in(scope=system)[:MAX_CHECK_INS]):
        for site in sites:
            try:
                services.stay_check_in(scope=system, orders=[order], site=site)
            except services.NoFreeRoom:
                continue
            checked += 1
            break
    rooms = Room.objects.filter(site__in=sites).count()
    say(f"Quarantine sites: {len(sites)} sites, {rooms} rooms, {checked} people checked in now.")
