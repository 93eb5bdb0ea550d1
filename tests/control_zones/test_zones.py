"""Zones: marking, residents, lifting (signed and locked), counts per kind and day, and
the page's guarded link to the orders area."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.control.models import ControlZone
from fangkong.control.zones import selectors, services, views
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, SIBLING, SUBDISTRICT

from .conftest import Places

pytestmark = pytest.mark.usefixtures("english")

TODAY = dt.date(2026, 3, 10)


def _zone(scope: Scope, places: Places, kind: str = "sealed", **extra: Any) -> ControlZone:
    fields: dict[str, Any] = {
        "compound": places.mine.compound,
        "kind": kind,
        "starts_on": TODAY,
        "planned_end": TODAY + dt.timedelta(days=7),
        "reason": "出现确诊病例",
    }
    fields.update(extra)
    return services.zone_create(scope=scope, **fields)


def test_a_whole_compound_and_its_active_residents(
    places: Places, scopes: dict[str, Scope]
) -> None:
    zone = _zone(scopes["officer"], places)
    assert (zone.jurisdiction_code, zone.created_by_name, zone.status) == (
        COMMUNITY,
        "officer人",
        "active",
    )
    names = [p.name for p in selectors.residents(scope=scopes["worker"], zone=zone)]
    assert sorted(names) == ["张三", "李梅", "赵强"]  # 钱多 moved out
    counts = selectors.resident_counts(scope=scopes["worker"], zone=zone)
    assert (counts.households, counts.persons) == (2, 3)


def test_some_buildings_only(places: Places, scopes: dict[str, Scope]) -> None:
    zone = _zone(scopes["officer"], places, buildings=[places.five])
    assert [p.name for p in selectors.residents(scope=scopes["officer"], zone=zone)] == ["赵强"]
    other_building = places.other.building
    with pytest.raises(NotFound):
        _zone(scopes["admin"], places, buildings=[other_building])


def test_who_may_mark_a_zone(places: Places, scopes: dict[str, Scope]) -> None:
    with pytest.raises(PermissionDenied):
        _zone(scopes["worker"], places)
    with pytest.raises(NotFound):
        _zone(scopes["town_officer"], places)
    with pytest.raises(ApplicationError) as exc:
        _zone(scopes["officer"], places, planned_end=TODAY - dt.timedelta(days=1))
    assert exc.value.errors[0].field == "planned_end"
    with pytest.raises(ApplicationError) as exc:
        _zone(scopes["officer"], places, reason=" ")
    assert exc.value.errors[0].field == "reason"
    assert ControlZone.objects.count() == 0


def test_lifting_is_signed_and_locks_the_zone(places: Places, scopes: dict[str, Scope]) -> None:
    zone = _zone(scopes["officer"], places)
    with pytest.raises(PermissionDenied):
        services.zone_lift(scope=scopes["worker"], zone=zone, reason="解封")
    services.zone_lift(scope=scopes["officer"], zone=zone, reason="连续14天无新增")
    zone.refresh_from_db()
    assert (zone.status, zone.lifted_by_name, zone.lift_reason) == (
        "lifted",
        "officer人",
        "连续14天无新增",
    )
    assert zone.lifted_at is not None
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        services.zone_lift(scope=scopes["admin"], zone=zone, reason="再次")
    with pytest.raises(ApplicationError, match="can no longer be changed"):
        services.zone_set_planned_end(
            scope=scopes["admin"], zone=zone, planned_end=None, reason="延长"
        )
    # The database refuses a lifted zone without a signature.
    other = _zone(scopes["officer"], places, kind="controlled")
    with pytest.raises(IntegrityError), transaction.atomic():
        ControlZone.objects.filter(pk=other.pk).update(status="lifted")


def test_counts_per_kind_and_day_the_stricter_wins(
    places: Places, scopes: dict[str, Scope]
) -> None:
    officer = scopes["officer"]
    _zone(officer, places, kind="controlled")  # the whole compound
    sealed = _zone(officer, places, kind="sealed", buildings=[places.five])
    services.zone_create(
        scope=officer,
        compound=places.other.compound,
        kind="precaution",
        starts_on=TODAY + dt.timedelta(days=1),
        planned_end=None,
        reason="周边防范",
    )
    rows = selectors.zone_counts(scope=officer, code=SUBDISTRICT, day=TODAY)
    by_code = {r["code"]: (r["sealed"], r["controlled"], r["precaution"]) for r in rows}
    assert by_code == {COMMUNITY: (1, 2, 0), SIBLING: (0, 0, 0), SUBDISTRICT: (1, 2, 0)}
    later = {
        r["code"]: (r["sealed"], r["controlled"], r["precaution"])
        for r in selectors.zone_counts(
            scope=officer, code=SUBDISTRICT, day=TODAY + dt.timedelta(days=1)
        )
    }
    assert later[SIBLING] == (0, 0, 2)
    assert [
        r["sealed"] + r["controlled"]
        for r in selectors.zone_counts(
            scope=officer, code=SUBDISTRICT, day=TODAY - dt.timedelta(days=1)
        )
    ] == [0, 0, 0]
    # Lifted today: not in force today, still counted for the days before.
    services.zone_lift(scope=officer, zone=sealed, reason="解封")
    today = timezone.localdate()
    lifted_day = {
        r["code"]: r["sealed"]
        for r in selectors.zone_counts(scope=officer, code=SUBDISTRICT, day=today)
    }
    assert lifted_day[COMMUNITY] == 0
    before = {
        r["code"]: r["sealed"]
        for r in selectors.zone_counts(
            scope=officer, code=SUBDISTRICT, day=today - dt.timedelta(days=1)
        )
    }
    assert before[COMMUNITY] == (1 if today - dt.timedelta(days=1) >= TODAY else 0)
    # The sibling's worker sees none of our residents.
    assert (
        selectors.zone_counts(scope=scopes["sibling"], code=SIBLING, day=TODAY)[-1]["controlled"]
        == 0
    )


def test_the_propose_link_is_left_out_while_the_orders_page_is_missing(
    places: Places, scopes: dict[str, Scope], settings: Any
) -> None:
    zone = _zone(scopes["officer"], places)
    try:
        expected: str | None = reverse("control:orders_propose_zone", args=[zone.pk])
    except Exception:
        expected = None
    assert views.propose_url(zone) == expected
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    client = Client()
    client.force_login(User.objects.get(username="officer"))
    response = client.get(reverse("control:zones_detail", args=[zone.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert ("propose-orders" in body) == (expected is not None)
    assert "足不出户" in body and "赵强" in body
