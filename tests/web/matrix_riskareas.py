"""The risk areas' routes in the scope matrix (see tests/web/matrix.py).

The list belongs to the district: every account of the district reads it (a community
worker too), only the district's administrator writes it. The "sibling" of a district is
another district: its administrator (中原区, 410102) must find none of our entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.accounts.models import User
from fangkong.core import regions
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.riskareas import services
from tests.conftest import DISTRICT
from tests.web.matrix import Route, World, post

ANY_ROLE = "no_role_user"  # every role may read; only an account without a role may not
OTHER_DISTRICT = "410102"
OTHER_ADMIN = "other_district_admin"
ADMIN = "district_admin_nototp"


def _area(w: World) -> Any:
    return w.extra["riskareas"]["area"]


def _upload(w: World) -> dict[str, Any]:
    content = "地区,风险等级,生效日期\n上海市浦东新区,中,2022-05-03\n".encode()
    return {"file": SimpleUploadedFile("list.csv", content, "text/csv")}


ROUTES = [
    Route("riskareas:list", is_object=False, without_perm=ANY_ROLE, sibling=OTHER_ADMIN),
    Route("riskareas:regions", is_object=False, without_perm=ANY_ROLE, sibling=OTHER_ADMIN),
    Route(
        "riskareas:export",
        method="POST",
        is_object=False,
        without_perm="data_entry",
        sibling=OTHER_ADMIN,
    ),
    Route(
        "riskareas:add",
        is_object=False,
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
    ),
    Route(
        "riskareas:add",
        data=lambda w: {
            "region": "上海市浦东新区",
            "level": "medium",
            "effective_from": "2022-05-03",
        },
        is_object=False,
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
        **post(),
    ),
    Route(
        "riskareas:import",
        is_object=False,
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
    ),
    Route(
        "riskareas:import",
        method="POST",
        data=_upload,
        is_object=False,
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
        writes=True,
    ),
    Route(
        "riskareas:area",
        kwargs=lambda w: {"pk": _area(w).pk},
        without_perm=ANY_ROLE,
        sibling=OTHER_ADMIN,
    ),
    Route(
        "riskareas:change",
        kwargs=lambda w: {"pk": _area(w).pk},
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
    ),
    Route(
        "riskareas:change",
        kwargs=lambda w: {"pk": _area(w).pk},
        data=lambda w: {"level": "medium", "effective_from": "2022-05-10"},
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
        **post(),
    ),
    Route(
        "riskareas:end",
        kwargs=lambda w: {"pk": _area(w).pk},
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
    ),
    Route(
        "riskareas:end",
        kwargs=lambda w: {"pk": _area(w).pk},
        data=lambda w: {"on": "2022-06-01"},
        without_perm="district_viewer",
        allowed=ADMIN,
        sibling=OTHER_ADMIN,
        parent=None,
        **post(),
    ),
]


def extend(world: World, system_scope: Scope) -> None:
    """An area of our district, and another district with its administrator."""
    region = regions.get("420102")
    assert region is not None
    area = services.area_add(
        scope=system_scope,
        district=DISTRICT,
        data=services.AreaInput(region, "high", dt.date(2022, 5, 1)),
    )
    node = Jurisdiction.objects.create(
        code=OTHER_DISTRICT,
        jurisdiction_code=OTHER_DISTRICT,
        level="district",
        kind="district",
        name="中原区",
        official_name="中原区",
    )
    admin = User(
        username=OTHER_ADMIN,
        full_name="中原区管理员",
        jurisdiction=node,
        jurisdiction_code=OTHER_DISTRICT,
        role_id="district_admin",
    )
    admin.set_unusable_password()
    admin.save()
    world.users[OTHER_ADMIN] = admin
    world.extra["riskareas"] = {"area": area}
