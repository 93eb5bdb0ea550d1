"""The control orders' part of the scope matrix (tests/web/matrix.py).

The world gets the ninth edition in force (from 60 days ago), a proposal for 刘一 by the
community worker (to approve or reject), an order in force for 陈二 that began ten days
ago (7 days of home health monitoring: due for release) with a test due, a person
without an order (王小明, to propose for) and a sealed zone over 金华小区. Policies are
the district's public rules: every account of the district reads them; only the district
manages them. Oversight is the district's (AUDIT_VIEW).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.control.models import ControlZone, OrderTest
from fangkong.control.orders import services
from fangkong.core.scope import Scope
from fangkong.registry import services as registry_services
from tests.conftest import COMMUNITY, DISTRICT, SIBLING
from tests.web.matrix import Route, World, post


def _scope(username: str) -> Scope:
    scope = scope_for_user(User.objects.select_related("role").get(username=username))
    assert scope is not None
    return scope


def extend(world: World, system_scope: Scope) -> None:
    today = timezone.localdate()
    policy = services.policy_install(
        scope=system_scope,
        preset="ninth_edition",
        effective_from=today - dt.timedelta(days=60),
        district=DISTRICT,
    )
    worker = _scope("community_worker")
    admin = _scope("district_admin_nototp")
    # People of our own: the other areas' worlds put 张三 and 李梅 under orders.
    first, second, fourth, newcomer = (
        registry_services.person_create(
            scope=system_scope, household=world.mine.household, name=name
        )
        for name in ("刘一", "陈二", "赵四", "王小明")
    )
    proposed = services.order_propose(
        scope=worker,
        person=first,
        trigger="manual",
        trigger_date=today,
        reason="与确诊病例同一单位，电话流调确认",
    )
    active = services.order_propose(
        scope=worker,
        person=second,
        trigger="manual",
        trigger_date=today - dt.timedelta(days=10),
        reason="与确诊病例同乘一辆公交车",
    )
    services.order_approve(scope=admin, order=active)
    for test in OrderTest.objects.filter(order=active):  # day 7: negative, due for release
        services.test_record(scope=worker, test=test, result="negative")
    tested = services.order_propose(
        scope=worker,
        person=fourth,
        trigger="manual",
        trigger_date=today - dt.timedelta(days=8),
        reason="与确诊病例同一楼栋",
    )
    services.order_approve(scope=admin, order=tested)
    test = OrderTest.objects.get(order=tested)  # day 7, yesterday: to enter
    zone = ControlZone.objects.create(
        jurisdiction_code=COMMUNITY,
        kind="sealed",
        compound=world.mine.compound,
        starts_on=today,
        reason="出现阳性病例",
        created_at=timezone.now(),
    )
    world.extra["control_orders"] = SimpleNamespace(
        policy=policy,
        proposed=proposed,
        active=active,
        test=test,
        newcomer=newcomer,
        zone=zone,
        recorded=OrderTest.objects.filter(order=active).order_by("due_on").first(),
    )


def _c(w: World) -> Any:
    return w.extra["control_orders"]


_OFFICER = {
    "allowed": "subdistrict_officer",
    "sibling": "town_officer",
    "parent": "district_admin_nototp",
}
_DISTRICT = {"allowed": "district_admin_nototp", "sibling": "sibling_worker", "parent": None}


def _policy_edit_data(w: World) -> dict[str, Any]:
    import json

    policy = _c(w).policy
    return {
        "name": policy.name,
        "legal_basis": policy.legal_basis,
        "effective_from": policy.effective_from.isoformat(),
        "rules": json.dumps(policy.rules),
    }


ROUTES: list[Route] = [
    Route("control:orders_list", is_object=False, without_perm="no_role_user"),
    Route(
        "control:orders_export",
        method="POST",
        is_object=False,
        without_perm="data_entry",
        writes=True,
    ),
    Route("control:orders_propose", is_object=False, without_perm="community_viewer"),
    Route(
        "control:orders_propose",
        data=lambda w: {
            "person": _c(w).newcomer.pk,
            "trigger": "manual",
            "trigger_date": timezone.localdate().isoformat(),
            "reason": "与确诊病例同一单位，电话流调确认",
        },
        without_perm="community_viewer",
        **post(),
    ),
    Route(
        "control:orders_propose_zone",
        kwargs=lambda w: {"pk": _c(w).zone.pk},
        without_perm="community_viewer",
    ),
    Route(
        "control:orders_propose_zone",
        kwargs=lambda w: {"pk": _c(w).zone.pk},
        data=lambda w: {"trigger_date": timezone.localdate().isoformat()},
        without_perm="community_viewer",
        **post(),
    ),
    Route(
        "control:orders_approve_bulk",
        data=lambda w: {"order": [_c(w).proposed.pk]},
        is_object=False,
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route(
        "control:orders_detail",
        kwargs=lambda w: {"pk": _c(w).proposed.pk},
        without_perm="no_role_user",
    ),
    Route(
        "control:orders_approve",
        kwargs=lambda w: {"pk": _c(w).proposed.pk},
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route(
        "control:orders_reject",
        kwargs=lambda w: {"pk": _c(w).proposed.pk},
        data=lambda w: {"reason": "无流调依据"},
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route(
        "control:orders_notice",
        kwargs=lambda w: {"pk": _c(w).active.pk},
        without_perm="no_role_user",
    ),
    Route(
        "control:orders_release",
        kwargs=lambda w: {"pk": _c(w).active.pk},
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route(
        "control:orders_end",
        kwargs=lambda w: {"pk": _c(w).active.pk},
        data=lambda w: {"kind": "hospital", "reason": "发热转定点医院"},
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route(
        "control:orders_extend",
        kwargs=lambda w: {"pk": _c(w).active.pk},
        data=lambda w: {"days": "3", "reason": "第5天核酸漏检"},
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route(
        "control:orders_handover",
        kwargs=lambda w: {"pk": _c(w).active.pk},
        data=lambda w: {"to_code": SIBLING, "reason": "搬到安阳路社区"},
        without_perm="community_worker",
        **post(**_OFFICER),
    ),
    Route("control:orders_tests", is_object=False, without_perm="no_role_user"),
    Route(
        "control:orders_test_record",
        kwargs=lambda w: {"pk": _c(w).test.pk},
        data=lambda w: {"result": "negative"},
        without_perm="community_viewer",
        **post(),
    ),
    Route(
        "control:orders_test_correct",
        kwargs=lambda w: {"pk": _c(w).recorded.pk},
        data=lambda w: {"result": "positive", "reason": "检测机构复核后更正"},
        without_perm="community_viewer",
        **post(),
    ),
    Route("control:orders_due", is_object=False, without_perm="no_role_user"),
    Route("control:orders_counts", is_object=False, without_perm="no_role_user"),
    Route(
        "control:orders_oversight",
        is_object=False,
        without_perm="no_role_user",
    ),
    Route(
        "control:orders_oversight_export",
        method="POST",
        is_object=False,
        without_perm="data_entry",
        writes=True,
    ),
    Route("control:orders_policies", is_object=False, without_perm="no_role_user"),
    Route(
        "control:orders_policy",
        kwargs=lambda w: {"pk": _c(w).policy.pk},
        is_object=False,  # the district's public rules: every account of the district reads them
        without_perm="no_role_user",
    ),
    Route(
        "control:orders_policy_install",
        is_object=False,
        without_perm="district_viewer",
        **_DISTRICT,
    ),
    Route(
        "control:orders_policy_install",
        data=lambda w: {"preset": "twenty_measures"},
        is_object=False,
        without_perm="district_viewer",
        **post(**_DISTRICT),
    ),
    Route(
        "control:orders_policy_edit",
        kwargs=lambda w: {"pk": _c(w).policy.pk},
        is_object=False,
        without_perm="district_viewer",
        **_DISTRICT,
    ),
    Route(
        "control:orders_policy_edit",
        kwargs=lambda w: {"pk": _c(w).policy.pk},
        data=_policy_edit_data,
        is_object=False,
        without_perm="district_viewer",
        **post(**_DISTRICT),
    ),
]

PUBLIC = {
    "control:orders_my_notice": "the resident's own notice: a resident session (one-time "
    "code to the phone), only the person's own orders (tests/control_orders/test_pages.py)",
}
