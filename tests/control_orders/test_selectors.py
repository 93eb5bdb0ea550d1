"""Counts for the daily report against hand-built orders, the release rule in SQL
against the rule in Python, and oversight of triggers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.control.models import ControlOrder, OrderTest
from fangkong.control.orders import selectors, services
from fangkong.control.orders.policy import release_met
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN

from .conftest import Control, arrival, manual, negative_all

pytestmark = pytest.mark.usefixtures("english")


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _approve(control: Control, order: ControlOrder, decided: dt.date) -> ControlOrder:
    services.order_approve(scope=control.officer_scope, order=order)
    ControlOrder.objects.filter(pk=order.pk).update(decided_at=_at(decided))
    order.refresh_from_db()
    return order


@pytest.fixture
def counted(control: Control, scope_of: Any, make_user: Any) -> dict[str, Any]:
    d = control.today
    sibling = scope_of(make_user("community_worker", SIBLING))
    zhang = services.order_propose(  # central quarantine from D-3 (7 + 3)
        scope=control.worker_scope,
        person=control.zhang,
        trigger="arrival_high",
        trigger_date=d - dt.timedelta(days=3),
        trigger_ref=f"arrivals.arrivalreport:{arrival(control, control.zhang, days_ago=3).pk}",
    )
    _approve(control, zhang, d - dt.timedelta(days=3))
    li = _approve(control, manual(control, control.li, days_ago=8), d - dt.timedelta(days=8))
    negative_all(control, li)
    services.order_release(scope=control.officer_scope, order=li)
    ControlOrder.objects.filter(pk=li.pk).update(ended_at=_at(d, 9))
    wang, zhao = (
        services.order_propose(
            scope=sibling,
            person=person,
            trigger="manual",
            trigger_date=d - dt.timedelta(days=1),
            reason="与确诊病例同楼栋，电话流调确认",
        )
        for person in (control.other.person, control.other.housemate)
    )
    wang = _approve(control, wang, d)
    zhao = _approve(control, zhao, d - dt.timedelta(days=1))
    services.order_end(scope=control.officer_scope, order=zhao, kind="hospital", reason="发热转诊")
    ControlOrder.objects.filter(pk=zhao.pk).update(ended_at=_at(d, 15))
    return {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao}


def _row(counts: selectors.OrderCounts) -> tuple[int, ...]:
    return (
        counts.central,
        counts.home,
        counts.home_monitoring,
        counts.new,
        counts.released,
        counts.ended,
    )


def test_counts_per_child_on_a_day(
    control: Control, counted: dict[str, Any], system_scope: Scope
) -> None:
    d = control.today
    result = selectors.counts(scope=control.officer_scope, code=SUBDISTRICT, day=d)
    assert {c.code: _row(n) for c, n in result.children} == {
        COMMUNITY: (1, 0, 0, 0, 1, 0),
        SIBLING: (0, 0, 1, 1, 0, 1),
    }
    assert _row(result.total) == (1, 0, 1, 1, 1, 1)
    yesterday = selectors.counts(
        scope=control.officer_scope, code=SUBDISTRICT, day=d - dt.timedelta(days=1)
    )
    assert {c.code: _row(n) for c, n in yesterday.children} == {
        COMMUNITY: (1, 0, 0, 0, 0, 0),
        SIBLING: (0, 0, 1, 1, 0, 0),
    }
    district = selectors.counts(scope=system_scope, code=DISTRICT, day=d)
    assert {c.code: _row(n) for c, n in district.children} == {
        SUBDISTRICT: (1, 0, 1, 1, 1, 1),
        TOWN: (0, 0, 0, 0, 0, 0),
    }
    # A community worker counts only their own community.
    mine = selectors.counts(scope=control.worker_scope, code=COMMUNITY, day=d)
    assert _row(mine.total) == (1, 0, 0, 0, 1, 0)


def test_counts_take_a_fixed_number_of_queries(
    control: Control, counted: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(4):
        selectors.counts(scope=control.officer_scope, code=SUBDISTRICT, day=control.today)


@pytest.mark.parametrize(
    ("rule", "statuses"),
    [
        ("all_negative", ["negative", "negative"]),
        ("all_negative", ["negative", "missed"]),
        ("all_negative", ["negative", "cancelled"]),
        ("last_negative", ["missed", "negative"]),
        ("last_negative", ["negative", "missed"]),
        ("last_negative", ["positive", "negative"]),
        ("none", ["positive", "scheduled"]),
    ],
)
def test_release_rule_in_sql_matches_python(
    control: Control, rule: str, statuses: list[str]
) -> None:
    order = _approve(control, manual(control, days_ago=9), control.today - dt.timedelta(days=9))
    ControlOrder.objects.filter(pk=order.pk).update(release_rule={"tests": rule})
    OrderTest.objects.filter(order=order).delete()  # the day-7 test the policy scheduled
    for i, status in enumerate(statuses):
        OrderTest.objects.create(
            order=order,
            person_id=order.person_id,
            jurisdiction_code=order.jurisdiction_code,
            due_on=order.starts_on + dt.timedelta(days=i),
            status=status,
        )
    due = [
        o.pk for o in selectors.due_for_release(scope=control.officer_scope, today=control.today)
    ]
    assert due == ([order.pk] if release_met(rule, statuses) else [])


def test_oversight_counts_and_unmatched_triggers(
    control: Control, scope_of: Any, make_user: Any
) -> None:
    report = arrival(control, control.zhang, days_ago=1)
    from_report = services.order_propose(
        scope=control.worker_scope,
        person=control.zhang,
        trigger="arrival_high",
        trigger_date=report.arrival_date,
        trigger_ref=f"arrivals.arrivalreport:{report.pk}",
    )
    services.order_approve(scope=control.officer_scope, order=from_report)
    by_hand = manual(control, control.li)
    services.order_reject(scope=control.officer2_scope, order=by_hand, reason="依据不足")
    # Later the report is sent back for checking: the order no longer rests on a
    # verified arrival.
    type(report).objects.filter(pk=report.pk).update(status="recheck")
    viewer = scope_of(make_user("district_viewer", DISTRICT))
    result = selectors.oversight(scope=viewer, start=control.today, end=control.today)
    assert result.by_proposer == [
        {"proposed_by_name": "张晓燕", "n": 2, "manual": 1, "approved": 1, "rejected": 1}
    ]
    assert result.by_approver == [
        {"decided_by_name": "王建华", "approved": 1, "rejected": 0, "manual": 0},
        {"decided_by_name": "赵国强", "approved": 0, "rejected": 1, "manual": 0},
    ]
    assert [(r["trigger"], r["n"], r["approved"]) for r in result.by_trigger] == [
        ("arrival_high", 1, 1),
        ("manual", 1, 0),
    ]
    assert (result.total, result.manual, result.unmatched) == (2, 1, 1)
    problems = selectors.unmatched_orders(
        scope=viewer,
        orders=selectors.period_orders(scope=viewer, start=control.today, end=control.today),
    )
    assert problems == {from_report.pk: "The arrival report is not verified."}
    # Each office over its own jurisdiction: the sibling community sees none of it.
    sibling = scope_of(make_user("community_worker", SIBLING))
    assert selectors.oversight(scope=sibling, start=control.today, end=control.today).total == 0
