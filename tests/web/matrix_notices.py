"""The notices' routes in the scope matrix (tests/web/matrix.py).

The subdistrict officer has sent a notice with an attachment to every role of our
community (金华小区核酸检测安排); the town's officer one to the town's community
(隔壁镇的通知). Reading is for the notice's recipients and its sender's office (and
above); composing, the sent list, read receipts, their export and withdrawing need
NOTICE_SEND at the sender's office: the district viewer covers it but may not.
"""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.core.scope import Scope
from fangkong.notices import services
from fangkong.notices.models import Notice
from tests.conftest import COMMUNITY, TOWN_COMMUNITY
from tests.web.matrix import Route, World, post

NO_SCOPE = "no_role_user"
SENDER = {
    "allowed": "subdistrict_officer",
    "sibling": "town_officer",
    "parent": "district_admin_nototp",
}


def _n(w: World) -> dict[str, Any]:
    extra: dict[str, Any] = w.extra["notices"]
    return extra


def _mine(w: World) -> dict[str, Any]:
    return {"pk": _n(w)["mine"].pk}


ROUTES = [
    Route("notices:inbox", is_object=False, without_perm=NO_SCOPE),
    Route("notices:notice", kwargs=_mine, without_perm=NO_SCOPE),
    Route(
        "notices:attachment",
        kwargs=lambda w: {"pk": _n(w)["mine"].pk, "file_pk": _n(w)["file"].pk},
        without_perm=NO_SCOPE,
    ),
    Route("notices:compose", is_object=False, without_perm="community_worker", **SENDER),
    Route(
        "notices:compose",
        data=lambda w: {
            "title": "新的通知",
            "body": "请做好准备。",
            "priority": "normal",
            "audience": [COMMUNITY],
        },
        **post(without_perm="community_worker", **SENDER),
    ),
    Route("notices:preview", is_object=False, without_perm="community_worker", **SENDER),
    Route("notices:sent", is_object=False, without_perm="community_worker", **SENDER),
    Route("notices:receipts", kwargs=_mine, without_perm="district_viewer", **SENDER),
    Route(
        "notices:receipts_export",
        kwargs=_mine,
        **post(without_perm="district_viewer", ok=frozenset({200}), **SENDER),
    ),
    Route(
        "notices:withdraw",
        kwargs=_mine,
        data=lambda w: {"reason": "时间调整"},
        **post(without_perm="district_viewer", **SENDER),
    ),
]


def _scope(user: User) -> Scope:
    scope = scope_for_user(User.objects.select_related("role").get(pk=user.pk))
    assert scope is not None
    return scope


def _send(user: User, code: str, title: str, files: list[Any]) -> Notice:
    return services.notice_send(
        scope=_scope(user), title=title, body="请各社区做好准备。", audience=[code], files=files
    )


def extend(world: World, system_scope: Scope) -> None:
    upload = SimpleUploadedFile("安排.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    mine = _send(world.users["subdistrict_officer"], COMMUNITY, "金华小区核酸检测安排", [upload])
    other = _send(world.users["town_officer"], TOWN_COMMUNITY, "隔壁镇的通知", [])
    world.extra["notices"] = {"mine": mine, "other": other, "file": mine.attachments.get()}
