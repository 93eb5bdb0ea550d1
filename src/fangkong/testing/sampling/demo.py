"""The sampling area's part of the demo district (`fangkong demo`): a fixed site of the
demo community, a mobile bus of the demo subdistrict with its stops, and a door-to-door
team, each with its members and one device. Idempotent: sites are found by name, and
members and devices are added only to a site that has none. The devices' tokens are not
printed (an officer adds a device on the site's page to get an activation link)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.core.scope import Scope

from ..models import Campaign, Device, SamplingSite, SiteMember, Target, Tube, Zone
from . import ingest, services

POOL = 20

SITES: tuple[dict[str, Any], ...] = (
    {
        "place": "community",
        "name": "中安街社区广场采样点",
        "kind": SamplingSite.Kind.FIXED,
        "address": "中安街社区文化广场",
        "lanes": 4,
        "area": Zone.NONE,
        "stops": [],
        "members": [
            ("leader", "周建国", "13937100101"),
            ("sampler", "刘静", "13937100102"),
            ("sampler", "陈晓燕", "13937100103"),
            ("scanner", "王磊", "13937100104"),
            ("scanner", "赵雪", "13937100105"),
            ("transporter", "孙德明", "13937100106"),
        ],
        "device": "1号通道扫码枪",
    },
    {
        "place": "subdistrict",
        "name": "上街区流动采样车1号",
        "kind": SamplingSite.Kind.MOBILE,
        "address": "",
        "lanes": 2,
        "area": Zone.NONE,
        "stops": [
            {"place": "济源路街道办事处门前", "from": "07:30", "to": "09:30"},
            {"place": "中心路菜市场", "from": "10:00", "to": "12:00"},
            {"place": "上街区人民医院东门", "from": "14:30", "to": "17:00"},
        ],
        "members": [
            ("leader", "马向东", "13937100201"),
            ("sampler", "郭丽", "13937100202"),
            ("scanner", "杨帆", "13937100203"),
            ("scanner", "吴昊", "13937100204"),
        ],
        "device": "采样车平板",
    },
    {
        "place": "subdistrict",
        "name": "济源路街道上门采样队",
        "kind": SamplingSite.Kind.DOOR_TO_DOOR,
        "address": "",
        "lanes": 1,
        "area": Zone.NONE,
        "stops": [],
        "members": [
            ("sampler", "李秀英", "13937100301"),
            ("scanner", "张伟", "13937100302"),
        ],
        "device": "上门采样手机",
    },
)


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    places = demo_places(district)
    made = 0
    for spec in SITES:
        code = places.get(spec["place"], district)
        site = SamplingSite.objects.within(system).filter(name=spec["name"]).first()
        if site is None:
            site = services.site_create(
                scope=system,
                jurisdiction_code=code,
                name=spec["name"],
                kind=spec["kind"],
                address=spec["address"],
                stops=spec["stops"],
                lanes=spec["lanes"],
                area=spec["area"],
            )
            made += 1
        if not SiteMember.objects.filter(site=site).exists():
            for role, name, phone in spec["members"]:
                services.member_add(scope=system, site=site, role=role, name=name, phone=phone)
        if not Device.objects.filter(site=site).exists():
            services.device_create(scope=system, site=site, name=spec["device"])
    say(f"Sampling sites: {len(SITES)} sites ({made} new), with members and a device each.")
    _morning(district=district, places=places, say=say)


# The round half done: half of its population scanned at the square (20 to a tube, 5
# tubes to a box, every box but the last handed over: the lab's demo receives them), the
# demo community itself and the control zones left to the field.
DONE_SHARE = 0.5
TUBES_PER_BOX = 5


def _morning(*, district: str, places: dict[str, str], say: Callable[[str], None]) -> None:
    """Scans through the real ingest (the square's device), once: the round half done."""
    campaign = (
        Campaign.objects.filter(jurisdiction_code__startswith=district, status="open")
        .order_by("-starts_at")
        .first()
    )
    square = SamplingSite.objects.filter(name=SITES[0]["name"]).first()
    device = Device.objects.filter(site=square, revoked_at__isnull=True).first()
    if campaign is None or square is None or device is None:
        return
    if Tube.objects.filter(campaign=campaign, site=square).exists():
        return
    # The square's 20-in-1 tubes take the district's people outside any zone, half the
    # round's population; the demo community itself (its control zones, its
    # door-to-door list) is left to the field.
    community = places.get("community", district)
    wanted = int(Target.objects.filter(campaign=campaign).count() * DONE_SHARE)
    codes = list(
        Target.objects.filter(campaign=campaign, exemption="", zone="")
        .exclude(jurisdiction_code__startswith=community)
        .exclude(person__id_number__isnull=True)
        .order_by("building_id", "household_id", "person_id")
        .values_list("person__id_number", flat=True)[:wanted]
    )
    now = timezone.now()
    start = now - dt.timedelta(minutes=len(codes) // 10 + 30)
    scans: list[ingest.ScanIn] = []
    tubes: list[str] = []
    for n in range(0, len(codes), POOL):
        tube = f"SJ{now:%m%d}{n // POOL + 1:05d}"
        tubes.append(tube)
        at = start + dt.timedelta(minutes=n // 10)
        scans.append(ingest.ScanIn(id=uuid.uuid4().hex, kind="open", at=at, tube=tube))
        for i, code in enumerate(codes[n : n + POOL]):
            scans.append(
                ingest.ScanIn(
                    id=uuid.uuid4().hex,
                    kind="sample",
                    at=at + dt.timedelta(seconds=30 * i),
                    tube=tube,
                    code=code or "",
                )
            )
        scans.append(ingest.ScanIn(id=uuid.uuid4().hex, kind="close", at=at, tube=tube))
    boxes = [tubes[i : i + TUBES_PER_BOX] for i in range(0, len(tubes), TUBES_PER_BOX)]
    for b, box_tubes in enumerate(boxes, start=1):
        box = f"BOX{now:%m%d}{b:03d}"
        for tube in box_tubes:
            scans.append(
                ingest.ScanIn(id=uuid.uuid4().hex, kind="pack", at=now, tube=tube, box=box)
            )
        if b < len(boxes):
            scans.append(
                ingest.ScanIn(
                    id=uuid.uuid4().hex,
                    kind="handover",
                    at=now,
                    box=box,
                    transporter=SITES[0]["members"][-1][1],
                )
            )
    for i in range(0, len(scans), ingest.MAX_SCANS):
        ingest.scans_ingest(device=device, campaign=campaign, scans=scans[i : i + ingest.MAX_SCANS])
    say(
        f"Sampling: {len(codes)} people of the district scanned at the square into "
        f"{len(tubes)} tubes, {len(boxes)} boxes ({len(boxes) - 1} handed over)."
    )
