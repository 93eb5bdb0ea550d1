"""The field demo on a small demo district: cards for the elderly of one compound, a
door-to-door team's tasks, some closed; a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.registry.demo import demo_load
from fangkong.testing.campaigns import services as campaigns
from fangkong.testing.field import demo
from fangkong.testing.models import Card, HomeTask
from fangkong.testing.sampling import demo as sampling_demo

DISTRICT = "410106"


def test_the_demo_is_idempotent(db: Any) -> None:
    demo_load(persons=600, seed=1, district=DISTRICT)
    system = Scope.system(reason="test: the field demo", code=DISTRICT)
    now = timezone.now()
    campaign = campaigns.campaign_create(
        scope=system,
        name="第一轮",
        scope_codes=[],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
    )
    campaigns.campaign_open(scope=system, campaign=campaign)
    campaigns.materialise(campaign)
    sampling_demo.load(district=DISTRICT, seed=1, say=lambda _s: None)
    said: list[str] = []
    demo.load(district=DISTRICT, seed=1, say=said.append)
    cards = Card.objects.filter(voided_at__isnull=True)
    tasks = HomeTask.objects.filter(campaign=campaign)
    assert cards.count() >= 1, said
    assert tasks.count() >= 3, said
    assert tasks.exclude(status="open").count() == 3
    assert set(tasks.exclude(status="open").values_list("closed_by_name", flat=True)) == {"李秀英"}
    assert len(set(tasks.values_list("team_id", flat=True))) == 1
    before = (Card.objects.count(), HomeTask.objects.count(), AuditEntry.objects.count())
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert (Card.objects.count(), HomeTask.objects.count(), AuditEntry.objects.count()) == before
    assert said[-1] == "Field: the door-to-door tasks are there already."
