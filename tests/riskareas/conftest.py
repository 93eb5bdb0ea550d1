"""Fixtures for the risk-area tests: the district's administrator, its viewer, a
community worker below it, and the administrator of another district (中原区, 410102)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.core import regions
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.riskareas import services
from fangkong.riskareas.models import RiskArea
from tests.conftest import COMMUNITY, DISTRICT

OTHER_DISTRICT = "410102"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in the English source, whatever the catalogue holds."""
    with translation.override("en"):
        yield


def area_input(
    code: str,
    level: str = "high",
    start: dt.date = dt.date(2022, 5, 1),
    until: dt.date | None = None,
    note: str = "",
) -> services.AreaInput:
    region = regions.get(code)
    assert region is not None, code
    return services.AreaInput(region, level, start, until, note)


def add(
    scope: Scope,
    code: str,
    level: str = "high",
    start: dt.date = dt.date(2022, 5, 1),
    until: dt.date | None = None,
    *,
    district: str = DISTRICT,
    note: str = "",
) -> RiskArea:
    return services.area_add(
        scope=scope, district=district, data=area_input(code, level, start, until, note)
    )


@pytest.fixture
def other_district(tree: dict[str, Jurisdiction]) -> Jurisdiction:
    node = Jurisdiction.objects.create(
        code=OTHER_DISTRICT,
        jurisdiction_code=OTHER_DISTRICT,
        level="district",
        kind="district",
        name="中原区",
        official_name="中原区",
    )
    tree[OTHER_DISTRICT] = node
    return node


@pytest.fixture
def admin(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> Scope:
    return scope_of(make_user("district_admin", DISTRICT))


@pytest.fixture
def viewer(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> Scope:
    return scope_of(make_user("district_viewer", DISTRICT))


@pytest.fixture
def worker(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> Scope:
    return scope_of(make_user("community_worker", COMMUNITY))


@pytest.fixture
def other_admin(
    other_district: Jurisdiction, make_user: Callable[..., User], scope_of: Callable[..., Scope]
) -> Scope:
    return scope_of(make_user("district_admin", OTHER_DISTRICT))


@pytest.fixture
def heard() -> Any:
    """What the change listeners were told: (district, since, until) per change."""
    from fangkong.riskareas import changes

    calls: list[tuple[str, dt.date, dt.date | None]] = []
    saved = changes.listeners()
    for name in saved:
        changes.unregister(name)
    changes.register(
        "test", lambda scope, district, since, until: calls.append((district, since, until))
    )
    yield calls
    changes.unregister("test")
    for name, listener in saved.items():
        changes.register(name, listener)
