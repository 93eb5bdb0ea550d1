"""The control orders' tests: the base tree (tests/conftest.py), the small world of
tests/world.py, the accounts that propose and approve, and the ninth edition in force.

    中安街社区 (COMMUNITY)  金华小区3号楼2单元501: 张三 (ID_ZHANG, 13812345678), 李梅
    安阳路社区 (SIBLING)     隔壁花园3号楼2单元501: 隔壁王五, 隔壁赵六
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.arrivals.models import ArrivalReport
from fangkong.control.models import ControlOrder, Policy
from fangkong.control.orders import services
from fangkong.core.scope import Scope
from fangkong.pushlists.models import VerificationTask
from fangkong.registry.models import Person
from tests.conftest import COMMUNITY, SUBDISTRICT
from tests.world import Side, build_world


@pytest.fixture
def english() -> Any:
    """Messages in English (the source strings), whatever the catalogue holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


@dataclass
class Control:
    mine: Side
    other: Side
    worker: User
    officer: User
    officer2: User
    worker_scope: Scope
    officer_scope: Scope
    officer2_scope: Scope
    policy: Policy
    today: dt.date

    @property
    def zhang(self) -> Person:
        return self.mine.person

    @property
    def li(self) -> Person:
        return self.mine.housemate


@pytest.fixture
def control(
    tree: Any,
    system_scope: Scope,
    make_user: Callable[..., User],
    scope_of: Callable[[User], Scope],
    settings: Any,
    tmp_path: Any,
) -> Control:
    settings.VAR_DIR = tmp_path
    mine, other = build_world(system_scope)
    worker = make_user("community_worker", COMMUNITY, full_name="张晓燕")
    officer = make_user("subdistrict_officer", SUBDISTRICT, full_name="王建华")
    officer2 = make_user("subdistrict_officer", SUBDISTRICT, full_name="赵国强")
    today = timezone.localdate()
    policy = services.policy_install(
        scope=system_scope,
        preset="ninth_edition",
        effective_from=today - dt.timedelta(days=60),
        effective_until=None,
        district="410106",
    )
    return Control(
        mine,
        other,
        worker,
        officer,
        officer2,
        scope_of(worker),
        scope_of(officer),
        scope_of(officer2),
        policy,
        today,
    )


def manual(
    control: Control,
    person: Person | None = None,
    *,
    days_ago: int = 0,
    reason: str = "与确诊病例同一单位，电话流调确认",
) -> ControlOrder:
    """A manual order (7 days of home health monitoring, a test on day 7, in the
    ninth edition) proposed by the community worker, starting `days_ago`."""
    day = control.today - dt.timedelta(days=days_ago)
    return services.order_propose(
        scope=control.worker_scope,
        person=person or control.zhang,
        trigger="manual",
        trigger_date=day,
        reason=reason,
    )


def close_contact_task(
    control: Control, person: Person, *, outcome: str = "found_at_home"
) -> VerificationTask:
    now = timezone.now()
    return VerificationTask.objects.create(
        jurisdiction_code=person.jurisdiction_code,
        community_code=person.community_code,
        subject_key=f"p:{person.pk}",
        person=person,
        deadline=now + dt.timedelta(hours=24),
        created_at=now,
        status=VerificationTask.Status.DONE if outcome else VerificationTask.Status.OPEN,
        outcome=outcome,
        verified_at=now if outcome else None,
        verified_by_name="张晓燕" if outcome else "",
    )


def arrival(
    control: Control,
    person: Person,
    *,
    classification: str = "high",
    status: str = "verified",
    days_ago: int = 1,
) -> ArrivalReport:
    now = timezone.now()
    return ArrivalReport.objects.create(
        jurisdiction_code=person.jurisdiction_code,
        community_code=person.community_code,
        receipt=f"R{person.pk:05d}{classification[:1].upper()}{status[:1].upper()}",
        name=person.name,
        id_number=person.id_number or "",
        id_last4=(person.id_number or "0000")[-4:],
        phone=person.phone,
        origin_code="310101",
        origin_name="上海市黄浦区",
        arrival_date=control.today - dt.timedelta(days=days_ago),
        travel_mode="train",
        compound_name="金华小区",
        room="501",
        address="金华小区3号楼2单元501",
        classification=classification,
        classified_at=now,
        status=status,
        submitted_at=now,
        verified_at=now if status == "verified" else None,
        outcome="confirmed" if status == "verified" else "",
        person=person,
    )


def negative_all(control: Control, order: ControlOrder) -> None:
    """Every test of the order that is due, negative (entered by the worker)."""
    from fangkong.control.models import OrderTest

    for test in OrderTest.objects.filter(
        order=order, due_on__lte=control.today, status="scheduled"
    ):
        services.test_record(scope=control.worker_scope, test=test, result="negative")
