"""The sampling sites' part of the scope matrix (tests/web/matrix.py).

A site of 中安街社区 (COMMUNITY) with a member and a device: the community's worker reads
it (TESTING_VIEW), the subdistrict's officer manages it (TESTING_MANAGE), the district
admin is the office above; the sibling community's worker and the town's officer get 404
on every site, member and device; the community worker is refused the writes. The
sibling has a site of its own ("隔壁…") that no page of ours may show.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fangkong.core.scope import Scope
from fangkong.testing.sampling import services
from tests.conftest import COMMUNITY, SIBLING
from tests.web.matrix import Route, World, post


def extend(world: World, system_scope: Scope) -> None:
    s = system_scope
    site = services.site_create(
        scope=s, jurisdiction_code=COMMUNITY, name="中安街社区广场采样点", kind="fixed"
    )
    member = services.member_add(scope=s, site=site, role="sampler", name="采样员小周")
    device, _token = services.device_create(scope=s, site=site, name="1号通道扫码枪")
    other = services.site_create(scope=s, jurisdiction_code=SIBLING, name="隔壁社区采样点")
    services.member_add(scope=s, site=other, role="sampler", name="隔壁采样员")
    world.extra["testing_sampling"] = SimpleNamespace(
        site=site, member=member, device=device, other=other
    )


def _x(w: World) -> Any:
    return w.extra["testing_sampling"]


_VIEW = {"without_perm": "no_role_user"}
_MANAGE = {
    "allowed": "subdistrict_officer",
    "parent": "district_admin_nototp",
    "sibling": "town_officer",
    "without_perm": "community_worker",
}

ROUTES: list[Route] = [
    Route("testing:sampling_sites", is_object=False, **_VIEW),
    Route("testing:sampling_site", kwargs=lambda w: {"pk": _x(w).site.pk}, **_VIEW),
    Route("testing:sampling_site_new", is_object=False, **_MANAGE),
    Route(
        "testing:sampling_site_new",
        data=lambda w: {
            "jurisdiction_code": COMMUNITY,
            "name": "中安街流动采样车",
            "kind": "mobile",
            "lanes": "2",
            "area": "",
            "stops": "中安街菜市场 08:00-10:00",
        },
        **post(**_MANAGE),
    ),
    Route("testing:sampling_site_edit", kwargs=lambda w: {"pk": _x(w).site.pk}, **_MANAGE),
    Route(
        "testing:sampling_site_edit",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=lambda w: {"name": "中安街社区广场采样点", "area": "controlled", "lanes": "3"},
        **post(**_MANAGE),
    ),
    Route(
        "testing:sampling_member_add",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=lambda w: {"role": "transporter", "name": "转运员老李"},
        **post(**_MANAGE),
    ),
    Route(
        "testing:sampling_member_remove",
        kwargs=lambda w: {"pk": _x(w).member.pk},
        **post(**_MANAGE),
    ),
    Route(
        "testing:sampling_device_add",
        kwargs=lambda w: {"pk": _x(w).site.pk},
        data=lambda w: {"name": "2号通道手机"},
        **{**post(**_MANAGE), "ok": frozenset({200})},
    ),
    Route(
        "testing:sampling_device_revoke",
        kwargs=lambda w: {"pk": _x(w).device.pk},
        data=lambda w: {"reason": "手机丢失"},
        **post(**_MANAGE),
    ),
]

PUBLIC = {
    "testing:sampling_device": "the sampling page of a site's phone or PC: no account, it "
    "does nothing without the device token it reads from the URL fragment and keeps in the "
    "browser; every scan goes to the device-token API",
    "testing:sampling_sw": "the service worker that keeps that page for offline use: a "
    "script with the static files' names, nothing else",
}
