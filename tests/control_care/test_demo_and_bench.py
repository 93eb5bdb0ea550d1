"""The care demo on a small demo district, and the benchmark at a small size."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from fangkong.control.care import demo
from fangkong.control.models import (
    Alert,
    CareTeam,
    CareTeamMember,
    ControlOrder,
    DoorSensorEvent,
    FollowUp,
    TransferTask,
)
from fangkong.registry.demo import demo_load
from fangkong.registry.models import Person

from .conftest import CareWorld

DISTRICT = "410106"


@pytest.fixture
def district(db: Any) -> str:
    demo_load(persons=1500, seed=1, district=DISTRICT)
    return DISTRICT


def test_the_demo_without_orders_makes_only_teams(district: str) -> None:
    said: list[str] = []
    demo.load(district=district, seed=1, say=said.append)
    communities = Person.objects.values("community_code").distinct().count()
    assert CareTeam.objects.count() == communities
    assert CareTeamMember.objects.count() == 5 * communities
    assert FollowUp.objects.count() == 0
    assert said == [f"Care: {communities} care teams; no orders in force to look after."]
    demo.load(district=district, seed=1, say=said.append)
    assert CareTeam.objects.count() == communities
    assert said[-1] == "Care: the demo care teams are there already."


def test_the_demo_looks_after_the_orders_in_force(care: CareWorld) -> None:
    care.make_order(care.mine.person)
    care.make_order(care.mine.housemate)
    care.make_order(care.other.person)
    said: list[str] = []
    demo.load(district=DISTRICT, seed=3, say=said.append)
    assert ControlOrder.objects.filter(care_team__isnull=True).count() == 0
    today = timezone.localdate()
    assert FollowUp.objects.filter(day=today).count() == 6
    assert FollowUp.objects.filter(day=today, status="done").count() == 2  # one in four left
    assert Alert.objects.filter(kind="fever").count() == 1
    assert TransferTask.objects.count() == 1
    overdue = Alert.objects.get(kind="followup_overdue")
    assert overdue.level == 3 and overdue.escalated_at is not None
    assert Alert.objects.filter(kind="door_open").count() == 1
    assert DoorSensorEvent.objects.count() == 3
    counts = (CareTeam.objects.count(), FollowUp.objects.count(), Alert.objects.count())
    demo.load(district=DISTRICT, seed=3, say=said.append)
    assert (CareTeam.objects.count(), FollowUp.objects.count(), Alert.objects.count()) == counts


def test_the_benchmark(district: str) -> None:
    out = io.StringIO()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("bench", "control", "--orders", "200", "--persons", "1500", stdout=out)
        return
    call_command("bench", "control", "--orders", "200", "--persons", "1500", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["bench"], result["orders"], result["persons"]) == ("control", 200, 1500)
    # Every order is followed today (7+3 phases starting 0-4 days ago), twice.
    assert result["followups"] == 400 and result["followups_repeat_rows"] == 0
    assert result["board_people"] == 200
    assert result["followup_lists_s"] > 0 and result["board_s"] > 0
    assert ControlOrder.objects.count() == 0 and CareTeam.objects.count() == 0
