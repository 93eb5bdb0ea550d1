"""The sampling area's demo: three sites of the demo district with members and a device
each; a second run adds nothing."""

from __future__ import annotations

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
