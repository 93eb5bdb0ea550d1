"""The demo's reports: fourteen days of figures, the past days' reports of the demo
community (signed by its head, late on two days), its subdistrict (signed by the
district) and the district (submitted); loaded once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.registry import demo as registry_demo
from fangkong.reports import demo as reports_demo
from fangkong.reports import selectors
from fangkong.reports.models import DailyFigure, DailyReport

DISTRICT = "410106"


@pytest.fixture
def loaded(db: Any) -> list[str]:
    said: list[str] = []
    registry_demo.demo_load(persons=600, seed=1, district=DISTRICT)
    reports_demo.load(district=DISTRICT, seed=1, say=said.append)
    return said


def test_fourteen_days_of_reports_and_figures(loaded: list[str]) -> None:
    assert loaded == [
        "Reports: 14 days of figures; 39 reports of the past days (the demo community's, "
        "its subdistrict's, the district's), submitted and signed."
    ]
    today = timezone.localdate()
    days = set(DailyFigure.objects.filter(jurisdiction_code=DISTRICT).values_list("day", flat=True))
    assert days == {today - dt.timedelta(days=n) for n in range(14)}
    persons = DailyFigure.objects.get(
        jurisdiction_code=DISTRICT, day=today, key="population.persons"
    ).value
    assert persons == 600
    reports = DailyReport.objects.all()
    assert reports.count() == 39
    assert not reports.filter(day=today).exists()
    community = reports.filter(jurisdiction_code="410106001001")
    assert {r.status for r in community} == {"signed"}
    assert {(r.filled_by_name, r.signed_by_name) for r in community} == {("张晓燕", "马秀兰")}
    late = sorted(
        (today - r.day).days
        for r in community
        if selectors.is_late(r.submitted_at, r.day, timezone.now())
    )
    assert late == [3, 9]
    assert {r.status for r in reports.filter(jurisdiction_code="410106001")} == {"signed"}
    assert {r.status for r in reports.filter(jurisdiction_code=DISTRICT)} == {"submitted"}
    # A past subdistrict report adds up its communities.
    day = today - dt.timedelta(days=5)
    sub = reports.get(jurisdiction_code="410106001", day=day)
    assert sub.figures["population.persons"] == sum(
        c["figures"]["population.persons"] for c in sub.children
    )


def test_a_second_run_adds_nothing(loaded: list[str]) -> None:
    before = DailyReport.objects.count(), DailyFigure.objects.count()
    said: list[str] = []
    reports_demo.load(district=DISTRICT, seed=1, say=said.append)
    assert said == []
    assert (DailyReport.objects.count(), DailyFigure.objects.count()) == before
