"""The labs' demo: boxes received, results with one positive pool; a second run adds
nothing."""

from __future__ import annotations

from typing import Any

import pytest

from fangkong.core.models import AuditEntry
from fangkong.testing.labs import demo
from fangkong.testing.models import Device, Lab, LabResult, Tube
from tests.conftest import DISTRICT

from .conftest import LabWorld, make_pool

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent(lw: LabWorld, django_capture_on_commit_callbacks: Any) -> None:
    make_pool(lw, "D0001", ["张三", "李梅"], box="DBOX-1", handover=False)
    make_pool(lw, "D0002", ["隔壁王五"], box="DBOX-1")
    said: list[str] = []
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(district=DISTRICT, seed=0, say=said.append)
    lab = Lab.objects.get(name=demo.LAB_NAME)
    assert Device.objects.filter(lab=lab).count() == 1
    assert dict(Tube.objects.values_list("barcode", "result")) == {
        "D0001": "positive",
        "D0002": "negative",
    }
    assert said == ["labs: 1 boxes received (0 late), 2 results, positive pool D0001"]
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(district=DISTRICT, seed=0, say=said.append)
    assert LabResult.objects.count() == 2
    assert Lab.objects.filter(name=demo.LAB_NAME).count() == 1
    assert AuditEntry.objects.filter(action="testing.tube.alarm").count() == 1
    assert said[-1] == "labs: 0 boxes received, results already in"
