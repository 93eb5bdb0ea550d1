"""The sampling area's demo: three sites of the demo district with members and a device
each; a second run adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.testing.models import Device, SamplingSite, SiteMember
from fangkong.testing.sampling import demo
from tests.conftest import DISTRICT

pytestmark = pytest.mark.django_db


def test_the_demo_makes_three_sites_once(tree: object) -> None:
    said: list[str] = []
    demo.load(district=DISTRICT, seed=1, say=said.append)
    first = (
        sorted(SamplingSite.objects.values_list("name", "kind", "jurisdiction_code")),
        SiteMember.objects.count(),
        Device.objects.count(),
    )
    assert first[0] == [
        ("上街区流动采样车1号", "mobile", "410106001"),
        ("中安街社区广场采样点", "fixed", "410106001001"),
        ("济源路街道上门采样队", "home", "410106001"),
    ]
    assert first[1:] == (12, 3)
    bus = SamplingSite.objects.get(kind="mobile")
    assert [s["from"] for s in bus.stops] == ["07:30", "10:00", "14:30"]
    demo.load(district=DISTRICT, seed=1, say=said.append)
    again = (
        sorted(SamplingSite.objects.values_list("name", "kind", "jurisdiction_code")),
        SiteMember.objects.count(),
        Device.objects.count(),
    )
    assert again == first
    assert not any("fkt_" in line for line in said)


def test_the_demo_morning_scans_through_the_ingest_once(
    tree: object, django_capture_on_commit_callbacks: Any
) -> None:
    """With the demo round open, the square's device scans people of the demo
    subdistrict outside its zones and its demo community, 20 to a tube, 5 tubes to a box,
    every box but the last handed over; a second run scans nothing."""
    from django.db.models import Sum

    from fangkong.registry.demo import demo_load
    from fangkong.testing.campaigns import demo as campaigns_demo
    from fangkong.testing.models import Coverage, Sample, ScanReceipt, Target, TransportBox, Tube

    demo_load(persons=900, seed=1, district=DISTRICT)
    with django_capture_on_commit_callbacks(execute=True):
        campaigns_demo.load(district=DISTRICT, seed=1, say=lambda _s: None)
    said: list[str] = []
    demo.load(district=DISTRICT, seed=1, say=said.append)
    people = Sample.objects.count()
    # Half the round's population (the demo community excepted, scanned by the field).
    assert people == Target.objects.count() // 2
    assert not Sample.objects.filter(jurisdiction_code__startswith="410106001001").exists()
    tubes = (people + 19) // 20
    boxes = (tubes + 4) // 5
    assert Tube.objects.filter(status="packed").count() == tubes
    assert list(TransportBox.objects.order_by("barcode").values_list("status", flat=True)) == [
        "handed_over"
    ] * (boxes - 1) + ["packing"]
    assert Coverage.objects.aggregate(n=Sum("sampled"))["n"] == people
    assert not ScanReceipt.objects.filter(outcome="rejected").exists()
    assert said[-1] == (
        f"Sampling: {people} people of the district scanned at the square into "
        f"{tubes} tubes, {boxes} boxes ({boxes - 1} handed over)."
    )
    receipts = ScanReceipt.objects.count()
    demo.load(district=DISTRICT, seed=1, say=said.append)
    assert (Sample.objects.count(), ScanReceipt.objects.count()) == (people, receipts)
