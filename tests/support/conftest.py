"""Fixtures of the help requests: the base world and staff of each kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fangkong.accounts.models import User
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, SIBLING, SUBDISTRICT
from tests.world import Side, build_world


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Any) -> None:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    settings.VAR_DIR = tmp_path


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> tuple[Side, Side]:
    return build_world(system_scope)


@pytest.fixture
def staff(
    world: Any, make_user: Callable[..., User], scope_of: Callable[[User], Scope]
) -> dict[str, tuple[User, Scope]]:
    made = {
        "worker": make_user("community_worker", COMMUNITY, full_name="王社工"),
        "viewer": make_user("community_viewer", COMMUNITY, full_name="陈查看"),
        "sibling": make_user("community_worker", SIBLING, full_name="隔壁社工"),
        "officer": make_user("subdistrict_officer", SUBDISTRICT, full_name="街道干部"),
    }
    return {key: (user, scope_of(user)) for key, user in made.items()}
