"""The labs area's world: the testing world (tests/testing/conftest.py) plus a lab of
the district with a device, a door-to-door team of the community, and helpers that make
pooled tubes through the lead's scans ingest (the sampling site's device)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from fangkong.testing.codes import new_card_token
from fangkong.testing.labs import services
from fangkong.testing.models import Card, Device, Lab, SamplingSite, Tube
from fangkong.testing.sampling import ingest
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, DISTRICT

from ..conftest import TWorld


@dataclass
class LabWorld:
    tw: TWorld
    lab: Lab
    device: Device
    token: str
    team: SamplingSite
    codes: dict[str, str]  # name -> the code a sampler scans


def code_of(person: Any) -> str:
    """The identity number, or a printed card's token for someone without one."""
    if person.id_number:
        return str(person.id_number)
    card = Card.objects.filter(person=person, voided_at__isnull=True).first()
    if card is None:
        card = Card.objects.create(
            person=person,
            jurisdiction_code=person.jurisdiction_code,
            token=new_card_token(),
            issued_at=timezone.now(),
        )
    return card.token


@pytest.fixture
def lw(tw: TWorld, settings: Any, tmp_path: Path) -> LabWorld:
    settings.VAR_DIR = tmp_path
    lab = services.lab_create(
        scope=tw.officer_scope, jurisdiction_code=DISTRICT, name="金域医学检测实验室"
    )
    device, token = services.lab_device_create(scope=tw.officer_scope, lab=lab, name="前处理电脑")
    team = sampling.site_create(
        scope=tw.officer_scope,
        jurisdiction_code=COMMUNITY,
        name="中安街上门采样队",
        kind=SamplingSite.Kind.DOOR_TO_DOOR,
    )
    people = (tw.mine.person, tw.mine.housemate, tw.other.person, tw.other.housemate)
    return LabWorld(tw, lab, device, token, team, {p.name: code_of(p) for p in people})


def scans(tw: TWorld, items: list[dict[str, Any]], *, device: Device | None = None) -> list[Any]:
    now = timezone.now()
    batch = [
        ingest.ScanIn(
            id=str(uuid.uuid4()),
            kind=i["kind"],
            at=i.get("at", now),
            tube=i.get("tube", ""),
            code=i.get("code", ""),
            box=i.get("box", ""),
            single=i.get("single", False),
            repeat_reason=i.get("repeat_reason", ""),
            transporter=i.get("transporter", ""),
        )
        for i in items
    ]
    answers = ingest.scans_ingest(device=device or tw.device, campaign=tw.campaign, scans=batch)
    refused = [a for a in answers if a.status == "rejected"]
    assert not refused, refused
    return answers


def make_pool(
    lw: LabWorld,
    barcode: str,
    names: list[str],
    *,
    box: str = "",
    single: bool = False,
    handed_at: dt.datetime | None = None,
    repeat: bool = False,
    handover: bool = True,
) -> Tube:
    """A tube with these people in it (through the ingest), closed, optionally packed
    into a box and handed over."""
    items: list[dict[str, Any]] = [{"kind": "open", "tube": barcode, "single": single}]
    for name in names:
        item = {"kind": "sample", "tube": barcode, "code": lw.codes[name]}
        if repeat:
            item["repeat_reason"] = "单管复核"
        items.append(item)
    items.append({"kind": "close", "tube": barcode})
    if box:
        items.append({"kind": "pack", "tube": barcode, "box": box})
    if box and handover:
        items.append(
            {
                "kind": "handover",
                "box": box,
                "transporter": "王师傅",
                "at": handed_at or timezone.now(),
            }
        )
    scans(lw.tw, items)
    return Tube.objects.get(barcode=barcode)


def post_results(client: Client, token: str, rows: list[dict[str, Any]]) -> Any:
    response = client.post(
        "/api/v1/testing/results",
        {"results": rows},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    return response.json()


def row(tube: str, result: str, **extra: Any) -> dict[str, Any]:
    return {"tube": tube, "result": result, "tested_at": timezone.now().isoformat(), **extra}


def outbox() -> list[dict[str, Any]]:
    path = Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
