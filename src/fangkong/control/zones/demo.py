"""The zones' part of the demo district (`fangkong demo`): in the demo community, a
sealed zone over some buildings of one compound, a controlled zone over another
compound, and a precaution zone already lifted (signed). Loaded once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.control.models import ControlZone
from fangkong.core.scope import Scope
from fangkong.registry.models import Building, Compound

from . import services

MARK = "【演示】"


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    if ControlZone.objects.within(system).filter(reason__startswith=MARK).exists():
        say("Control zones: the demo zones are there already.")
        return
    places = demo_places(district)
    community = places.get("community", district)
    # The demo community's compounds first; a small community borrows its neighbours'.
    compounds = list(
        Compound.objects.within(system)
        .filter(community_code=community, is_active=True)
        .order_by("id")[:3]
    )
    if len(compounds) < 3:
        compounds += list(
            Compound.objects.within(system)
            .within_code(places.get("subdistrict", district))
            .filter(is_active=True)
            .exclude(community_code=community)
            .order_by("community_code", "id")[: 3 - len(compounds)]
        )
    if len(compounds) < 3:
        say("Control zones: the district has too few compounds; no demo zones.")
        return
    today = timezone.localdate()
    buildings = list(
        Building.objects.within(system)
        .filter(compound=compounds[0], is_active=True)
        .order_by("sort_key", "name")[:2]
    )
    services.zone_create(
        scope=system,
        compound=compounds[0],
        kind=ControlZone.Kind.SEALED,
        starts_on=today - dt.timedelta(days=3),
        planned_end=today + dt.timedelta(days=11),
        reason=f"{MARK}楼内发现确诊病例，按规定划为封控区",
        buildings=buildings,
    )
    services.zone_create(
        scope=system,
        compound=compounds[1],
        kind=ControlZone.Kind.CONTROLLED,
        starts_on=today - dt.timedelta(days=3),
        planned_end=today + dt.timedelta(days=7),
        reason=f"{MARK}与封控区相邻，密接者活动区域",
    )
    lifted = services.zone_create(
        scope=system,
        compound=compounds[2],
        kind=ControlZone.Kind.PRECAUTION,
        starts_on=today - dt.timedelta(days=20),
        planned_end=today - dt.timedelta(days=6),
        reason=f"{MARK}周边出现病例，划为防范区",
    )
    services.zone_lift(scope=system, zone=lifted, reason="连续14天无新增病例，经评估解除")
    say("Control zones: one sealed, one controlled, one lifted.")
