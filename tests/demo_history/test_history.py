"""`fangkong demo` builds fourteen days of history: for each day the modules' own
counts selectors (those the daily report reads) find the work of that day, and a second
load adds nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from fangkong.arrivals import demo as arrivals_demo
from fangkong.arrivals import selectors as arrivals
from fangkong.arrivals.models import ArrivalReport
from fangkong.control.models import ControlOrder, OrderEvent, OrderPhase, OrderTest
from fangkong.control.orders import selectors as orders
from fangkong.core.scope import Scope
from fangkong.pushlists import selectors as pushlists
from fangkong.pushlists.models import PushList, VerificationTask
from fangkong.registry.models import Household
from fangkong.reports.models import DailyFigure, DailyReport
from fangkong.screening import demo as screening_demo
from fangkong.screening import selectors as screening
from fangkong.screening.models import Record, ScreeningRound, SignOff
from fangkong.testing.models import Campaign

DISTRICT = "410106"
SUBDISTRICT = "410106001"  # 济源路街道, the demo accounts' subdistrict
PERSONS = 1500


@pytest.fixture
def loaded(db: Any) -> str:
    out = StringIO()
    call_command("demo", persons=PERSONS, stdout=out)
    return out.getvalue()


def _days() -> list[dt.date]:
    today = timezone.localdate()
    return [today - dt.timedelta(days=ago) for ago in range(13, -1, -1)]


def test_each_of_the_fourteen_days_has_its_work(loaded: str) -> None:
    scope = Scope.system(reason="test", code=DISTRICT)
    days = _days()
    today = days[-1]

    # Arrivals: every day, exactly the wave the demo sends, in the demo places.
    received = [
        arrivals.daily_counts(scope=scope, day=day, under=DISTRICT)[""].received for day in days
    ]
    assert received == list(arrivals_demo.DAILY)
    verified = [arrivals.daily_counts(scope=scope, day=day, under=DISTRICT).get("") for day in days]
    assert all(c is not None and c.verified > 0 for c in verified[1:-1])
    assert (
        sum(c.verified for c in verified if c)
        == ArrivalReport.objects.filter(status="verified").count()
    )

    # Screening: the first round's households screened day by day over its eight days
    # of work, every household of the subdistrict once; today the round in progress.
    first = ScreeningRound.objects.get(name=screening_demo.HISTORY_NAME)
    assert first.status == "closed" and first.starts_on == days[0]
    screened = [
        screening.counts(scope=scope, code=SUBDISTRICT, day=day)["households_screened_today"]
        for day in days
    ]
    work = screening_demo.HISTORY_WORKED
    assert all(n > 0 for n in screened[:work]) and screened[work:-1] == [0] * (13 - work)
    households = Household.objects.filter(
        jurisdiction_code__startswith=SUBDISTRICT, is_active=True
    ).count()
    assert sum(screened[:work]) == households
    assert screened[-1] == Record.objects.filter(task__round__status="open").count() > 0
    signed = SignOff.objects.filter(task__round=first, level="subdistrict")
    assert {timezone.localdate(s.signed_at) for s in signed} == {days[-5], days[-4]}

    # Push lists: lists arrive on several days, checks are done on the following days,
    # and some are overdue at the end of the day.
    created = []
    checked = []
    overdue = []
    for day in days:
        counts = pushlists.verification_counts(scope=scope, day=day, width=6).get(DISTRICT)
        created.append(counts.created if counts else 0)
        checked.append(counts.verified if counts else 0)
        overdue.append(counts.overdue if counts else 0)
    assert sum(1 for n in created if n) >= 5
    assert sum(created) == VerificationTask.objects.count()
    assert sum(1 for n in checked if n) >= 8
    assert overdue[-1] > 0 and sum(1 for n in overdue if n) >= 5
    assert PushList.objects.count() == 6

    # Control: people under quarantine every day after the first, rising then falling;
    # decisions on most days, releases and early ends on several.
    totals = [orders.counts(scope=scope, code=DISTRICT, day=day).total for day in days]
    under = [t.central + t.home for t in totals]
    assert all(n > 0 for n in under[1:])
    peak = max(under)
    assert peak > under[1] and peak > under[-1]
    assert sum(1 for t in totals if t.new) >= 12
    assert sum(1 for t in totals if t.released) >= 4
    assert sum(1 for t in totals if t.ended) >= 2
    assert all(t.home_monitoring > 0 for t in totals)
    decided = ControlOrder.objects.filter(status__in=["active", "released", "ended"])
    assert sum(t.new for t in totals) == decided.count()
    assert sum(t.released for t in totals) == decided.filter(status="released").count()

    # Testing: the round opened yesterday morning.
    campaign = Campaign.objects.get(name="上街区第1轮全员核酸检测")
    assert timezone.localdate(campaign.starts_at) == today - dt.timedelta(days=1)

    # The reports' snapshots of the past days carry the history.
    arrivals_figures = dict(
        DailyFigure.objects.filter(jurisdiction_code=DISTRICT, key="arrivals.received").values_list(
            "day", "value"
        )
    )
    assert [arrivals_figures.get(day, 0) for day in days] == list(arrivals_demo.DAILY)
    assert DailyReport.objects.filter(day=days[0]).count() == 3


def test_the_history_is_consistent_and_a_second_load_adds_nothing(loaded: str) -> None:
    now = timezone.now()
    orders_ = ControlOrder.objects.all()
    for order in orders_:
        assert order.proposed_at <= now
        if order.decided_at is not None:
            assert order.proposed_at <= order.decided_at <= now
            assert (
                order.notice_no is None
                or order.notice_no.split("-")[1]
                == (f"{timezone.localdate(order.decided_at):%Y%m%d}")
                or order.status == "rejected"
            )
        if order.ended_at is not None:
            assert order.decided_at is not None and order.decided_at < order.ended_at <= now
        if order.status == "released":
            assert timezone.localdate(order.ended_at) > order.ends_on
    for phase in OrderPhase.objects.select_related("order"):
        assert phase.order.starts_on <= phase.starts_on <= phase.ends_on <= phase.order.ends_on
    for test in OrderTest.objects.exclude(result_at=None).select_related("order"):
        assert test.order.decided_at is not None
        assert test.order.decided_at <= test.result_at <= now
    assert not OrderEvent.objects.filter(at__gt=now).exists()
    for report in ArrivalReport.objects.exclude(verified_at=None):
        assert report.submitted_at < report.verified_at <= now
        assert report.arrival_date <= timezone.localdate(report.submitted_at)
    for task in VerificationTask.objects.exclude(verified_at=None):
        assert task.created_at < task.verified_at <= now

    def state() -> tuple[int, ...]:
        return (
            Record.objects.count(),
            ArrivalReport.objects.count(),
            VerificationTask.objects.count(),
            ControlOrder.objects.count(),
            OrderEvent.objects.count(),
            DailyReport.objects.count(),
            DailyFigure.objects.count(),
        )

    before = state()
    out = StringIO()
    call_command("demo", persons=PERSONS, stdout=out)
    assert state() == before
    assert "Control orders: the demo orders are there already." in out.getvalue()
