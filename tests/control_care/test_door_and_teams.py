"""Door sensors and their API, door seals, care teams and assignments, the public list."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.accounts.services import token_issue
from fangkong.control.care import selectors, services
from fangkong.control.models import (
    Alert,
    DoorSeal,
    DoorSensor,
    DoorSensorEvent,
    FollowUp,
    Measure,
    OrderEvent,
)
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.registry import services as registry_services
from tests.conftest import COMMUNITY, GRID, SIBLING

from .conftest import CareWorld

URL = "/api/v1/control/door-events"


def _post(token: str | None, body: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(URL, json.dumps(body), content_type="application/json", **headers)


def _now_iso(minutes: int = 0) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def officer(make_user: Any, scope_of: Any) -> Any:
    return scope_of(make_user("community_worker", COMMUNITY, full_name="社区李"))


def test_a_sensor_token_is_shown_once_and_only_its_hash_is_kept(
    care: CareWorld, officer: Any
) -> None:
    _sensor, token = services.sensor_register(
        scope=officer, household=care.mine.household, serial="MC-0001"
    )
    assert token.startswith("fkd_") and len(token) > 40
    stored = DoorSensor.objects.get()
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(list(DoorSensor.objects.values()), default=str)
    assert (stored.jurisdiction_code, stored.household_id) == (COMMUNITY, care.mine.household.pk)
    with pytest.raises(ApplicationError) as caught:
        services.sensor_register(scope=officer, household=care.mine.household, serial="MC-0001")
    assert caught.value.errors[0].field == "serial"
    with pytest.raises(NotFound):
        services.sensor_register(scope=officer, household=care.other.household, serial="MC-0002")


def test_an_open_door_during_home_quarantine_alerts_the_team_in_the_request(
    care: CareWorld,
    officer: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.VAR_DIR = tmp_path
    order = care.make_order(care.mine.person)
    team = services.team_create(scope=officer, jurisdiction_code=COMMUNITY, name="金华专班")
    services.member_add(
        scope=officer, team=team, role="grid_worker", name="刘网格", phone="13600000001"
    )
    services.member_add(scope=officer, team=team, role="police", name="赵民警", phone="13600000002")
    services.team_assign(scope=officer, team=team, order=order)
    _sensor, token = services.sensor_register(
        scope=officer, household=care.mine.household, serial="MC-1"
    )
    body = {
        "events": [
            {"event_id": "e1", "kind": "heartbeat", "at": _now_iso(3)},
            {"event_id": "e2", "kind": "open", "at": _now_iso(2)},
            {"event_id": "e3", "kind": "close", "at": _now_iso(1)},
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(token, body)
    assert first.status_code == 200, first.content
    answer = first.json()
    assert answer == {
        "sensor": "MC-1",
        "received": 3,
        "events": [
            {"event_id": "e1", "kind": "heartbeat", "alerting": False},
            {"event_id": "e2", "kind": "open", "alerting": True},
            {"event_id": "e3", "kind": "close", "alerting": False},
        ],
    }
    alert = Alert.objects.get()
    assert (alert.kind, alert.order_id, alert.level, alert.status) == (
        "door_open",
        order.pk,
        1,
        "open",
    )
    assert DoorSensorEvent.objects.filter(order=order).count() == 3
    sent = [json.loads(x) for x in (tmp_path / "sms" / "outbox.jsonl").read_text().splitlines()]
    assert sorted(m["phone"] for m in sent) == ["13600000001", "13600000002"]
    assert "MC-1" in sent[0]["text"]
    # The same batch again: the same answer, nothing doubled, nobody told twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = _post(token, body)
    assert again.json() == answer
    assert DoorSensorEvent.objects.count() == 3 and Alert.objects.count() == 1
    assert len((tmp_path / "sms" / "outbox.jsonl").read_text().splitlines()) == 2
    # Another open while the alert is open joins it.
    _post(token, {"events": [{"event_id": "e4", "kind": "open", "at": _now_iso()}]})
    assert Alert.objects.count() == 1 and DoorSensorEvent.objects.count() == 4


def test_no_alert_without_home_quarantine_that_day(care: CareWorld, officer: Any) -> None:
    today = timezone.localdate()
    # Home health monitoring only: going out is allowed.
    care.make_order(care.mine.person, [(Measure.HOME_MONITORING, today, today)])
    _sensor, token = services.sensor_register(
        scope=officer, household=care.mine.household, serial="MC-2"
    )
    response = _post(token, {"events": [{"event_id": "x", "kind": "open", "at": _now_iso()}]})
    assert response.json()["events"] == [{"event_id": "x", "kind": "open", "alerting": False}]
    assert Alert.objects.count() == 0
    assert DoorSensorEvent.objects.get().order_id is None


def test_tokens_do_not_cross(care: CareWorld, officer: Any, make_user: Any) -> None:
    sensor, token = services.sensor_register(
        scope=officer, household=care.mine.household, serial="MC-3"
    )
    body = {"events": [{"event_id": "a", "kind": "open", "at": _now_iso()}]}
    user = make_user("community_worker", COMMUNITY, username="api_user")
    user_token, _ = token_issue(user=user, totp=None)
    for bad in (None, user_token, "fkd_forged", token + "x"):
        response = _post(bad, body)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_authenticated"
    # The sensor's token opens nothing else.
    other = Client().get("/api/v1/persons?q=", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert other.status_code == 401
    services.sensor_revoke(scope=officer, sensor=sensor)
    assert _post(token, body).status_code == 401
    assert DoorSensorEvent.objects.count() == 0


def test_a_bad_batch_is_a_problem(care: CareWorld, officer: Any) -> None:
    _sensor, token = services.sensor_register(
        scope=officer, household=care.mine.household, serial="MC-4"
    )
    response = _post(token, {"events": [{"event_id": "a", "kind": "smoke", "at": "yesterday"}]})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"payload.events.0.kind", "payload.events.0.at"}
    too_many = {
        "events": [{"event_id": str(i), "kind": "heartbeat", "at": _now_iso()} for i in range(501)]
    }
    assert _post(token, too_many).status_code == 422
    assert DoorSensorEvent.objects.count() == 0


def test_seal_on_and_off_are_order_events(care: CareWorld, officer: Any) -> None:
    order = care.make_order(care.mine.person)
    seal = services.seal_put(scope=officer, order=order, note="门口贴封条")
    assert (seal.sealed_by_name, seal.household_id) == ("社区李", care.mine.household.pk)
    with pytest.raises(ApplicationError, match="已张贴封条"):
        services.seal_put(scope=officer, order=order)
    services.seal_remove(scope=officer, order=order)
    assert DoorSeal.objects.get().removed_by_name == "社区李"
    assert list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True)) == [
        "sealed",
        "unsealed",
    ]


def test_teams_assignment_one_and_in_bulk(care: CareWorld, officer: Any, system_scope: Any) -> None:
    today = timezone.localdate()
    zhang = care.make_order(care.mine.person)
    li = care.make_order(care.mine.housemate)
    services.generate_followups(day=today)
    grid_team = services.team_create(scope=officer, jurisdiction_code=GRID, name="一网格专班")
    team = services.team_create(scope=officer, jurisdiction_code=COMMUNITY, name="社区专班")
    with pytest.raises(NotFound):
        services.team_create(scope=officer, jurisdiction_code=SIBLING, name="别人的")
    services.team_assign(scope=officer, team=team, order=zhang)
    with pytest.raises(ApplicationError):
        services.team_assign(scope=officer, team=team, order=zhang)
    # The people live in the community, not in the grid: nothing for the grid's team.
    assert services.team_assign_unassigned(scope=officer, team=grid_team) == 0
    assert services.team_assign_unassigned(scope=officer, team=team) == 1
    assert set(FollowUp.objects.values_list("care_team_id", flat=True)) == {team.pk}
    events = OrderEvent.objects.filter(kind="care_team").order_by("order_id")
    assert [(e.order_id, e.data["team"]) for e in events] == [(zhang.pk, team.pk), (li.pk, team.pk)]
    assert [t.order_count for t in selectors.teams(scope=system_scope) if t.pk == team.pk] == [2]


def test_a_member_sees_their_teams_people(
    care: CareWorld, officer: Any, make_user: Any, scope_of: Any
) -> None:
    today = timezone.localdate()
    zhang = care.make_order(care.mine.person)
    care.make_order(care.mine.housemate)
    services.generate_followups(day=today)
    # A grid worker on the community's team: the team's people live outside the grid.
    member_user = make_user("grid_worker", GRID, username="liu")
    outsider = scope_of(make_user("grid_worker", GRID, username="yang"))
    team = services.team_create(scope=officer, jurisdiction_code=COMMUNITY, name="专班")
    services.member_add(scope=officer, team=team, role="grid_worker", name="刘", user=member_user)
    services.team_assign(scope=officer, team=team, order=zhang)
    liu = scope_of(member_user)
    assert selectors.my_team_ids(scope=liu) == [team.pk]
    mine = selectors.followups(scope=liu, day=today, team_ids=selectors.my_team_ids(scope=liu))
    assert [f.order_id for f in mine] == [zhang.pk]
    slot = selectors.followup_get(scope=liu, pk=mine[0].pk)
    assert services.followup_record(scope=liu, followup=slot, temperature="36.4").status == "done"
    assert list(selectors.followups(scope=outsider, day=today)) == []
    with pytest.raises(NotFound):
        selectors.followup_get(scope=outsider, pk=slot.pk)
    with pytest.raises(NotFound):
        services.followup_record(
            scope=outsider, followup=FollowUp.objects.get(order=zhang, slot=2), temperature="36.4"
        )
    with pytest.raises(ApplicationError):  # an account of another community
        services.member_add(
            scope=officer,
            team=team,
            role="police",
            name="隔壁",
            user=make_user("community_worker", SIBLING),
        )


def test_the_public_list_masks_names_and_shows_no_numbers(
    care: CareWorld, system_scope: Any
) -> None:
    today = timezone.localdate()
    care.make_order(care.mine.person)
    care.make_order(care.mine.housemate)
    flat = registry_services.household_create(
        scope=system_scope,
        compound=care.mine.compound,
        building=care.mine.building,
        unit=care.mine.unit,
        room="1201",
    )
    chen = registry_services.person_create(
        scope=system_scope, household=flat, name="陈刚强", phone="13612345678"
    )
    care.make_order(
        chen,
        [(Measure.HOME_MONITORING, today - dt.timedelta(days=2), today + dt.timedelta(days=1))],
    )
    care.make_order(care.other.person)  # another compound
    compound, rows = selectors.public_list(
        scope=system_scope, compound_pk=care.mine.compound.pk, day=today
    )
    assert compound.name == "金华小区"
    assert [(r.building, r.unit, r.room, r.names, r.measure) for r in rows] == [
        ("3号楼", "2单元", "501", ["张*", "李*"], "居家隔离"),
        ("3号楼", "2单元", "1201", ["陈**"], "居家健康监测"),
    ]
    assert (rows[1].starts_on, rows[1].ends_on) == (
        today - dt.timedelta(days=2),
        today + dt.timedelta(days=1),
    )
