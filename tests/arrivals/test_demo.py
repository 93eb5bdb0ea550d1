"""The demo's risk areas and arrival reports: there, plausible, loaded once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from fangkong.arrivals import demo as arrivals_demo
from fangkong.arrivals.models import ArrivalLink, ArrivalReport
from fangkong.core.audit import verify_chain
from fangkong.registry import demo as registry_demo
from fangkong.registry.models import Person
from fangkong.riskareas import demo as riskareas_demo
from fangkong.riskareas import selectors as risk_selectors
from fangkong.riskareas.models import RiskArea

DISTRICT = "410106"


@pytest.fixture
def loaded(db: Any) -> list[str]:
    said: list[str] = []
    registry_demo.demo_load(persons=1500, seed=1, district=DISTRICT)
    riskareas_demo.load(district=DISTRICT, seed=1, say=said.append)
    arrivals_demo.load(district=DISTRICT, seed=1, say=said.append)
    return said


def test_the_demo_lists_areas_and_reports(loaded: list[str]) -> None:
    today = timezone.localdate()
    reports = ArrivalReport.objects.all()
    verified = reports.filter(status="verified").count()
    total = sum(arrivals_demo.DAILY)
    assert loaded == [
        "Risk areas: 5 areas (1 lifted)",
        f"Arrival reports: {total} in 12 communities over 14 days ({verified} verified)",
    ]
    in_force = {
        a.region_code: a.level for a in risk_selectors.in_force(district=DISTRICT, day=today)
    }
    assert in_force == {"420102": "high", "310115": "medium", "4401": "medium", "410103": "medium"}
    lifted = RiskArea.objects.get(region_code="110105", superseded_at__isnull=True)
    assert lifted.effective_until == today - dt.timedelta(days=10)
    assert reports.count() == total
    # The demo subdistrict's eleven communities and the town community; the demo
    # community has the most.
    communities = Counter(r.community_code for r in reports)
    assert set(communities) == {f"410106001{n:03d}" for n in range(1, 12)} | {"410106100003"}
    assert communities.most_common(1)[0][0] == "410106001001"
    assert 0 < verified < total
    assert Counter(r.status for r in reports) == {"waiting": total - verified, "verified": verified}
    # Each report sent on its day (the wave of DAILY), after its arrival.
    sent = Counter((today - timezone.localdate(r.submitted_at)).days for r in reports)
    assert [sent[ago] for ago in range(13, -1, -1)] == list(arrivals_demo.DAILY)
    assert all(r.arrival_date <= timezone.localdate(r.submitted_at) for r in reports)
    assert Counter(r.classification for r in reports)["high"] >= 1
    assert Counter(r.classification for r in reports)["medium"] >= 1
    registered = Person.objects.filter(source="arrival")
    assert registered.count() == sum(1 for r in reports if r.person_registered) > 0
    assert all(p.needs_verification for p in registered)
    assert all(r.person_id for r in reports if r.status == "verified" and r.outcome == "confirmed")
    assert ArrivalLink.objects.count() == 12
    assert verify_chain().ok


def test_a_second_run_changes_nothing(loaded: list[str]) -> None:
    before = (RiskArea.objects.count(), ArrivalReport.objects.count(), ArrivalLink.objects.count())
    said: list[str] = []
    riskareas_demo.load(district=DISTRICT, seed=1, say=said.append)
    arrivals_demo.load(district=DISTRICT, seed=1, say=said.append)
    assert said == [
        "Risk areas: the demo list is there already",
        "Arrival reports: the district has reports already",
    ]
    after = (RiskArea.objects.count(), ArrivalReport.objects.count(), ArrivalLink.objects.count())
    assert after == before
