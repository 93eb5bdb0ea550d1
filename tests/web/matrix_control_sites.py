"""The quarantine sites' part of the scope matrix (tests/web/matrix.py).

Sites are run by 济源路街道 (SUBDISTRICT): its officer works them, the district admin
is the office above, the town's officer is the sibling (404 on every site, stay and
room), the district viewer (no SITE_MANAGE) is refused the writes. The town has a site
of its own ("隔壁…") that no page of ours may show. People: 隔离甲 in room 201, 隔离乙
awaiting a room, 隔离丙 in room 202 with the order already released (due to check out).
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.control.models import ControlOrder, Room
from fangkong.control.sites import services
from fangkong.core.scope import Scope
from fangkong.registry import services as registry_services
from tests.conftest import SUBDISTRICT, TOWN
from tests.control_sites.orders import make_order
from tests.web.matrix import Route, World, post


def extend(world: World, system_scope: Scope) -> None:
    s = system_scope
    site = services.site_create(scope=s, jurisdiction_code=SUBDISTRICT, name="一号隔离点")
    services.rooms_add_range(scope=s, site=site, first_floor=2, last_floor=2, first=1, last=4)
    services.room_add(scope=s, site=site, number="301", floor=3, beds=3, is_family=True)
    spare = services.site_create(scope=s, jurisdiction_code=SUBDISTRICT, name="二号隔离点")
    services.room_add(scope=s, site=spare, number="101", floor=1)
    town = services.site_create(scope=s, jurisdiction_code=TOWN, name="隔壁镇隔离点")
    services.room_add(scope=s, site=town, number="101", floor=1)
    people = [
        registry_services.person_create(scope=s, household=world.spare_household, name=name)
        for name in ("隔离甲", "隔离乙", "隔离丙")
    ]
    in_room = make_order(people[0])
    awaiting = make_order(people[1])
    leaving = make_order(people[2])
    [stay] = services.stay_check_in(scope=s, orders=[in_room], site=site)
    [due] = services.stay_check_in(scope=s, orders=[leaving], site=site)
    ControlOrder.objects.filter(pk=leaving.pk).update(
        status="released", end_kind="released", ended_at=due.checked_in_at
    )
    world.extra["control_sites"] = SimpleNamespace(
        site=site,
        spare=spare,
        stay=stay,
        due=due,
        awaiting=awaiting,
        free_room=Room.objects.get(site=site, number="203"),
    )


def _rooms_file(w: World) -> dict[str, Any]:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["房间号", "楼层", "床位数", "家庭房", "停用", "备注"])
    sheet.append(["601", 6, 1, "否", "否", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return {"file": SimpleUploadedFile("rooms.xlsx", buffer.getvalue())}


def _x(w: World) -> Any:
    return w.extra["control_sites"]


_OFFICE = {
    "allowed": "subdistrict_officer",
    "parent": "district_admin_nototp",
    "sibling": "town_officer",
}
_VIEW = {**_OFFICE, "without_perm": "no_role_user"}
_MANAGE = {**_OFFICE, "without_perm": "district_viewer"}

ROUTES: list[Route] = [
    Route("control:sites_list", is_object=False, **_VIEW),
    Route("control:sites_new", is_object=False, **_MANAGE),
    Route(
        "control:sites_new",
        data=lambda w: {"jurisdiction_code": SUBDISTRICT, "name": "三号隔离点"},
        **post(**_MANAGE),
    ),
    Route("control:sites_board", kwargs=lambda w: {"pk": _x(w).site.pk}, **_VIEW),
    Route("control:sites_edit", kwargs=lambda w: {"pk": _x(w).site.pk}, **_MANAGE),
    Route(
        "control:sites_edit",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=lambda w: {"name": "一号隔离点（东区）", "address": "东区路1号"},
        **post(**_MANAGE),
    ),
    Route(
        "control:sites_deactivate",
        kwargs=lambda w: {"pk": _x(w).spare.pk},
        data=lambda w: {"reason": "撤点"},
        **post(**_MANAGE),
    ),
    Route(
        "control:sites_rooms_add",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=lambda w: {
            "mode": "range",
            "first_floor": "4",
            "last_floor": "4",
            "first": "1",
            "last": "3",
            "beds": "1",
        },
        **post(**_MANAGE),
    ),
    Route("control:sites_rooms_import", kwargs=lambda w: {"pk": _x(w).site.pk}, **_MANAGE),
    Route(
        "control:sites_rooms_import",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=_rooms_file,
        **post(**_MANAGE),
    ),
    Route("control:sites_checkin", kwargs=lambda w: {"pk": _x(w).site.pk}, **_MANAGE),
    Route(
        "control:sites_checkin",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=lambda w: {"order": str(_x(w).awaiting.pk), "room": str(_x(w).free_room.pk)},
        **post(**_MANAGE),
    ),
    Route(
        "control:sites_export",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        method="POST",
        writes=True,
        **_VIEW,
    ),
    Route("control:sites_room", kwargs=lambda w: {"pk": _x(w).free_room.pk}, **_MANAGE),
    Route(
        "control:sites_room",
        kwargs=lambda w: {"pk": _x(w).free_room.pk},
        data=lambda w: {"beds": "1", "out_of_service": "on", "note": "维修"},
        **post(**_MANAGE),
    ),
    Route("control:sites_stay", kwargs=lambda w: {"pk": _x(w).stay.pk}, **_VIEW),
    Route(
        "control:sites_transfer",
        kwargs=lambda w: {"pk": _x(w).stay.pk},
        data=lambda w: {"site": str(_x(w).spare.pk), "reason": "调整房间"},
        **post(**_MANAGE),
    ),
    Route(
        "control:sites_checkout",
        kwargs=lambda w: {"pk": _x(w).due.pk},
        data=lambda w: {"note": "解除隔离"},
        **post(**_MANAGE),
    ),
]
