"""Base fixtures: a district with two sibling communities in one subdistrict, and one
more community in a town, so every test can ask "and the other one must not see it".

    410106            上街区 (district)
    410106001         济源路街道 (subdistrict)
    410106001001      中安街社区        <- "community"
    410106001001001   中安街社区第一网格 <- "grid"
    410106001002      安阳路社区        <- "sibling" of community
    410106100         峡窝镇 (town)
    410106100003      金昌社区          <- "other_town_community"
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.accounts.services import roles_sync
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

DISTRICT = "410106"
SUBDISTRICT = "410106001"
COMMUNITY = "410106001001"
GRID = "410106001001001"
SIBLING = "410106001002"
TOWN = "410106100"
TOWN_COMMUNITY = "410106100003"

TREE = [
    (DISTRICT, None, "district", "district", "上街区"),
    (SUBDISTRICT, DISTRICT, "subdistrict", "subdistrict", "济源路街道"),
    (COMMUNITY, SUBDISTRICT, "community", "community", "中安街社区"),
    (GRID, COMMUNITY, "grid", "grid", "中安街社区第一网格"),
    (SIBLING, SUBDISTRICT, "community", "community", "安阳路社区"),
    (TOWN, DISTRICT, "subdistrict", "town", "峡窝镇"),
    (TOWN_COMMUNITY, TOWN, "community", "community", "金昌社区"),
]

PASSWORD = "correct-horse-battery"

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "fangkong"


def pytest_configure(config: pytest.Config) -> None:
    """Refuse to run on stale translations: pages are asserted in Chinese, and the
    browser tests' server reads the same .mo files. `make install` compiles them."""
    if hasattr(config, "workerinput"):
        return
    stale = [
        str(po.relative_to(PACKAGE.parents[1]))
        for po in PACKAGE.glob("**/locale/*/LC_MESSAGES/*.po")
        if not po.with_suffix(".mo").exists()
        or po.stat().st_mtime > po.with_suffix(".mo").stat().st_mtime
    ]
    if stale:
        raise pytest.UsageError(
            f"compiled translations are missing or older than {', '.join(stale)}: "
            "run `scripts/messages.sh` (`make install` runs it)"
        )


@pytest.fixture
def tree(db: Any) -> dict[str, Jurisdiction]:
    nodes: dict[str, Jurisdiction] = {}
    for code, parent, level, kind, name in TREE:
        nodes[code] = Jurisdiction.objects.create(
            code=code,
            jurisdiction_code=code,
            parent=nodes.get(parent) if parent else None,
            level=level,
            kind=kind,
            name=name,
            official_name=name,
        )
    roles_sync()
    return nodes


@pytest.fixture
def make_user(tree: dict[str, Jurisdiction]) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str, code: str, username: str | None = None, **extra: Any) -> User:
        counter["n"] += 1
        user = User(
            username=username or f"{role}_{counter['n']}",
            full_name=extra.pop("full_name", f"测试{counter['n']}"),
            jurisdiction=tree[code],
            jurisdiction_code=code,
            role_id=role,
            **extra,
        )
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def scope_of() -> Callable[[User], Scope]:
    def build(user: User) -> Scope:
        user = User.objects.select_related("role").get(pk=user.pk)
        scope = scope_for_user(user)
        assert scope is not None
        return scope

    return build


@pytest.fixture
def system_scope() -> Scope:
    return Scope.system(reason="tests")


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _language_restored() -> Any:
    """A request in English (a test client's language cookie) leaves English active in
    the thread; every test starts from the default language, whatever ran before."""
    from django.utils import translation

    translation.activate(settings_language())
    yield
    translation.activate(settings_language())


def settings_language() -> str:
    from django.conf import settings as django_settings

    return str(django_settings.LANGUAGE_CODE)
