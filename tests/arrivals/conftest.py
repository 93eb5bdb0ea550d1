"""Fixtures for the arrival tests: the base world (our community and its sibling), a
community's poster link, the risk areas of the district, a valid public submission."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone, translation

from fangkong.accounts.models import User
from fangkong.arrivals import services
from fangkong.arrivals.models import ArrivalLink
from fangkong.arrivals.views import FORM_SALT
from fangkong.core import regions
from fangkong.core.scope import Scope
from fangkong.riskareas import services as risk_services
from tests.conftest import COMMUNITY, DISTRICT, SIBLING
from tests.registry.ledgers import rid
from tests.world import Side, build_world

TODAY = timezone.localdate  # called, not frozen: the form checks dates against today
NEWCOMER_ID = rid("19880808", 31, sex="F", region="420102")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages are asserted in the English source, whatever the catalogue holds."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    settings.FANGKONG_ARRIVAL_LIMIT_PER_ADDRESS = "30/600"
    settings.FANGKONG_ARRIVAL_LIMIT_PER_ID = "5/3600"
    settings.FANGKONG_ARRIVAL_MIN_FILL_SECONDS = 3
    settings.FANGKONG_TRUSTED_PROXIES = 0


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> tuple[Side, Side]:
    return build_world(system_scope)


@pytest.fixture
def links(world: Any, system_scope: Scope) -> dict[str, ArrivalLink]:
    return services.links_ensure(scope=system_scope, community_codes=[COMMUNITY, SIBLING])


@pytest.fixture
def areas(tree: Any, system_scope: Scope) -> None:
    """江岸区 high for the last 20 days, 上海 medium for the last 10, 北京朝阳 lifted 5
    days ago (medium for 30 days before that)."""
    today = timezone.localdate()
    for code, level, start, until in [
        ("420102", "high", 20, None),
        ("31", "medium", 10, None),
        ("110105", "medium", 35, 5),
    ]:
        region = regions.get(code)
        assert region is not None
        risk_services.area_add(
            scope=system_scope,
            district=DISTRICT,
            data=risk_services.AreaInput(
                region,
                level,
                today - dt.timedelta(days=start),
                today - dt.timedelta(days=until) if until is not None else None,
            ),
        )


def started(seconds_ago: int = 30) -> str:
    return signing.dumps(int(time.time()) - seconds_ago, salt=FORM_SALT)


def form_data(world: Any = None, **overrides: Any) -> dict[str, Any]:
    """A valid report for our community (金华小区 3号楼 2单元 501)."""
    mine = world[0] if world else None
    data: dict[str, Any] = {
        "name": "韩雪梅",
        "id_number": NEWCOMER_ID,
        "phone": "139 1234 5678",
        "origin": "湖北省武汉市江岸区",
        "origin_code": "",
        "arrival_date": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "travel_mode": "train",
        "travel_number": "g1234",
        "companions_count": "1",
        "companions": "女儿",
        "compound": str(mine.compound.pk) if mine else "other",
        "compound_other": "" if mine else "新小区",
        "building": "3",
        "unit": "2",
        "room": "502",
        "symptoms": ["none"],
        "temperature": "36.5",
        "truthful": "on",
        "website": "",
        "started": started(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def resident() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def login(make_user: Callable[..., User]) -> Callable[..., Client]:
    def client_for(role: str, code: str, **extra: Any) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(make_user(role, code, **extra))
        return client

    return client_for
