"""GET /api/v1/reports/daily: the report of a jurisdiction and a day with its children;
every additive figure equals the sum of the children's; outside the scope, 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.services import token_issue
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN

from .conftest import RWorld, submitted

pytestmark = pytest.mark.django_db


def get(user: Any, query: str) -> Any:
    token, _expires = token_issue(user=user, totp=None)
    return Client().get(
        f"/api/v1/reports/daily?{query}", headers={"authorization": f"Bearer {token}"}
    )


def test_the_district_and_its_children_add_up(rw: RWorld, make_user: Any, settings: Any) -> None:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    admin = make_user("district_admin", DISTRICT, username="api_admin")
    response = get(admin, f"jurisdiction={DISTRICT}")
    assert response.status_code == 200
    body = response.json()
    assert (body["jurisdiction"], body["status"], body["version"]) == (DISTRICT, "draft", 0)
    assert body["date"] == timezone.localdate().isoformat()
    assert [c["jurisdiction"] for c in body["children"]] == [SUBDISTRICT, TOWN]
    assert body["figures"]["population.persons"] == 4
    assert "testing.rate" not in body["additive"]
    assert {"population.persons", "control.central", "testing.sampled"} <= set(body["additive"])
    for key in body["additive"]:
        assert body["figures"].get(key, 0) == sum(
            c["figures"].get(key, 0) for c in body["children"]
        ), key


def test_a_submitted_report_and_its_version(rw: RWorld) -> None:
    day = timezone.localdate() - dt.timedelta(days=1)
    submitted(rw.worker_scope, day, arrivals_added=3)
    body = get(rw.worker, f"jurisdiction={COMMUNITY}&date={day.isoformat()}").json()
    assert (body["status"], body["version"]) == ("submitted", 1)
    assert body["figures"]["arrivals.received"] == 3
    assert body["children"] == []
    # The subdistrict's live sum takes the community's report as submitted.
    up = get(rw.officer, f"jurisdiction={SUBDISTRICT}&date={day.isoformat()}").json()
    assert up["figures"]["arrivals.received"] == 3
    mine = next(c for c in up["children"] if c["jurisdiction"] == COMMUNITY)
    assert mine["status"] == "submitted"


def test_outside_the_scope_is_not_found(rw: RWorld) -> None:
    assert get(rw.worker, f"jurisdiction={SIBLING}").status_code == 404
    assert get(rw.worker, f"jurisdiction={SUBDISTRICT}").status_code == 404
    assert get(rw.worker, "jurisdiction=abc").status_code == 404
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert get(rw.worker, f"jurisdiction={COMMUNITY}&date={future}").status_code == 400
    # Without a jurisdiction: the caller's own.
    assert get(rw.worker, "").json()["jurisdiction"] == COMMUNITY
