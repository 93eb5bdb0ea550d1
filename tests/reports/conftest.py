"""The daily report's tests: the base tree, the small world of tests/world.py, and the
accounts of each level that fill in and sign reports.

    上街区 (DISTRICT) > 济源路街道 (SUBDISTRICT) > 中安街社区 (COMMUNITY): 张三, 李梅
                                              > 安阳路社区 (SIBLING): 隔壁王五, 隔壁赵六
                      > 峡窝镇 (TOWN) > 金昌社区 (TOWN_COMMUNITY): nobody
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from fangkong.accounts.models import User
from fangkong.core.scope import Scope
from fangkong.reports import services
from fangkong.reports.models import DailyReport
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT
from tests.world import Side, build_world


@dataclass
class RWorld:
    mine: Side
    other: Side
    worker: User
    worker_scope: Scope
    head: User
    head_scope: Scope
    sibling_scope: Scope
    viewer_scope: Scope
    officer: User
    officer_scope: Scope
    admin_scope: Scope


def submitted(scope: Scope, day: dt.date, *, arrivals_added: int = 0) -> DailyReport:
    """Our community's report of the day prepared, filled in by 张晓燕 (with the
    arrivals reported by phone added by hand, when any) and submitted."""
    adjustments = (
        ({"figure": "arrivals.received", "delta": arrivals_added, "reason": "电话报备"},)
        if arrivals_added
        else ()
    )
    report = services.prepare(scope=scope, code=COMMUNITY, day=day)
    report = services.save_draft(
        scope=scope,
        report=report,
        data=services.DraftInput(duty_staff="张晓燕", adjustments=adjustments),
    )
    return services.submit(scope=scope, report=report)


@pytest.fixture
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def rw(
    tree: Any,
    make_user: Callable[..., User],
    scope_of: Callable[[User], Scope],
    system_scope: Scope,
) -> RWorld:
    mine, other = build_world(system_scope)
    worker = make_user("community_worker", COMMUNITY, username="rw_worker", full_name="张晓燕")
    head = make_user("community_head", COMMUNITY, username="rw_head", full_name="马秀兰")
    sibling = make_user("community_worker", SIBLING, username="rw_sibling")
    viewer = make_user("community_viewer", COMMUNITY, username="rw_viewer")
    officer = make_user(
        "subdistrict_officer", SUBDISTRICT, username="rw_officer", full_name="王建华"
    )
    admin = make_user("district_admin", DISTRICT, username="rw_admin", full_name="郑志远")
    return RWorld(
        mine=mine,
        other=other,
        worker=worker,
        worker_scope=scope_of(worker),
        head=head,
        head_scope=scope_of(head),
        sibling_scope=scope_of(sibling),
        viewer_scope=scope_of(viewer),
        officer=officer,
        officer_scope=scope_of(officer),
        admin_scope=scope_of(admin),
    )


# The control module's world and helpers, for the control figures.
from tests.control_orders.conftest import Control, arrival, control, manual  # noqa: E402, F401
from tests.testing.conftest import TWorld, _sqlite_audit_flushable, tw  # noqa: E402, F401
