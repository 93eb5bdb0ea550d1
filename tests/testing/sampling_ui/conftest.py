"""The sampling pages' world, on top of `tw` (tests/testing/conftest.py): the
subdistrict's officer (manages sites), the community's worker (reads them) and a site of
the town next door that none of them may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.testing.models import SamplingSite
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, SUBDISTRICT, TOWN_COMMUNITY

from ..conftest import TWorld


@dataclass
class SWorld:
    tw: TWorld
    officer: Client  # subdistrict officer: TESTING_MANAGE
    worker: Client  # community worker: TESTING_VIEW only
    town_site: SamplingSite


@pytest.fixture(autouse=True)
def _no_totp(settings: Any) -> None:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()


@pytest.fixture
def sw(tw: TWorld, make_user: Callable[..., User]) -> SWorld:
    officer = Client()
    officer.force_login(make_user("subdistrict_officer", SUBDISTRICT, username="s_officer"))
    worker = Client()
    worker.force_login(make_user("community_worker", COMMUNITY, username="s_worker"))
    town_site = sampling.site_create(
        scope=tw.officer_scope, jurisdiction_code=TOWN_COMMUNITY, name="隔壁金昌社区采样点"
    )
    return SWorld(tw=tw, officer=officer, worker=worker, town_site=town_site)
