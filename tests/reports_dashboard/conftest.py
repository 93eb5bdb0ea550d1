"""The command dashboard's tests: the base tree, the small world of tests/world.py, the
accounts of each level, and arrival reports sent on chosen days (the arrivals figures
are the simplest to steer day by day; every other section is computed as well).

    上街区 (DISTRICT) > 济源路街道 (SUBDISTRICT) > 中安街社区 (COMMUNITY)
                                              > 安阳路社区 (SIBLING)
                      > 峡窝镇 (TOWN) > 金昌社区 (TOWN_COMMUNITY)
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.arrivals.models import ArrivalReport
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN
from tests.world import Side, build_world

_serial = itertools.count(1)


@dataclass
class DWorld:
    mine: Side
    other: Side
    today: dt.date
    users: dict[str, User]
    scopes: dict[str, Scope]

    def client(self, who: str) -> Client:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(self.users[who])
        return client


@pytest.fixture
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def dw(
    tree: Any,
    make_user: Callable[..., User],
    scope_of: Callable[[User], Scope],
    system_scope: Scope,
    settings: Any,
    tmp_path: Any,
) -> DWorld:
    settings.VAR_DIR = tmp_path
    mine, other = build_world(system_scope)
    users = {
        "admin": make_user("district_admin", DISTRICT, username="d_admin"),
        "officer": make_user("subdistrict_officer", SUBDISTRICT, username="d_officer"),
        "town_officer": make_user("subdistrict_officer", TOWN, username="d_town"),
        "worker": make_user("community_worker", COMMUNITY, username="d_worker"),
        "viewer": make_user("community_viewer", COMMUNITY, username="d_viewer"),
        "sibling": make_user("community_worker", SIBLING, username="d_sibling"),
    }
    return DWorld(
        mine=mine,
        other=other,
        today=timezone.localdate(),
        users=users,
        scopes={k: scope_of(u) for k, u in users.items()},
    )


def sent_at(day: dt.date) -> dt.datetime:
    """A moment of `day` that has passed: local noon, or a minute ago today."""
    if day >= timezone.localdate():
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return max(start, timezone.now() - dt.timedelta(minutes=1))
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def arrivals(
    community: str,
    day: dt.date,
    n: int = 1,
    *,
    classification: str = "high",
    verified: bool = False,
) -> list[ArrivalReport]:
    """`n` arrival reports sent on `day` to `community`, waiting unless verified (then
    verified the moment they were sent)."""
    made = []
    for _ in range(n):
        serial = next(_serial)
        at = sent_at(day)
        made.append(
            ArrivalReport.objects.create(
                jurisdiction_code=community,
                community_code=community,
                receipt=f"D{serial:07d}",
                name=f"返乡{serial}",
                id_number=f"4101061990{serial:08d}",
                id_last4=f"{serial:04d}"[-4:],
                phone="13800000000",
                origin_code="310101",
                origin_name="上海市黄浦区",
                arrival_date=day,
                travel_mode="train",
                compound_name="金华小区",
                room="501",
                address="金华小区3号楼2单元501",
                classification=classification,
                classified_at=at,
                status="verified" if verified else "waiting",
                submitted_at=at,
                verified_at=at if verified else None,
                outcome="confirmed" if verified else "",
            )
        )
    return made
