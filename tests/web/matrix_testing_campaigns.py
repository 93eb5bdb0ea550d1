"""The campaigns area's part of the scope matrix (tests/web/matrix.py).

The subdistrict runs two rounds over our community only (中安街社区): one opened (its
target population materialised through the service's job) and one draft. The sibling
community's worker is not concerned by either (404); the town's officer neither. Reading
needs TESTING_VIEW (every role in scope); running rounds needs TESTING_MANAGE (officers
above the community: the community worker is refused, 403); exemptions by hand need
TESTING_SAMPLE (the community viewer is refused); exports need EXPORT (data entry is
refused).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fangkong.core.scope import Scope
from fangkong.testing.campaigns import services
from tests.conftest import COMMUNITY, SUBDISTRICT
from tests.web.matrix import Route, World, post


def extend(world: World, system_scope: Scope) -> None:
    office = Scope.system(reason="scope matrix: a subdistrict's rounds", code=SUBDISTRICT)
    now = timezone.now()
    opened = services.campaign_create(
        scope=office,
        name="中安街社区加测",
        scope_codes=[COMMUNITY],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
    )
    job = services.campaign_open(scope=office, campaign=opened)
    services.run_materialise_job(job.pk)  # on_commit does not fire inside the test
    draft = services.campaign_create(
        scope=office,
        name="中安街社区第2轮",
        scope_codes=[COMMUNITY],
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=8),
    )
    world.extra["testing_campaigns"] = SimpleNamespace(opened=opened, draft=draft)


def _opened(w: World) -> dict[str, Any]:
    return {"pk": w.extra["testing_campaigns"].opened.pk}


def _draft(w: World) -> dict[str, Any]:
    return {"pk": w.extra["testing_campaigns"].draft.pk}


_VIEW = {"without_perm": "no_role_user"}
_MANAGE = {
    "allowed": "subdistrict_officer",
    "parent": "district_admin_nototp",
    "sibling": "town_officer",
    "without_perm": "community_worker",
}


def _form(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "starts_at": "2026-06-01T07:00",
        "ends_at": "2026-06-01T19:00",
        "pool_default": "20",
        "pool_precaution": "20",
        "pool_controlled": "10",
        "pool_sealed": "1",
        "infant_under_years": "3",
        "bedridden": "on",
        "central_quarantine": "on",
        "vaccinated_hours": "0",
        "late_box_hours": "4",
        "result_due_hours": "12",
    }


ROUTES: list[Route] = [
    Route("testing:campaigns_list", is_object=False, **_VIEW),
    Route("testing:campaigns_day", is_object=False, **_VIEW),
    Route("testing:campaigns_new", is_object=False, **_MANAGE),
    Route(
        "testing:campaigns_new",
        data=lambda w: _form("新一轮全员核酸检测"),
        **post(is_object=False, **_MANAGE),
    ),
    Route("testing:campaigns_detail", kwargs=_opened, **_VIEW),
    Route("testing:campaigns_edit", kwargs=_draft, **_MANAGE),
    Route(
        "testing:campaigns_edit",
        kwargs=_draft,
        data=lambda w: _form("中安街社区第2轮（改）"),
        **post(**_MANAGE),
    ),
    Route("testing:campaigns_open", kwargs=_draft, **post(**_MANAGE)),
    Route("testing:campaigns_progress", kwargs=_opened, **_VIEW),
    Route(
        "testing:campaigns_close",
        kwargs=_opened,
        data=lambda w: {"note": "采样完毕"},
        **post(**_MANAGE),
    ),
    Route("testing:campaigns_coverage", kwargs=_opened, **_VIEW),
    Route("testing:campaigns_unsampled", kwargs=_opened, **_VIEW),
    Route(
        "testing:campaigns_unsampled_export",
        kwargs=_opened,
        method="POST",
        writes=True,
        without_perm="data_entry",
    ),
    Route(
        "testing:campaigns_exemption",
        kwargs=_opened,
        data=lambda w: {
            "person": w.mine.housemate.pk,
            "exemption": "away",
            "note": "在外地，有证明",
        },
        **post(without_perm="community_viewer"),
    ),
    Route("testing:campaigns_rate", kwargs=_opened, **_VIEW),
    Route("testing:campaigns_boxes", kwargs=_opened, **_VIEW),
    Route("testing:campaigns_tubes", kwargs=_opened, **_VIEW),
]
