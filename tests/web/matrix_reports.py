"""The daily report's routes in the scope matrix (tests/web/matrix.py).

Today: the community's draft, prepared with its staff on duty (fill in, submit,
refresh). Yesterday: the community's report submitted by the community worker (sign,
correct). Every role reads reports (REPORT_VIEW); the community viewer fills in
nothing; only a head signs (the community worker may not: `community_head`, added
here); the data-entry role exports nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.accounts.models import Role, User
from fangkong.accounts.scopes import scope_for_user
from fangkong.core.scope import Scope
from fangkong.reports import services
from tests.conftest import COMMUNITY
from tests.web.api_route import ApiRoute
from tests.web.matrix import Route, World, post

ANY_ROLE = "no_role_user"


def _today(w: World) -> dict[str, Any]:
    return {"code": COMMUNITY, "day": timezone.localdate().isoformat()}


def _yesterday(w: World) -> dict[str, Any]:
    return {"code": COMMUNITY, "day": (timezone.localdate() - dt.timedelta(days=1)).isoformat()}


ROUTES = [
    Route("reports:index", is_object=False, without_perm=ANY_ROLE, ok=frozenset({302})),
    Route("reports:dashboard", is_object=False, without_perm=ANY_ROLE),
    Route("reports:dashboard_wall", is_object=False, without_perm=ANY_ROLE),
    Route("reports:dashboard_data", is_object=False, without_perm=ANY_ROLE),
    Route("reports:daily", kwargs=_today, without_perm=ANY_ROLE),
    Route("reports:daily_print", kwargs=_today, without_perm=ANY_ROLE),
    Route("reports:daily_export", kwargs=_today, without_perm="data_entry"),
    Route("reports:daily_edit", kwargs=_today, without_perm="community_viewer"),
    Route(
        "reports:daily_edit",
        kwargs=_today,
        data=lambda w: {"duty_staff": "张晓燕 13800000000", "remarks": "无异常"},
        **post(),
    ),
    Route("reports:daily_prepare", kwargs=_today, **post()),
    Route("reports:daily_submit", kwargs=_today, **post()),
    Route(
        "reports:daily_sign",
        kwargs=_yesterday,
        without_perm="community_worker",
        allowed="community_head",
        **post(),
    ),
    Route(
        "reports:daily_correct",
        kwargs=_yesterday,
        data=lambda w: {"reason": "补录两名返乡人员"},
        **post(),
    ),
]


def extend(world: World, system_scope: Scope) -> None:
    worker = world.users["community_worker"]
    head = User(
        username="community_head",
        full_name="马秀兰",
        jurisdiction=worker.jurisdiction,
        jurisdiction_code=COMMUNITY,
        role=Role.objects.get(pk="community_head"),
    )
    head.set_unusable_password()
    head.save()
    world.users["community_head"] = head
    scope = scope_for_user(User.objects.select_related("role").get(pk=worker.pk))
    assert scope is not None
    today = timezone.localdate()
    draft = services.prepare(scope=scope, code=COMMUNITY, day=today)
    services.save_draft(
        scope=scope, report=draft, data=services.DraftInput(duty_staff="张晓燕 13800000000")
    )
    earlier = services.prepare(scope=scope, code=COMMUNITY, day=today - dt.timedelta(days=1))
    earlier = services.save_draft(
        scope=scope, report=earlier, data=services.DraftInput(duty_staff="张晓燕")
    )
    services.submit(scope=scope, report=earlier)
    world.extra["reports"] = {"draft": draft, "submitted": earlier}


API_ROUTES = [
    ApiRoute(
        "GET", "/daily", lambda s: f"/api/v1/reports/daily?jurisdiction={COMMUNITY}", is_object=True
    )
]
