"""The care area's part of the scope matrix (tests/web/matrix.py).

The world gets a policy and approved orders made through the ORM (the orders area
makes them in the product): 张三 (home quarantine, on the community's care team, door
sealed, a sensor, a fever recorded at today's first follow-up -> an alert and a
transfer) and 李梅 (home quarantine, no team yet) in our community; 隔壁王五 in the
sibling community with the same. Pages that show one object answer 404 to the sibling.

The door-sensor API (`POST /control/door-events`) authenticates devices, not staff:
every staff token gets 401 there, so it is not in the staff API matrix; its own matrix
(anonymous, forged, staff token, revoked sensor -> 401; the sensor -> 200; the
sensor's token elsewhere -> 401) is tests/control_care/test_door_and_teams.py, listed
here as DEVICE_API_ROUTES.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fangkong.control.care import services
from fangkong.control.models import ControlOrder, FollowUp, Measure, OrderPhase, Policy
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from tests.conftest import COMMUNITY, DISTRICT, SIBLING
from tests.web.matrix import Route, World, post

DEVICE_API_ROUTES = {("POST", "/door-events")}


def _order(policy: Policy, person: Person, n: int, approver: Any, proposer: Any) -> ControlOrder:
    today = timezone.localdate()
    now = timezone.now()
    order = ControlOrder.objects.create(
        person=person,
        jurisdiction_code=person.jurisdiction_code,
        community_code=person.community_code,
        household_id=person.household_id,
        trigger="close_contact",
        trigger_date=today - dt.timedelta(days=2),
        reason="密切接触者",
        policy=policy,
        policy_version=1,
        legal_basis=policy.legal_basis,
        status=ControlOrder.Status.ACTIVE,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        notice_no=f"MATRIX-{n}",
        proposed_by=proposer,
        proposed_at=now,
        decided_by=approver,
        decided_at=now,
    )
    OrderPhase.objects.create(
        order=order,
        jurisdiction_code=order.jurisdiction_code,
        position=1,
        measure=Measure.HOME_QUARANTINE,
        starts_on=order.starts_on,
        ends_on=order.ends_on,
    )
    return order


def _side(
    system_scope: Scope, policy: Policy, people: tuple[Person, Person], code: str, n: int, w: World
) -> SimpleNamespace:
    officer, approver = w.users["community_worker"], w.users["subdistrict_officer"]
    order = _order(policy, people[0], n, approver, officer)
    spare = _order(policy, people[1], n + 1, approver, officer)
    team = services.team_create(scope=system_scope, jurisdiction_code=code, name=f"专班{n}")
    member = services.member_add(
        scope=system_scope, team=team, role="doctor", name="王医生", phone="13700000009"
    )
    services.team_assign(scope=system_scope, team=team, order=order)
    services.seal_put(scope=system_scope, order=order)
    sensor, _token = services.sensor_register(
        scope=system_scope, household=people[0].household, serial=f"MATRIX-{n}"
    )
    services.generate_followups(day=timezone.localdate(), code=code)
    first, second = FollowUp.objects.filter(order=order).order_by("slot")
    services.followup_record(scope=system_scope, followup=first, temperature="38.2")
    alert = first.order.alerts.get()
    return SimpleNamespace(
        order=order,
        spare=spare,
        team=team,
        member=member,
        sensor=sensor,
        followup=second,
        alert=alert,
        transfer=alert.transfer,
        compound=people[0].household.compound,
    )


def extend(world: World, system_scope: Scope) -> None:
    policy = Policy.objects.create(
        jurisdiction_code=DISTRICT,
        family="matrix",
        name="矩阵方案",
        legal_basis="《中华人民共和国传染病防治法》",
        effective_from=dt.date(2022, 1, 1),
        created_at=timezone.now(),
    )
    mine = (world.mine.person, world.mine.housemate)
    other = (world.other.person, world.other.housemate)
    world.extra["control_care"] = _side(system_scope, policy, mine, COMMUNITY, 1, world)
    world.extra["control_care_other"] = _side(system_scope, policy, other, SIBLING, 3, world)


def _c(w: World) -> Any:
    return w.extra["control_care"]


_LIST = {"is_object": False, "without_perm": "no_role_user"}
_VIEW = {"without_perm": "no_role_user"}
_HANDLE = {"without_perm": "community_viewer"}

ROUTES: list[Route] = [
    Route("control:care_board", **_LIST),
    Route("control:care_followups", **_LIST),
    Route("control:care_followup", kwargs=lambda w: {"pk": _c(w).followup.pk}, **_VIEW),
    Route(
        "control:care_followup",
        kwargs=lambda w: {"pk": _c(w).followup.pk},
        data=lambda w: {"temperature": "36.5", "services": ["temperature", "garbage"]},
        **post(**_HANDLE),
    ),
    Route("control:care_alerts", **_LIST),
    Route("control:care_alert", kwargs=lambda w: {"pk": _c(w).alert.pk}, **_VIEW),
    Route(
        "control:care_alert_acknowledge",
        kwargs=lambda w: {"pk": _c(w).alert.pk},
        **post(**_HANDLE),
    ),
    Route(
        "control:care_alert_close",
        kwargs=lambda w: {"pk": _c(w).alert.pk},
        data=lambda w: {"resolution": "已送发热门诊"},
        **post(**_HANDLE),
    ),
    Route("control:care_transfers", **_LIST),
    Route(
        "control:care_transfer_done",
        kwargs=lambda w: {"pk": _c(w).transfer.pk},
        data=lambda w: {"note": "已送达"},
        **post(**_HANDLE),
    ),
    Route("control:care_teams", **_LIST),
    Route("control:care_team_new", is_object=False, without_perm="community_viewer"),
    Route(
        "control:care_team_new",
        data=lambda w: {"jurisdiction_code": COMMUNITY, "name": "二号专班"},
        **post(**_HANDLE),
    ),
    Route("control:care_team", kwargs=lambda w: {"pk": _c(w).team.pk}, **_VIEW),
    Route(
        "control:care_member_add",
        kwargs=lambda w: {"pk": _c(w).team.pk},
        data=lambda w: {"role": "police", "name": "赵民警", "phone": "13600000002"},
        **post(**_HANDLE),
    ),
    Route(
        "control:care_member_remove",
        kwargs=lambda w: {"pk": _c(w).member.pk},
        **post(**_HANDLE),
    ),
    Route(
        "control:care_team_assign",
        kwargs=lambda w: {"pk": _c(w).team.pk},
        data=lambda w: {"order": _c(w).spare.pk},
        **post(**_HANDLE),
    ),
    Route(
        "control:care_team_assign_bulk",
        kwargs=lambda w: {"pk": _c(w).team.pk},
        **post(**_HANDLE),
    ),
    Route("control:care_home", **_LIST),
    Route("control:care_home_order", kwargs=lambda w: {"pk": _c(w).order.pk}, **_VIEW),
    Route("control:care_seal", kwargs=lambda w: {"pk": _c(w).spare.pk}, **post(**_HANDLE)),
    Route("control:care_unseal", kwargs=lambda w: {"pk": _c(w).order.pk}, **post(**_HANDLE)),
    Route(
        "control:care_sensor_new",
        kwargs=lambda w: {"pk": _c(w).spare.pk},
        data=lambda w: {"serial": "NEW-0001"},
        method="POST",
        writes=True,
        **_HANDLE,
    ),
    Route(
        "control:care_sensor_revoke",
        kwargs=lambda w: {"pk": _c(w).sensor.pk},
        **post(**_HANDLE),
    ),
    Route("control:care_public_list", kwargs=lambda w: {"pk": _c(w).compound.pk}, **_VIEW),
]

PUBLIC = {
    "control:care_self_report": "the resident's own daily health report: a resident session "
    "(one-time code to the phone), only the person's own slots and their household's, "
    "anything else 404 (tests/control_care/test_self_report.py)",
}
