"""The sampling devices' API, mounted at /api/v1/testing/ (ADR 0018).

A site's device signs in with its own token (`SiteDeviceAuth`); a lab's device or a
staff token is refused here. `POST /scans` answers only after COMMIT: a scan answered
`stored` or `duplicate` is in the database; one never answered is sent again with the
same id and is stored once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from fangkong.core.errors import NotFound

from ..devices import SiteDeviceAuth, campaign_for, open_campaigns, touch
from ..models import Device
from ..rules import one_household_per_tube, pool_size
from . import ingest

router = Router(tags=["testing"])


class CampaignOut(Schema):
    id: int
    name: str
    ends_at: dt.datetime
    pool_size: int = Field(description="samples per tube at this site")
    one_household_per_tube: bool


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    area: str


class DeviceInfo(Schema):
    id: int
    name: str


class DeviceOut(Schema):
    device: DeviceInfo
    site: SiteOut
    server_time: dt.datetime
    campaigns: list[CampaignOut]


@router.get(
    "/device",
    auth=SiteDeviceAuth(),
    response={200: DeviceOut},
    summary="The device's site and the campaigns open for it (cached by the page offline)",
)
def device_config(request: HttpRequest) -> dict[str, Any]:
    device: Device = request.auth  # type: ignore[attr-defined]
    site = device.site
    assert site is not None
    touch(device)
    return {
        "device": {"id": device.pk, "name": device.name},
        "site": {"id": site.pk, "name": site.name, "kind": site.kind, "area": site.area},
        "server_time": timezone.now(),
        "campaigns": [
            {
                "id": c.pk,
                "name": c.name,
                "ends_at": c.ends_at,
                "pool_size": pool_size(c.rules, site.area),
                "one_household_per_tube": one_household_per_tube(c.rules, site.area),
            }
            for c in open_campaigns(site)
        ],
    }


LOOSE = 2000


class ScanIn(Schema):
    id: str = Field(min_length=8, max_length=40, description="the device's id for the scan")
    kind: Literal["open", "sample", "close", "pack", "handover", "pickup"]
    at: dt.datetime = Field(description="when it was scanned, by the device's clock")
    # Generous limits: a mis-scanned barcode is refused by the ingest, scan by scan
    # (bad_barcode, bad_id_number), never the whole batch by the schema.
    tube: str = Field("", max_length=LOOSE)
    code: str = Field("", max_length=LOOSE, description="identity number or card token")
    box: str = Field("", max_length=LOOSE)
    single: bool = False
    repeat_reason: str = Field("", max_length=LOOSE, description="kept to 200 characters")
    transporter: str = Field("", max_length=LOOSE, description="kept to 60 characters")


class ScansIn(Schema):
    campaign: int
    scans: list[ScanIn] = Field(min_length=1, max_length=ingest.MAX_SCANS)


class ScanOut(Schema):
    id: str
    status: Literal["stored", "duplicate", "rejected"]
    outcome: Literal["stored", "warned", "rejected"]
    code: str
    message: str
    tube: str
    count: int | None


class ScansOut(Schema):
    campaign: int
    results: list[ScanOut]


@router.post(
    "/scans",
    auth=SiteDeviceAuth(),
    response={200: ScansOut},
    summary="A batch of scans (idempotent by scan id; answered after commit)",
)
def scans(request: HttpRequest, payload: ScansIn) -> dict[str, Any]:
    device: Device = request.auth  # type: ignore[attr-defined]
    site = device.site
    assert site is not None
    campaign = campaign_for(site, payload.campaign)
    if campaign is None:
        raise NotFound("campaign")
    answers = ingest.scans_ingest(
        device=device,
        campaign=campaign,
        scans=[
            ingest.ScanIn(
                id=s.id,
                kind=s.kind,
                at=s.at if timezone.is_aware(s.at) else timezone.make_aware(s.at),
                tube=s.tube,
                code=s.code,
                box=s.box,
                single=s.single,
                repeat_reason=s.repeat_reason,
                transporter=s.transporter,
            )
            for s in payload.scans
        ],
    )
    touch(device)
    return {"campaign": campaign.pk, "results": [a.__dict__ for a in answers]}
