"""The field demo on a small demo district: cards for the elderly of one compound, a
door-to-door team's tasks, some closed, a text to the compound's not yet sampled; a
second run adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.messaging.models import MessageBatch, MessageLog
from fangkong.registry.demo import demo_load
from fangkong.registry.models import Compound
from fangkong.testing.campaigns import selectors as campaign_selectors
from fangkong.testing.campaigns import services as campaigns
from fangkong.testing.field import demo
from fangkong.testing.models import Card, HomeTask, SamplingSite
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
    # The text went to exactly the not yet sampled of the compound who have a phone.
    batch = MessageBatch.objects.get()
    assert (batch.audience, batch.status, batch.created_by_name) == (
        "testing.unsampled",
        "done",
        "王建华",
    )
    unsampled = list(
        campaign_selectors.people(
            scope=system,
            campaign=campaign,
            filters=campaign_selectors.PeopleFilters(compound=int(batch.params["compound"])),
        ).select_related("person")
    )
    with_phone = {t.person_id for t in unsampled if t.person.phone}
    assert with_phone
    logs = MessageLog.objects.filter(batch=batch)
    assert set(logs.values_list("person_id", flat=True)) == with_phone
    assert (batch.total, batch.sent, batch.no_phone) == (
        len(unsampled),
        len(with_phone),
        len(unsampled) - len(with_phone),
    )
    compound = Compound.objects.get(pk=int(batch.params["compound"]))
    site = SamplingSite.objects.get(pk=int(batch.params["site"]))
    assert (site.kind, site.is_active) == ("fixed", True)
    assert said[-1] == (
        f"Texts: {len(with_phone)} of the not yet sampled of {compound.name} asked to come "
        f"to {site.name} ({len(unsampled) - len(with_phone)} without a phone)."
    )
    counted = (Card, HomeTask, AuditEntry, MessageBatch, MessageLog)
    before = [model.objects.count() for model in counted]
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert [model.objects.count() for model in counted] == before
    assert said[-1] == "Field: the door-to-door tasks are there already."
