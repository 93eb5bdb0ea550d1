"""The campaigns area's world: `tw` (tests/testing/conftest.py) plus a second compound in
the community (银河小区, one building, three people, one of them an infant) and a person
in the town, then a round over the district opened through the service; samples go in
through the real scans' ingest and results through the labs' results ingest.

    济源路街道 410106001
      中安街社区  金华小区 3号楼: 张三, 李梅           银河小区 1号楼: 钱一, 钱二, 钱宝宝 (infant)
      安阳路社区  隔壁花园 3号楼: 隔壁王五, 隔壁赵六
    峡窝镇 410106100
      金昌社区    金昌小区 (no building): 孙七
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from fangkong.registry import services as registry
from fangkong.registry.models import Building, Compound, Person
from fangkong.testing.codes import new_card_token
from fangkong.testing.models import Campaign, Card, Device
from fangkong.testing.sampling.ingest import ScanAnswer, ScanIn, scans_ingest
from tests.conftest import COMMUNITY, TOWN_COMMUNITY

from ..conftest import TWorld


@dataclass
class CWorld:
    tw: TWorld
    campaign: Campaign  # over the district, opened after the extra people were added
    galaxy: Compound  # 银河小区
    galaxy_building: Building
    qian1: Person
    qian2: Person
    baby: Person
    town_compound: Compound
    sun: Person
    cards: dict[int, str]  # person id -> card token
    ingest: Callable[..., list[ScanAnswer]]


def _scan(kind: str, **fields: Any) -> ScanIn:
    at = fields.pop("at", None) or timezone.now()
    return ScanIn(id=str(uuid.uuid4()), kind=kind, at=at, **fields)


def tube_of(
    tube: str,
    persons: list[Person],
    cards: dict[int, str],
    *,
    close: bool = True,
    at: dt.datetime | None = None,
) -> list[ScanIn]:
    """The scans of one tube: open it, one sample per person (by card), close it."""
    scans = [_scan("open", tube=tube, at=at)]
    scans += [_scan("sample", tube=tube, code=cards[p.pk], at=at) for p in persons]
    if close:
        scans.append(_scan("close", tube=tube, at=at))
    return scans


@pytest.fixture
def cw(tw: TWorld, system_scope: Any) -> CWorld:
    galaxy = registry.compound_create(
        scope=system_scope, jurisdiction_code=COMMUNITY, name="银河小区"
    )
    building = registry.building_create(scope=system_scope, compound=galaxy, name="1")
    unit = registry.unit_create(scope=system_scope, building=building, name="1")
    home = registry.household_create(
        scope=system_scope, compound=galaxy, building=building, unit=unit, room="101"
    )
    qian1 = registry.person_create(
        scope=system_scope,
        household=home,
        name="钱一",
        relation_to_head="户主",
        phone="13700001111",
    )
    qian2 = registry.person_create(
        scope=system_scope, household=home, name="钱二", relation_to_head="配偶"
    )
    baby = registry.person_create(
        scope=system_scope, household=home, name="钱宝宝", relation_to_head="子女"
    )
    Person.objects.filter(pk=baby.pk).update(
        birth_date=timezone.localdate() - dt.timedelta(days=300)
    )
    town = registry.compound_create(
        scope=system_scope, jurisdiction_code=TOWN_COMMUNITY, name="金昌小区"
    )
    town_home = registry.household_create(scope=system_scope, compound=town, room="8")
    sun = registry.person_create(
        scope=system_scope, household=town_home, name="孙七", relation_to_head="户主"
    )
    campaign = tw.new_campaign(name="上街区第二轮全员核酸检测")
    cards: dict[int, str] = {}
    for person in (
        tw.mine.person,
        tw.mine.housemate,
        tw.other.person,
        tw.other.housemate,
        qian1,
        qian2,
        baby,
        sun,
    ):
        token = new_card_token()
        Card.objects.create(
            person=person,
            jurisdiction_code=person.jurisdiction_code,
            token=token,
            issued_at=timezone.now(),
        )
        cards[person.pk] = token
    device = Device.objects.select_related("site").get(pk=tw.device.pk)

    def ingest(
        scans: list[ScanIn], *, on: Campaign | None = None, by: Device | None = None
    ) -> list[ScanAnswer]:
        answers = scans_ingest(device=by or device, campaign=on or campaign, scans=scans)
        bad = [a for a in answers if a.status == "rejected"]
        assert not bad, bad
        return answers

    return CWorld(tw, campaign, galaxy, building, qian1, qian2, baby, town, sun, cards, ingest)
