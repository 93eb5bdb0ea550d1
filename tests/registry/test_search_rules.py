"""Search rules that keep a district of two million people fast (see selectors.search_q)."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.core.scope import Scope
from fangkong.registry import selectors, services
from fangkong.registry.selectors import PersonFilters
from tests.conftest import COMMUNITY


@pytest.fixture
def people(tree: Any, system_scope: Scope) -> dict[str, Any]:
    compound = services.compound_create(
        scope=system_scope, jurisdiction_code=COMMUNITY, name="冯沟村"
    )
    home = services.household_create(scope=system_scope, compound=compound, room="12")
    made = {}
    for name in ("李琪", "冯沟", "王五", "冯小沟"):
        made[name] = services.person_create(scope=system_scope, household=home, name=name)
    return made


def _names(scope: Scope, query: str) -> list[str]:
    found = selectors.person_list(scope=scope, filters=PersonFilters(query=query))
    return [p.name for p in found]


def test_one_or_two_characters_search_names_only(people: Any, system_scope: Scope) -> None:
    # Everybody lives in 冯沟村, but two characters are a name, not an address fragment.
    assert _names(system_scope, "冯沟") == ["冯沟"]
    assert _names(system_scope, "冯") == ["冯沟", "冯小沟"]


def test_three_characters_search_addresses_too_in_id_order(
    people: Any, system_scope: Scope
) -> None:
    assert _names(system_scope, "冯沟村") == ["李琪", "冯沟", "王五", "冯小沟"]
    assert _names(system_scope, "冯小沟") == ["冯小沟"]
