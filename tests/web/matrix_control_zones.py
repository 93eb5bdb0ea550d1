"""The control zones' part of the scope matrix (tests/web/matrix.py).

A sealed zone on our compound (金华小区, the community's) and a controlled one on the
sibling's (隔壁花园). Everyone in scope with CONTROL_VIEW reads zones; marking and lifting
need ZONE_MANAGE (officers above the community): the community worker is refused them
(403), the town's officer gets 404.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from fangkong.control.zones import services
from fangkong.core.scope import Scope
from tests.web.matrix import Route, World, post


def extend(world: World, system_scope: Scope) -> None:
    start = dt.date(2026, 3, 1)
    zone = services.zone_create(
        scope=system_scope,
        compound=world.mine.compound,
        kind="sealed",
        starts_on=start,
        planned_end=None,
        reason="出现确诊病例",
        buildings=[world.mine.building],
    )
    services.zone_create(
        scope=system_scope,
        compound=world.other.compound,
        kind="controlled",
        starts_on=start,
        planned_end=None,
        reason="周边管控",
    )
    world.extra["control_zones"] = SimpleNamespace(zone=zone)


def _z(w: World) -> Any:
    return w.extra["control_zones"].zone


_VIEW = {"without_perm": "no_role_user"}
_MANAGE = {
    "allowed": "subdistrict_officer",
    "parent": "district_admin_nototp",
    "sibling": "town_officer",
    "without_perm": "community_worker",
}

ROUTES: list[Route] = [
    Route("control:zones_list", is_object=False, **_VIEW),
    Route("control:zones_new", is_object=False, **_MANAGE),
    Route(
        "control:zones_new",
        data=lambda w: {
            "compound": str(w.mine.compound.pk),
            "kind": "controlled",
            "starts_on": "2026-03-02",
            "reason": "扩大管控范围",
        },
        **post(**_MANAGE),
    ),
    Route("control:zones_detail", kwargs=lambda w: {"pk": _z(w).pk}, **_VIEW),
    Route(
        "control:zones_lift",
        kwargs=lambda w: {"pk": _z(w).pk},
        data=lambda w: {"reason": "连续14天无新增"},
        **post(**_MANAGE),
    ),
    Route(
        "control:zones_export",
        kwargs=lambda w: {"pk": _z(w).pk},
        method="POST",
        writes=True,
        **_VIEW,
    ),
]
