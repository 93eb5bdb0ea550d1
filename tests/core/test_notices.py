"""Notices for staff: addressed to a jurisdiction and everyone below it, shown on the
home page of the accounts there."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.core.notices import notices_for, notify_staff
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT


@pytest.fixture
def notices(db: Any) -> dict[str, int]:
    return {
        code: notify_staff(jurisdiction_code=code, title=f"给{code}", body="正文", link="/x/").pk
        for code in (DISTRICT, SUBDISTRICT, COMMUNITY, SIBLING, GRID)
    }


@pytest.mark.parametrize(
    ("code", "seen"),
    [
        (DISTRICT, [DISTRICT]),
        (SUBDISTRICT, [SUBDISTRICT, DISTRICT]),
        (COMMUNITY, [COMMUNITY, SUBDISTRICT, DISTRICT]),
        (GRID, [GRID, COMMUNITY, SUBDISTRICT, DISTRICT]),
        (SIBLING, [SIBLING, SUBDISTRICT, DISTRICT]),
    ],
)
def test_a_notice_reaches_its_jurisdiction_and_everyone_below(
    notices: dict[str, int], code: str, seen: list[str]
) -> None:
    scope = Scope.for_user(actor_id=1, actor_name="x", code=code, perms=[])
    assert [n.pk for n in notices_for(scope=scope)] == [notices[c] for c in seen]


def test_newest_first_and_limited(db: Any) -> None:
    for n in range(12):
        notify_staff(jurisdiction_code=DISTRICT, title=f"第{n}条")
    scope = Scope.system(reason="tests", code=COMMUNITY)
    assert [n.title for n in notices_for(scope=scope, limit=3)] == ["第11条", "第10条", "第9条"]


def test_a_notice_needs_a_code(db: Any) -> None:
    with pytest.raises(ValueError):
        notify_staff(jurisdiction_code="", title="x")


def test_the_home_page_shows_the_notices(
    notices: dict[str, int], make_user: Callable[..., User]
) -> None:
    client = Client()
    client.force_login(make_user("community_worker", SIBLING))
    page = client.get("/").content.decode()
    shown = [int(pk) for pk in re.findall(r'data-notice="(\d+)"', page)]
    assert shown == [notices[SIBLING], notices[SUBDISTRICT], notices[DISTRICT]]
    assert 'href="/x/"' in page and "正文" in page
