"""The demo's help requests: in both demo communities, in every state, loaded once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from fangkong.core.audit import verify_chain
from fangkong.registry import demo as registry_demo
from fangkong.support import demo as support_demo
from fangkong.support.models import ServiceRequest

DISTRICT = "410106"


@pytest.fixture
def loaded(db: Any) -> list[str]:
    said: list[str] = []
    registry_demo.demo_load(persons=600, seed=1, district=DISTRICT)
    support_demo.load(district=DISTRICT, seed=1, say=said.append)
    return said


def test_the_demo_has_requests_in_every_state(loaded: list[str]) -> None:
    assert loaded == ["Help requests: 9 in the demo communities."]
    found = ServiceRequest.objects.all()
    assert Counter(r.community_code for r in found) == {"410106001001": 7, "410106100003": 2}
    assert Counter(r.status for r in found) == {"new": 4, "taken": 1, "done": 3, "cancelled": 1}
    assert Counter(r.channel for r in found) == {"resident": 8, "staff": 1}
    mine = found.filter(community_code="410106001001")
    assert {r.taken_by_name for r in mine if r.status in ("taken", "done")} == {"张晓燕"}
    assert all(r.note for r in found if r.status == "done")
    assert verify_chain().ok


def test_a_second_run_adds_nothing(loaded: list[str]) -> None:
    before = list(ServiceRequest.objects.order_by("id").values_list("id", "status"))
    said: list[str] = []
    support_demo.load(district=DISTRICT, seed=1, say=said.append)
    assert said == ["Help requests: the demo requests are there already."]
    assert list(ServiceRequest.objects.order_by("id").values_list("id", "status")) == before
