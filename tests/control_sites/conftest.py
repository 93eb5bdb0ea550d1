"""The sites' tests: the base tree (tests/conftest.py), the small registry of
tests/world.py, officers, and two sites of 济源路街道 (SUBDISTRICT) plus one of 峡窝镇
(TOWN), which the subdistrict must never see.

    中安街社区 (COMMUNITY)  金华小区3号楼2单元501: 张三, 李梅 (one household)
    安阳路社区 (SIBLING)     隔壁花园3号楼2单元501: 隔壁王五, 隔壁赵六
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from fangkong.control.models import QuarantineSite
from fangkong.control.sites import services
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN
from tests.world import Side, build_world


@dataclass
class Sites:
    a: QuarantineSite  # 济源路街道: 201–203 single, 301 family (3 beds), 302 out of service
    b: QuarantineSite  # 济源路街道: 101, 102 single
    town: QuarantineSite  # 峡窝镇: 101


@pytest.fixture
def scopes(make_user: Callable[..., Any], scope_of: Callable[[Any], Scope]) -> dict[str, Scope]:
    accounts = {
        "admin": ("district_admin", DISTRICT),
        "viewer": ("district_viewer", DISTRICT),
        "officer": ("subdistrict_officer", SUBDISTRICT),
        "town_officer": ("subdistrict_officer", TOWN),
        "worker": ("community_worker", COMMUNITY),
        "sibling": ("community_worker", SIBLING),
    }
    return {
        key: scope_of(make_user(role, code, username=key, full_name=f"{key}人"))
        for key, (role, code) in accounts.items()
    }


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> tuple[Side, Side]:
    return build_world(system_scope)


@pytest.fixture
def sites(scopes: dict[str, Scope]) -> Sites:
    officer = scopes["officer"]
    a = services.site_create(scope=officer, jurisdiction_code=SUBDISTRICT, name="一号隔离点")
    services.rooms_add_range(scope=officer, site=a, first_floor=2, last_floor=2, first=1, last=3)
    services.room_add(scope=officer, site=a, number="301", floor=3, beds=3, is_family=True)
    oos = services.room_add(scope=officer, site=a, number="302", floor=3)
    services.room_update(
        scope=officer, room=oos, beds=1, is_family=False, out_of_service=True, note="维修"
    )
    b = services.site_create(scope=officer, jurisdiction_code=SUBDISTRICT, name="二号隔离点")
    services.rooms_add_range(scope=officer, site=b, first_floor=1, last_floor=1, first=1, last=2)
    town = services.site_create(
        scope=scopes["town_officer"], jurisdiction_code=TOWN, name="隔壁镇隔离点"
    )
    services.room_add(scope=scopes["town_officer"], site=town, number="101", floor=1)
    return Sites(a, b, town)


@pytest.fixture
def english() -> Any:
    with translation.override("en"):
        yield
