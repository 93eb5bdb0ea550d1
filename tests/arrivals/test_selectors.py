"""The queue's filters and order, and the counts the daily report reads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.arrivals import selectors, services
from fangkong.arrivals.models import ArrivalReport
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT
from tests.registry.ledgers import rid

from .test_services import submit

pytestmark = pytest.mark.usefixtures("areas")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


@pytest.fixture
def reports(world: Any, links: Any, system_scope: Scope) -> dict[str, ArrivalReport]:
    """Five reports over two days in two communities, sent and verified at set hours."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    made = {
        "high": submit(links, id_number=rid(seq=1), name="甲一", origin="420102", days_ago=1),
        "medium": submit(links, id_number=rid(seq=2), name="乙二", origin="310115", days_ago=0),
        "other": submit(links, id_number=rid(seq=3), name="丙三", origin="330106", days_ago=1),
        "old": submit(links, id_number=rid(seq=4), name="丁四", origin="330106", days_ago=2),
        "sibling": submit(
            links, community=SIBLING, id_number=rid(seq=5), name="戊五", origin="420102"
        ),
    }
    sent = {
        "high": _at(today, 8),
        "medium": _at(today, 9),
        "other": _at(today, 10),
        "old": _at(yesterday, 20),
        "sibling": _at(today, 11),
    }
    for key, at in sent.items():
        ArrivalReport.objects.filter(pk=made[key].pk).update(submitted_at=at)
    services.report_verify(scope=system_scope, report=made["old"], outcome="confirmed")
    services.report_verify(scope=system_scope, report=made["other"], outcome="not_here")
    ArrivalReport.objects.filter(pk=made["old"].pk).update(verified_at=_at(today, 7))
    ArrivalReport.objects.filter(pk=made["other"].pk).update(verified_at=_at(today, 12))
    for r in made.values():
        r.refresh_from_db()
    return made


def test_daily_counts_per_community(reports: Any, system_scope: Scope) -> None:
    today = timezone.localdate()
    counts = selectors.daily_counts(scope=system_scope, day=today, under=DISTRICT, width=12)
    mine, sibling = counts[COMMUNITY], counts[SIBLING]
    assert (
        mine.received,
        mine.high,
        mine.medium,
        mine.other,
        mine.arrived,
        mine.verified,
        mine.registered,
        mine.waiting,
        mine.by_province,
    ) == (3, 1, 1, 1, 1, 2, 0, 2, {"42": 1, "31": 1, "33": 1})
    assert (sibling.received, sibling.high, sibling.waiting, sibling.by_province) == (
        1,
        1,
        1,
        {"42": 1},
    )
    yesterday = selectors.daily_counts(
        scope=system_scope, day=today - dt.timedelta(days=1), under=DISTRICT, width=12
    )[COMMUNITY]
    # Sent yesterday evening, verified this morning: waiting at the end of yesterday.
    assert (yesterday.received, yesterday.verified, yesterday.waiting) == (1, 0, 1)


def test_daily_counts_for_the_whole_scope_in_few_queries(
    reports: Any, make_user: Any, scope_of: Any, django_assert_max_num_queries: Any
) -> None:
    officer = scope_of(make_user("subdistrict_officer", SUBDISTRICT))
    with django_assert_max_num_queries(5):
        counts = selectors.daily_counts(scope=officer, day=timezone.localdate())
    assert list(counts) == [""]
    assert (counts[""].received, counts[""].verified, counts[""].waiting) == (4, 2, 3)
    worker = scope_of(make_user("community_worker", SIBLING))
    assert selectors.daily_counts(scope=worker, day=timezone.localdate())[""].received == 1


def test_the_queue_puts_high_risk_first_and_filters(
    reports: Any, make_user: Any, scope_of: Any, django_assert_max_num_queries: Any
) -> None:
    worker = scope_of(make_user("community_worker", COMMUNITY))

    def names(**filters: Any) -> list[str]:
        found = selectors.report_list(scope=worker, filters=selectors.ReportFilters(**filters))
        return [r.name for r in found]

    with django_assert_max_num_queries(1):
        assert names() == ["甲一", "乙二"]  # waiting: high, then medium
    assert names(status="all") == ["甲一", "乙二", "丙三", "丁四"]
    assert names(status="verified") == ["丙三", "丁四"]
    assert names(status="all", classification="other") == ["丙三", "丁四"]
    assert names(status="all", province="42") == ["甲一"]
    assert names(status="all", query="乙") == ["乙二"]
    assert names(status="all", query=reports["medium"].id_number[-4:]) == ["乙二"]
    assert names(status="all", query=reports["old"].receipt.replace("-", "")) == ["丁四"]
    assert names(status="all", query="13912345678") == ["甲一", "乙二", "丙三", "丁四"]
    today = timezone.localdate()
    assert names(status="all", arrived_from=today) == ["乙二"]
    assert names(status="all", arrived_until=today - dt.timedelta(days=2)) == ["丁四"]
    assert names(status="all", jurisdiction=SIBLING) == []
