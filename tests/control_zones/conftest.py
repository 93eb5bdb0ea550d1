"""The zones' tests: the small registry of tests/world.py plus a second building.

金华小区 (COMMUNITY): 3号楼2单元501 张三, 李梅; 5号楼1单元101 赵强 (and a moved-out 钱多)
隔壁花园 (SIBLING):    3号楼2单元501 隔壁王五, 隔壁赵六
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from fangkong.core.scope import Scope
from fangkong.registry import services as registry
from fangkong.registry.models import Building, Person
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN
from tests.world import Side, build_world


@dataclass
class Places:
    mine: Side
    other: Side
    five: Building
    zhao: Person


@pytest.fixture
def scopes(make_user: Callable[..., Any], scope_of: Callable[[Any], Scope]) -> dict[str, Scope]:
    accounts = {
        "admin": ("district_admin", DISTRICT),
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
def places(tree: Any, system_scope: Scope) -> Places:
    mine, other = build_world(system_scope)
    five = registry.building_create(scope=system_scope, compound=mine.compound, name="5")
    unit = registry.unit_create(scope=system_scope, building=five, name="1")
    home = registry.household_create(
        scope=system_scope, compound=mine.compound, building=five, unit=unit, room="101"
    )
    zhao = registry.person_create(scope=system_scope, household=home, name="赵强")
    gone = registry.person_create(scope=system_scope, household=home, name="钱多")
    Person.objects.filter(pk=gone.pk).update(status="moved_out")
    return Places(mine, other, five, zhao)


@pytest.fixture
def english() -> Any:
    with translation.override("en"):
        yield
