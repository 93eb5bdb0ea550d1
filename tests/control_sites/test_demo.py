"""The demo of sites and zones: what it makes, and that a second run adds nothing."""

from __future__ import annotations

from typing import Any

from fangkong.control.models import ControlZone, OrderEvent, QuarantineSite, Room, Stay
from fangkong.control.sites import demo as sites_demo
from fangkong.control.zones import demo as zones_demo
from fangkong.core.scope import Scope
from fangkong.registry import services as registry
from tests.conftest import COMMUNITY, DISTRICT, SUBDISTRICT
from tests.world import build_world

from .orders import make_order


def _state() -> tuple[object, ...]:
    return (
        tuple(QuarantineSite.objects.order_by("pk").values_list("name", "jurisdiction_code")),
        Room.objects.count(),
        Room.objects.filter(is_family=True).count(),
        Room.objects.filter(out_of_service=True).count(),
        Stay.objects.count(),
        tuple(ControlZone.objects.order_by("pk").values_list("kind", "status")),
        OrderEvent.objects.count(),
    )


def test_the_demo_shows_sites_and_zones_and_runs_twice(tree: Any, system_scope: Scope) -> None:
    mine, _other = build_world(system_scope)
    for name in ("银杏小区", "梧桐苑"):
        registry.compound_create(scope=system_scope, jurisdiction_code=COMMUNITY, name=name)
    order = make_order(mine.person)
    said: list[str] = []
    for _ in range(2):
        sites_demo.load(district=DISTRICT, seed=1, say=said.append)
        zones_demo.load(district=DISTRICT, seed=1, say=said.append)
        if _ == 0:
            first = _state()
    assert _state() == first
    sites, rooms, family, broken, stays, zones, events = first
    assert [code for _n, code in sites] == [SUBDISTRICT, SUBDISTRICT]  # type: ignore[union-attr]
    assert (rooms, family, broken, stays) == (60, 5, 3, 1)
    assert zones == (("sealed", "active"), ("controlled", "active"), ("precaution", "lifted"))
    assert Stay.objects.get().order_id == order.pk and events == 1
    assert said[-1] == "Control zones: the demo zones are there already."
