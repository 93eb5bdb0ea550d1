"""The mass-testing tests' world: the shared small registry, a district officer, an
opened campaign over the district, a fixed site of the community with a device.

    中安街社区 (COMMUNITY)  金华小区3号楼2单元501: 张三 (户主, ID_ZHANG) and 李梅 (配偶)
    安阳路社区 (SIBLING)     隔壁花园3号楼2单元501: 隔壁王五 (ID_WANG) and 隔壁赵六

The areas' tests add their own fixtures in their own directories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.scope import Scope
from fangkong.testing.campaigns import services as campaigns
from fangkong.testing.models import Campaign, Device, SamplingSite
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, DISTRICT
from tests.world import Side, build_world


@dataclass
class TWorld:
    mine: Side
    other: Side
    officer: User  # district administrator
    officer_scope: Scope
    campaign: Campaign
    site: SamplingSite
    device: Device
    token: str  # the device's bearer token
    new_campaign: Callable[..., Campaign]


def open_campaign(
    scope: Scope, capture: Any, *, name: str = "第一轮全员核酸检测", **extra: Any
) -> Campaign:
    """Create and open a campaign (huey runs in-process in tests: the target population
    is materialised when the transaction commits; `capture` is pytest-django's
    django_capture_on_commit_callbacks)."""
    now = timezone.now()
    campaign = campaigns.campaign_create(
        scope=scope,
        name=name,
        scope_codes=extra.pop("scope_codes", []),
        starts_at=extra.pop("starts_at", now - dt.timedelta(hours=1)),
        ends_at=extra.pop("ends_at", now + dt.timedelta(hours=12)),
        **extra,
    )
    with capture(execute=True):
        campaigns.campaign_open(scope=scope, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN, campaign.status
    return campaign


@pytest.fixture
def tw(
    tree: Any,
    make_user: Callable[..., User],
    scope_of: Callable[[User], Scope],
    system_scope: Scope,
    django_capture_on_commit_callbacks: Any,
) -> TWorld:
    mine, other = build_world(system_scope)
    officer = make_user("district_admin", DISTRICT, username="testing_officer")
    scope = scope_of(officer)
    campaign = open_campaign(scope, django_capture_on_commit_callbacks)
    site = sampling.site_create(
        scope=scope, jurisdiction_code=COMMUNITY, name="中安街社区广场采样点"
    )
    device, token = sampling.device_create(scope=scope, site=site, name="扫码枪1")
    return TWorld(
        mine=mine,
        other=other,
        officer=officer,
        officer_scope=scope,
        campaign=campaign,
        site=site,
        device=device,
        token=token,
        new_campaign=lambda **kw: open_campaign(scope, django_capture_on_commit_callbacks, **kw),
    )


@pytest.fixture
def _sqlite_audit_flushable() -> Any:
    """A transactional test empties the tables afterwards: PostgreSQL with TRUNCATE (no
    row trigger fires), SQLite with DELETE, which the audit log's trigger refuses; lift
    the trigger for that moment only."""
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
            cursor.execute("DELETE FROM core_auditentry")
            cursor.execute(
                "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
            )
