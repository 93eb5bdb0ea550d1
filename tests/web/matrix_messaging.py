"""Texts to residents in the scope matrix (tests/web/matrix.py): a batch of our
community that ended with one failed message (retry), sent to 张三 (not yet sampled in a
round of its own). Only the roles that
text residents (MESSAGE_SEND: community workers, subdistrict officers, the district) see
the pages; the community viewer does not. The provider's receipts endpoint answers to the
provider's token only: DEVICE_API_ROUTES (tests/messaging/ tests it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.core.scope import Scope
from fangkong.messaging.models import MessageBatch, MessageLog
from fangkong.testing.campaigns import services as campaigns
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, SUBDISTRICT
from tests.web.matrix import Route, World, post

DEVICE_API_ROUTES = {("POST", "/receipts")}


def _batch(w: World) -> dict[str, Any]:
    return {"pk": w.extra["messaging"].pk}


ROUTES = [
    Route("messaging:batches", is_object=False),
    Route("messaging:new", kwargs=lambda w: {"audience": "control.released"}, is_object=False),
    Route(
        "messaging:new",
        kwargs=lambda w: {"audience": "control.released"},
        data=lambda w: {
            "day": timezone.localdate().isoformat(),
            "text": "{name}您好，您的管控措施已于{day}解除。",
            "confirm": "1",
        },
        is_object=False,
        **post(),
    ),
    Route("messaging:batch", kwargs=_batch),
    Route("messaging:export", kwargs=_batch),
    Route("messaging:retry", kwargs=_batch, **post()),
]


def extend(world: World, system_scope: Scope) -> None:
    # A round of our community open now, 张三 not sampled: still in the batch's audience,
    # so that the retry sends his failed message again.
    office = Scope.system(reason="scope matrix: a round to text about", code=SUBDISTRICT)
    now = timezone.now()
    campaign = campaigns.campaign_create(
        scope=office,
        name="中安街社区短信轮次",
        scope_codes=[COMMUNITY],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
    )
    campaigns.run_materialise_job(campaigns.campaign_open(scope=office, campaign=campaign).pk)
    site = sampling.site_create(scope=office, jurisdiction_code=COMMUNITY, name="短信采样点")
    batch = MessageBatch.objects.create(
        kind="testing.unsampled",
        audience="testing.unsampled",
        params={
            "campaign": str(campaign.pk),
            "compound": str(world.mine.compound.pk),
            "site": str(site.pk),
        },
        office_code=SUBDISTRICT,
        text="【防控】张*您好，请今天到金华小区门口采样。",
        jurisdiction_code=COMMUNITY,
        status=MessageBatch.Status.DONE,
        total=1,
        done=1,
        failed=1,
        created_by_name="张晓燕",
    )
    MessageLog.objects.create(
        batch=batch,
        kind="testing.unsampled",
        person_id=world.mine.person.pk,
        phone=world.mine.person.phone,
        jurisdiction_code=world.mine.person.jurisdiction_code,
        day=timezone.localdate(),
        text=batch.text,
        status=MessageLog.Status.FAILED,
        message_id="matrix-message-1",
        queued_at=timezone.now(),
        error="the gateway answered 500",
    )
    world.extra["messaging"] = batch
