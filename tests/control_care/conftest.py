"""The care area's tests: approved orders made through the ORM (the orders area makes
them in the product; this area may not import it), on the shared small world.

    中安街社区 (COMMUNITY)  金华小区3号楼2单元501: 张三 (户主) and 李梅 (配偶)
    安阳路社区 (SIBLING)     隔壁花园3号楼2单元501: 隔壁王五 and 隔壁赵六
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.control.models import ControlOrder, Measure, OrderPhase, Policy
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT
from tests.world import Side, build_world

_numbers = itertools.count(1)

Phase = tuple[str, dt.date, dt.date]


def home_phases(start: dt.date, home: int = 7, monitoring: int = 3) -> list[Phase]:
    """7+3: home quarantine, then home health monitoring."""
    middle = start + dt.timedelta(days=home - 1)
    return [
        (Measure.HOME_QUARANTINE, start, middle),
        (
            Measure.HOME_MONITORING,
            middle + dt.timedelta(days=1),
            middle + dt.timedelta(days=monitoring),
        ),
    ]


@dataclass
class CareWorld:
    mine: Side
    other: Side
    policy: Policy
    proposer: User
    approver: User
    make_order: Callable[..., ControlOrder]


@pytest.fixture
def care(tree: Any, make_user: Callable[..., User], system_scope: Scope) -> CareWorld:
    mine, other = build_world(system_scope)
    proposer = make_user("community_worker", COMMUNITY, username="proposer")
    approver = make_user("subdistrict_officer", SUBDISTRICT, username="approver")
    policy = Policy.objects.create(
        jurisdiction_code=DISTRICT,
        family="test",
        name="测试方案",
        legal_basis="《中华人民共和国传染病防治法》",
        effective_from=dt.date(2022, 1, 1),
        rules={},
        created_at=timezone.now(),
    )

    def make_order(
        person: Person,
        phases: Sequence[Phase] | None = None,
        *,
        household: Any = "same",
        status: str = ControlOrder.Status.ACTIVE,
    ) -> ControlOrder:
        phases = list(phases or home_phases(timezone.localdate() - dt.timedelta(days=1)))
        now = timezone.now()
        n = next(_numbers)
        order = ControlOrder.objects.create(
            person=person,
            jurisdiction_code=person.jurisdiction_code,
            community_code=person.community_code,
            household_id=person.household_id if household == "same" else household,
            trigger="close_contact",
            trigger_date=phases[0][1] - dt.timedelta(days=1),
            reason="密切接触者",
            policy=policy,
            policy_version=1,
            legal_basis=policy.legal_basis,
            status=status,
            starts_on=phases[0][1],
            ends_on=phases[-1][2],
            notice_no=f"TEST-{n:05d}",
            proposed_by=proposer,
            proposed_by_name="proposer",
            proposed_at=now,
            decided_by=approver,
            decided_by_name="approver",
            decided_at=now,
            ended_at=now if status in ("released", "ended") else None,
            end_kind="released" if status in ("released", "ended") else "",
        )
        OrderPhase.objects.bulk_create(
            OrderPhase(
                order=order,
                jurisdiction_code=order.jurisdiction_code,
                position=i,
                measure=measure,
                starts_on=start,
                ends_on=end,
            )
            for i, (measure, start, end) in enumerate(phases, start=1)
        )
        return order

    return CareWorld(mine, other, policy, proposer, approver, make_order)


__all__ = ["COMMUNITY", "SIBLING", "CareWorld", "home_phases"]
