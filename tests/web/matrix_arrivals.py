"""The arrival reports' routes in the scope matrix (see tests/web/matrix.py), and the
public pages with the reason they are public."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.arrivals import services
from fangkong.core import regions
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, SIBLING
from tests.web.matrix import Route, World, post
from tests.world import ID_WANG, ID_ZHANG, Side

ANY_ROLE = "no_role_user"  # every role may look; only an account without a role may not


def _a(w: World) -> dict[str, Any]:
    extra: dict[str, Any] = w.extra["arrivals"]
    return extra


ROUTES = [
    Route("arrivals:queue", is_object=False, without_perm=ANY_ROLE),
    Route("arrivals:export", method="POST", is_object=False, without_perm="data_entry"),
    Route("arrivals:report", kwargs=lambda w: {"pk": _a(w)["mine"].pk}, without_perm=ANY_ROLE),
    Route(
        "arrivals:report_verify",
        kwargs=lambda w: {"pk": _a(w)["mine"].pk},
        data=lambda w: {"outcome": "confirmed", "note": "上门核实"},
        without_perm="community_viewer",
        **post(),
    ),
    Route(
        "arrivals:report_reveal",
        kwargs=lambda w: {"pk": _a(w)["mine"].pk},
        data=lambda w: {"field": "phone", "reason": "电话核实"},
        method="POST",
        without_perm="community_viewer",
        writes=True,
    ),
    Route("arrivals:posters", is_object=False, without_perm=ANY_ROLE),
    Route("arrivals:poster", kwargs=lambda w: {"code": COMMUNITY}, without_perm=ANY_ROLE),
    Route(
        "arrivals:poster_replace",
        kwargs=lambda w: {"code": COMMUNITY},
        without_perm="community_viewer",
        **post(),
    ),
]

PUBLIC = {
    "arrivals:public_form": "residents report their arrival from a community's QR poster "
    "without an account; reached only through the community's unguessable token",
    "arrivals:public_receipt": "the receipt of that report: its number and the community, "
    "nothing personal",
    "arrivals:public_regions": "the origin picker of that page: public division names",
}


def _report(scope: Scope, link: Any, side: Side, name: str, id_number: str) -> Any:
    region = regions.get("420102")
    assert region is not None
    data = services.ReportInput(
        name=name,
        id_number=id_number,
        phone="13912345678",
        origin=region,
        arrival_date=timezone.localdate() - dt.timedelta(days=1),
        travel_mode="train",
        travel_number="G1234",
        companions_count=0,
        companions="",
        compound_id=side.compound.pk,
        compound_name="",
        building="3",
        unit="2",
        room="501",
        symptoms=("none",),
        temperature=None,
    )
    return services.report_submit(link=link, data=data).report


def extend(world: World, system_scope: Scope) -> None:
    """A report of 张三 in our community (金华小区) and of 隔壁王五 in the sibling's."""
    links = services.links_ensure(scope=system_scope, community_codes=[COMMUNITY, SIBLING])
    world.extra["arrivals"] = {
        "links": links,
        "mine": _report(system_scope, links[COMMUNITY], world.mine, "张三", ID_ZHANG),
        "other": _report(system_scope, links[SIBLING], world.other, "隔壁王五", ID_WANG),
    }
