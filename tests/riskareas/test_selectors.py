"""Reads of the risk-area list: which level an origin had on a day, the list in force,
the history, and who reads the district's list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.scope import Scope
from fangkong.riskareas import selectors, services
from fangkong.riskareas.models import RiskArea
from tests.conftest import COMMUNITY, DISTRICT, GRID

from .conftest import OTHER_DISTRICT, add

D = dt.date


@pytest.fixture
def listed(admin: Scope) -> dict[str, RiskArea]:
    """湖北 medium, 武汉 nothing, 江岸区 high; 广州 medium from May 10 lifted June 1."""
    return {
        "hubei": add(admin, "42", "medium", D(2022, 5, 1)),
        "jiangan": add(admin, "420102", "high", D(2022, 5, 5)),
        "guangzhou": add(admin, "4401", "medium", D(2022, 5, 10), D(2022, 6, 1)),
    }


@pytest.mark.parametrize(
    ("origin", "day", "level"),
    [
        ("420102", D(2022, 5, 6), "high"),  # the county's high beats the province's medium
        ("420102", D(2022, 5, 4), "medium"),  # before the county's start: the province
        ("420103", D(2022, 5, 6), "medium"),  # another Wuhan district: the province only
        ("4201", D(2022, 5, 6), "medium"),  # an origin given as the city
        ("42", D(2022, 5, 6), "medium"),
        ("420102", D(2022, 4, 30), None),  # before everything
        ("440106", D(2022, 5, 10), "medium"),  # 天河区 inside 广州市, on the first day
        ("440106", D(2022, 5, 31), "medium"),
        ("440106", D(2022, 6, 1), None),  # the lifting day
        ("440306", D(2022, 5, 20), None),  # 深圳: another city
        ("410106", D(2022, 5, 20), None),
        ("", D(2022, 5, 20), None),
    ],
)
def test_level_on(listed: Any, origin: str, day: dt.date, level: str | None) -> None:
    assert selectors.level_on(origin_code=origin, day=day, district=DISTRICT) == level


def test_level_on_reads_one_query(listed: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        selectors.level_on(origin_code="420102", day=D(2022, 5, 6), district=DISTRICT)


def test_replaced_entries_do_not_count(admin: Scope, listed: Any) -> None:
    services.area_end(scope=admin, area=listed["jiangan"], on=D(2022, 5, 5))  # withdrawn
    assert selectors.level_on(origin_code="420102", day=D(2022, 5, 6), district=DISTRICT) == (
        "medium"
    )


def test_in_force_is_one_query_for_any_list(listed: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        found = [
            (a.region_code, a.level)
            for a in selectors.in_force(district=DISTRICT, day=D(2022, 5, 20))
        ]
    assert found == [("420102", "high"), ("42", "medium"), ("4401", "medium")]
    assert [a.region_code for a in selectors.in_force(district=DISTRICT, day=D(2022, 6, 1))] == [
        "420102",
        "42",
    ]


def test_every_account_of_the_district_reads_its_list(
    listed: Any, make_user: Any, scope_of: Any, other_admin: Scope
) -> None:
    roles = [("community_worker", COMMUNITY), ("grid_worker", GRID), ("data_entry", DISTRICT)]
    for role, code in roles:
        scope = scope_of(make_user(role, code))
        found = selectors.area_list(scope=scope, filters=selectors.AreaFilters(day=D(2022, 5, 20)))
        assert [a.region_code for a in found] == ["42", "420102", "4401"], role
    assert (
        list(
            selectors.area_list(
                scope=other_admin, filters=selectors.AreaFilters(day=D(2022, 5, 20))
            )
        )
        == []
    )
    with pytest.raises(NotFound):
        selectors.area_get(scope=other_admin, pk=listed["hubei"].pk)


def test_reading_needs_the_permission(listed: Any) -> None:
    scope = Scope(actor_id=None, actor_name="x", code=DISTRICT, perms=frozenset())
    with pytest.raises(PermissionDenied):
        selectors.area_list(scope=scope)


def test_history_holds_replaced_entries_and_filters_work(admin: Scope, listed: Any) -> None:
    services.area_end(scope=admin, area=listed["hubei"], on=D(2022, 7, 1))
    history = selectors.area_list(scope=admin, filters=selectors.AreaFilters(view="history"))
    assert [(a.region_code, a.effective_until, a.is_current) for a in history] == [
        ("42", None, False),
        ("42", D(2022, 7, 1), True),
        ("420102", None, True),
        ("4401", D(2022, 6, 1), True),
    ]
    high = selectors.area_list(
        scope=admin, filters=selectors.AreaFilters(view="history", level="high")
    )
    assert [a.region_code for a in high] == ["420102"]
    by_name = selectors.area_list(
        scope=admin, filters=selectors.AreaFilters(view="history", query="广州")
    )
    assert [a.region_code for a in by_name] == ["4401"]
    by_code = selectors.area_list(
        scope=admin, filters=selectors.AreaFilters(view="history", query="4201")
    )
    assert [a.region_code for a in by_code] == ["420102"]
    region = selectors.area_history(scope=admin, area=listed["hubei"])
    assert [(a.effective_until, a.is_current) for a in region] == [
        (None, False),
        (D(2022, 7, 1), True),
    ]


def test_district_of() -> None:
    assert selectors.district_of(Scope.system(reason="t", code="410106001001001")) == "410106"
    assert selectors.district_of(Scope.system(reason="t", code=OTHER_DISTRICT)) == OTHER_DISTRICT
    assert selectors.district_of(Scope.system(reason="t")) == ""
