"""The daily report's figures, each against the list or page that shows it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.testing.campaigns import selectors
from fangkong.testing.models import Campaign, HomeTask
from tests.conftest import COMMUNITY, DISTRICT, SIBLING

from .conftest import CWorld, tube_of
from .test_coverage import _result

pytestmark = pytest.mark.django_db


def test_figures_match_the_lists(cw: CWorld, make_user: Any, scope_of: Any) -> None:
    tw = cw.tw
    cw.ingest(tube_of("T6001", [tw.mine.person, cw.qian1], cw.cards))
    cw.ingest(tube_of("T6002", [tw.other.person], cw.cards))
    _result(cw, "T6001", "positive")
    _result(cw, "T6002", "negative")
    # The first round of `tw` is closed long ago: not in today's report.
    Campaign.objects.filter(pk=tw.campaign.pk).update(
        status=Campaign.Status.CLOSED, closed_at=timezone.now() - dt.timedelta(days=3)
    )
    today = timezone.localdate()
    scope = tw.officer_scope
    for code in (DISTRICT, COMMUNITY, SIBLING):
        counts = selectors.daily_counts(scope=scope, code=code, day=today)
        view = selectors.coverage(scope=scope, campaign=cw.campaign, code=code)
        unsampled = selectors.people(
            scope=scope, campaign=cw.campaign, filters=selectors.PeopleFilters(code=code)
        ).count()
        exempt = selectors.people(
            scope=scope,
            campaign=cw.campaign,
            filters=selectors.PeopleFilters(code=code, show="exempt"),
        ).count()
        retests = (
            HomeTask.objects.within_code(code)
            .filter(campaign=cw.campaign, reason="retest", status="open")
            .count()
        )
        rate = selectors.site_rate(scope=scope, campaign=cw.campaign, code=code)
        assert counts == {
            "campaigns": 1,
            "target": view.total.target,
            "sampled": view.total.sampled,
            "unsampled": unsampled,
            "exempt": exempt,
            "outside": view.total.outside,
            "resulted": view.total.resulted,
            "positive": view.total.positive,
            "retests_pending": retests,
            "samples_on_day": sum(rate.totals),
        }, code
    # And the figures themselves, for the district: 7 to sample (the infant exempt), 3
    # sampled, the pool of 张三 and 钱一 positive (two retests to do), the other negative.
    assert selectors.daily_counts(scope=scope, code=DISTRICT, day=today) == {
        "campaigns": 1,
        "target": 7,
        "sampled": 3,
        "unsampled": 4,
        "exempt": 1,
        "outside": 0,
        "resulted": 3,
        "positive": 2,
        "retests_pending": 2,
        "samples_on_day": 3,
    }
    # The day before the round opened: nothing.
    yesterday = today - dt.timedelta(days=1)
    Campaign.objects.filter(pk=cw.campaign.pk).update(opened_at=timezone.now())
    assert selectors.daily_counts(scope=scope, code=DISTRICT, day=yesterday)["campaigns"] == 0
    # A community worker's report: its community only; another's code is not found.
    worker = scope_of(make_user("community_worker", COMMUNITY))
    assert selectors.daily_counts(scope=worker, code="", day=today)["target"] == 4
    from fangkong.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.daily_counts(scope=worker, code=SIBLING, day=today)
