"""The help requests' routes in the scope matrix (tests/web/matrix.py): a request of
张三 in our community (金华小区) and one of 隔壁王五 in the sibling's. Every role may
look (SUPPORT_VIEW); the community viewer may not handle (SUPPORT_HANDLE); the
data-entry role may not export."""

from __future__ import annotations

from typing import Any

from fangkong.core.scope import Scope
from fangkong.support import services
from tests.web.matrix import Route, World, post

ANY_ROLE = "no_role_user"


def _s(w: World) -> dict[str, Any]:
    extra: dict[str, Any] = w.extra["support"]
    return extra


ROUTES = [
    Route("support:queue", is_object=False, without_perm=ANY_ROLE),
    Route("support:export", method="POST", is_object=False, without_perm="data_entry"),
    Route("support:request", kwargs=lambda w: {"pk": _s(w)["mine"].pk}, without_perm=ANY_ROLE),
    Route("support:take", kwargs=lambda w: {"pk": _s(w)["mine"].pk}, **post()),
    Route(
        "support:done",
        kwargs=lambda w: {"pk": _s(w)["mine"].pk},
        data=lambda w: {"note": "药已送到门口"},
        **post(),
    ),
    Route(
        "support:cancel",
        kwargs=lambda w: {"pk": _s(w)["mine"].pk},
        data=lambda w: {"reason": "家属已买到"},
        **post(),
    ),
    Route(
        "support:record",
        kwargs=lambda w: {"pk": w.mine.person.pk},
        without_perm="community_viewer",
    ),
    Route(
        "support:record",
        kwargs=lambda w: {"pk": w.mine.person.pk},
        data=lambda w: {"kind": "doctor", "text": "电话求助：老人头晕"},
        **post(),
    ),
]


def extend(world: World, system_scope: Scope) -> None:
    world.extra["support"] = {
        "mine": services.request_submit(person=world.mine.person, kind="medicine", text="降压药"),
        "other": services.request_submit(person=world.other.person, kind="doctor", text="看病"),
    }
