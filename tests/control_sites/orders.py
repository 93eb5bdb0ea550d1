"""Approved orders with their phases, written straight through the ORM: the orders area
(another package) makes them in the application; here they are only the input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import count

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.control.models import ControlOrder, Measure, OrderPhase, Policy
from fangkong.registry.models import Person

_numbers = count(1)

# (measure, first day, last day), days relative to today.
CENTRAL_THEN_HOME: Sequence[tuple[str, int, int]] = (
    (Measure.CENTRAL_QUARANTINE, -2, 4),
    (Measure.HOME_MONITORING, 5, 7),
)


def policy(district: str = "410106") -> Policy:
    found = Policy.objects.filter(jurisdiction_code=district, family="test").first()
    if found:
        return found
    return Policy.objects.create(
        jurisdiction_code=district,
        family="test",
        name="测试方案",
        legal_basis="《中华人民共和国传染病防治法》第四十一条",
        effective_from=dt.date(2020, 1, 1),
        created_at=timezone.now(),
    )


def approvers() -> tuple[User, User]:
    users = list(User.objects.order_by("pk")[:2])
    if len(users) < 2:
        for n in range(2 - len(users)):
            users.append(User.objects.create(username=f"order_officer_{n}", full_name="审批人"))
    return users[0], users[1]


def make_order(
    person: Person,
    *,
    phases: Sequence[tuple[str, int, int]] = CENTRAL_THEN_HOME,
    status: str = ControlOrder.Status.ACTIVE,
    today: dt.date | None = None,
) -> ControlOrder:
    today = today or timezone.localdate()
    proposer, approver = approvers()
    n = next(_numbers)
    starts = today + dt.timedelta(days=min(p[1] for p in phases))
    ends = today + dt.timedelta(days=max(p[2] for p in phases))
    now = timezone.now()
    ended = status in (ControlOrder.Status.RELEASED, ControlOrder.Status.ENDED)
    order = ControlOrder.objects.create(
        person=person,
        jurisdiction_code=person.jurisdiction_code,
        community_code=person.community_code,
        household_id=person.household_id,
        trigger="close_contact",
        trigger_date=starts,
        reason="密接",
        policy=policy(),
        policy_version=1,
        legal_basis="《中华人民共和国传染病防治法》",
        status=status,
        starts_on=starts,
        ends_on=ends,
        notice_no=f"TEST-{person.pk}-{n}",
        proposed_by=proposer,
        proposed_by_name="提议人",
        proposed_at=now,
        decided_by=approver,
        decided_by_name="审批人",
        decided_at=now,
        ended_at=now if ended else None,
        end_kind="released" if ended else "",
    )
    OrderPhase.objects.bulk_create(
        OrderPhase(
            order=order,
            jurisdiction_code=order.jurisdiction_code,
            position=i,
            measure=measure,
            starts_on=today + dt.timedelta(days=first),
            ends_on=today + dt.timedelta(days=last),
        )
        for i, (measure, first, last) in enumerate(phases, 1)
    )
    return order
