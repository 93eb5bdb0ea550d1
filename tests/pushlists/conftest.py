"""The push lists' tests: a small registry on the base tree (tests/conftest.py) and the
accounts that work on it.

    中安街社区 (COMMUNITY)  金华小区3号楼2单元: 501 张三 (ID_ZHANG, 13812345678) and 李梅
                           (13900001111), 502 王芳, 503 王芳, 504 陈刚 (no identity number)
      第一网格 (GRID)       阳光小区1号楼1单元101 刘洋 (ID_GRID)
    安阳路社区 (SIBLING)     隔壁花园3号楼2单元501 隔壁王五 (ID_WANG, 13787654321) and
                           隔壁赵六 (13900001111, the same phone as 李梅)
    金昌社区 (TOWN_COMMUNITY, another town) 金昌小区2号楼1单元201 孙丽 (ID_TOWN)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from fangkong.core.scope import Scope
from fangkong.pushlists.importer import NewList, PushSummary, import_push_list
from fangkong.registry import services as registry
from fangkong.registry.models import Person
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY
from tests.registry.ledgers import rid
from tests.world import ID_WANG, ID_ZHANG, Side, build_world

from .lists import HEADER, write

ID_GRID = rid("19800808", 21)
ID_TOWN = rid("19750505", 31, sex="F")
ID_NOBODY = rid("19991231", 41)  # valid, and nobody in the registry has it


@dataclass
class People:
    mine: Side
    other: Side
    zhang: Person
    li: Person
    wang: Person  # 隔壁王五, the sibling's
    zhao: Person  # 隔壁赵六, the sibling's, 李梅's phone
    fang_502: Person
    fang_503: Person
    chen: Person  # no identity number
    liu: Person  # in the grid
    sun: Person  # in the other town


def _flat(scope: Scope, code: str, compound: str, building: str, unit: str) -> Any:
    c = registry.compound_create(scope=scope, jurisdiction_code=code, name=compound)
    b = registry.building_create(scope=scope, compound=c, name=building)
    u = registry.unit_create(scope=scope, building=b, name=unit)
    return c, b, u


def _person(scope: Scope, c: Any, b: Any, u: Any, room: str, **fields: Any) -> Person:
    h = registry.household_create(scope=scope, compound=c, building=b, unit=u, room=room)
    return registry.person_create(scope=scope, household=h, **fields)


@pytest.fixture
def people(tree: Any, system_scope: Scope) -> People:
    mine, other = build_world(system_scope)
    c, b, u = mine.compound, mine.building, mine.unit
    fang_502 = _person(system_scope, c, b, u, "502", name="王芳")
    fang_503 = _person(system_scope, c, b, u, "503", name="王芳")
    chen = _person(system_scope, c, b, u, "504", name="陈刚", phone="13600000504")
    liu = _person(
        system_scope,
        *_flat(system_scope, GRID, "阳光小区", "1", "1"),
        "101",
        name="刘洋",
        id_number=ID_GRID,
        phone="13500000101",
    )
    sun = _person(
        system_scope,
        *_flat(system_scope, TOWN_COMMUNITY, "金昌小区", "2", "1"),
        "201",
        name="孙丽",
        id_number=ID_TOWN,
    )
    return People(
        mine,
        other,
        mine.person,
        mine.housemate,
        other.person,
        other.housemate,
        fang_502,
        fang_503,
        chen,
        liu,
        sun,
    )


@pytest.fixture
def scopes(make_user: Callable[..., Any], scope_of: Callable[[Any], Scope]) -> dict[str, Scope]:
    accounts = {
        "admin": ("district_admin", DISTRICT),
        "viewer": ("district_viewer", DISTRICT),
        "officer": ("subdistrict_officer", SUBDISTRICT),
        "town_officer": ("subdistrict_officer", TOWN),
        "worker": ("community_worker", COMMUNITY),
        "community_viewer": ("community_viewer", COMMUNITY),
        "sibling": ("community_worker", SIBLING),
        "town_worker": ("community_worker", TOWN_COMMUNITY),
        "grid": ("grid_worker", GRID),
        "data_entry": ("data_entry", COMMUNITY),
    }
    return {
        key: scope_of(make_user(role, code, username=key, full_name=f"{key}人"))
        for key, (role, code) in accounts.items()
    }


Push = Callable[..., PushSummary]


@pytest.fixture
def push(tmp_path: Path, scopes: dict[str, Scope]) -> Push:
    """push(rows, name=..., received_at=..., hours=..., fmt="csv"|"xlsx"|"xls", ...):
    write a list file and import it as the district admin; returns the summary."""
    counter = {"n": 0}

    def run(
        rows: Sequence[Sequence[object]],
        *,
        header: Sequence[str] = HEADER,
        name: str = "协查名单",
        source: str = "省指挥部",
        received_at: dt.datetime | None = None,
        hours: int = 24,
        fmt: str = "csv",
        push_list_id: int | None = None,
        scope: Scope | None = None,
        path: Path | None = None,
        **options: Any,
    ) -> PushSummary:
        counter["n"] += 1
        if path is None:
            path = write(tmp_path / f"list{counter['n']}.{fmt}", rows, header=header, **options)
        return import_push_list(
            scope=scope or scopes["admin"],
            district_code=DISTRICT,
            path=path,
            new_list=None
            if push_list_id
            else NewList(name=name, source=source, received_at=received_at, deadline_hours=hours),
            push_list_id=push_list_id,
        )

    return run


@pytest.fixture
def english() -> Any:
    """Messages compared in their English source form, whatever the catalogue says."""
    with translation.override("en"):
        yield


__all__ = ["ID_NOBODY", "ID_WANG", "ID_ZHANG", "SIBLING"]
