"""Coverage at every level, exact against the counters the real ingest moves, and the
scope: a community worker sees its community only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.testing.campaigns import selectors
from fangkong.testing.labs.results import ResultIn, results_ingest
from fangkong.testing.models import Lab
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

from .conftest import CWorld, tube_of

pytestmark = pytest.mark.django_db


def _counts(c: selectors.Counts) -> tuple[int, int, int, int, int, int]:
    return (c.target, c.exempt, c.sampled, c.outside, c.resulted, c.positive)


def _sample_some(cw: CWorld) -> None:
    """张三 and 钱一 in one tube, 隔壁王五 in another, the infant (exempt) in a third."""
    tw = cw.tw
    cw.ingest(tube_of("T1001", [tw.mine.person, cw.qian1], cw.cards))
    cw.ingest(tube_of("T1002", [tw.other.person], cw.cards))
    cw.ingest(tube_of("T1003", [cw.baby], cw.cards))


def _result(cw: CWorld, tube: str, result: str) -> None:
    from django.utils import timezone

    lab, _ = Lab.objects.get_or_create(jurisdiction_code=DISTRICT, name="上街区疾控检测中心")
    answers = results_ingest(
        scope=cw.tw.officer_scope,
        lab=lab,
        rows=[ResultIn(key=f"k-{tube}", tube=tube, result=result, tested_at=timezone.now())],
        source="api",
    )
    assert answers[0].status == "stored", answers


def test_levels_are_exact_sums_of_the_counters(cw: CWorld) -> None:
    _sample_some(cw)
    _result(cw, "T1002", "negative")
    scope = cw.tw.officer_scope
    view = selectors.coverage(scope=scope, campaign=cw.campaign)
    # 8 people: the infant is exempt; 孙七 in the town. Sampled: 张三, 钱一, 王五 (the
    # infant's sample counts as outside the target).
    assert (view.level, view.code) == ("district", DISTRICT)
    assert _counts(view.total) == (7, 1, 3, 1, 1, 0)
    assert view.total.unsampled == 4
    assert view.total.rate == 42.9
    assert [(c.key, c.name, _counts(c.counts)) for c in view.rows] == [
        (SUBDISTRICT, "济源路街道", (6, 1, 3, 1, 1, 0)),
        (TOWN, "峡窝镇", (1, 0, 0, 0, 0, 0)),
    ]
    view = selectors.coverage(scope=scope, campaign=cw.campaign, code=SUBDISTRICT)
    assert view.up == f"code={DISTRICT}"
    assert [(c.key, c.name, _counts(c.counts), c.counts.rate) for c in view.rows] == [
        (COMMUNITY, "中安街社区", (4, 1, 2, 1, 0, 0), 50.0),
        (SIBLING, "安阳路社区", (2, 0, 1, 0, 1, 0), 50.0),
    ]
    view = selectors.coverage(scope=scope, campaign=cw.campaign, code=COMMUNITY)
    assert [(c.name, _counts(c.counts)) for c in view.rows] == [
        ("金华小区", (2, 0, 1, 0, 0, 0)),
        ("银河小区", (2, 1, 1, 1, 0, 0)),
    ]
    assert view.rows[1].query == f"code={COMMUNITY}&compound={cw.galaxy.pk}"
    view = selectors.coverage(
        scope=scope, campaign=cw.campaign, code=COMMUNITY, compound=cw.galaxy.pk
    )
    assert view.level == "compound"
    assert [(c.key, c.name, _counts(c.counts)) for c in view.rows] == [
        (str(cw.galaxy_building.pk), "1号楼", (2, 1, 1, 1, 0, 0)),
    ]
    view = selectors.coverage(scope=scope, campaign=cw.campaign, code=TOWN_COMMUNITY)
    assert [(c.name, _counts(c.counts)) for c in view.rows] == [("金昌小区", (1, 0, 0, 0, 0, 0))]
    view = selectors.coverage(
        scope=scope, campaign=cw.campaign, code=TOWN_COMMUNITY, compound=cw.town_compound.pk
    )
    assert [(c.key, _counts(c.counts)) for c in view.rows] == [("0", (1, 0, 0, 0, 0, 0))]


def test_a_positive_pool_counts_its_members(cw: CWorld) -> None:
    _sample_some(cw)
    _result(cw, "T1001", "positive")
    view = selectors.coverage(scope=cw.tw.officer_scope, campaign=cw.campaign, code=COMMUNITY)
    assert [(c.name, c.counts.resulted, c.counts.positive) for c in view.rows] == [
        ("金华小区", 1, 1),
        ("银河小区", 1, 1),
    ]


def test_a_community_worker_sees_its_community_only(
    cw: CWorld, make_user: Any, scope_of: Any, client: Client
) -> None:
    _sample_some(cw)
    worker = make_user("community_worker", COMMUNITY)
    scope = scope_of(worker)
    view = selectors.coverage(scope=scope, campaign=cw.campaign)
    assert view.code == COMMUNITY and view.up is None
    assert _counts(view.total) == (4, 1, 2, 1, 0, 0)
    from fangkong.core.errors import NotFound

    for code in (SUBDISTRICT, SIBLING, DISTRICT):
        with pytest.raises(NotFound):
            selectors.coverage(scope=scope, campaign=cw.campaign, code=code)
    # A compound of the sibling community: nothing of it is readable.
    with pytest.raises(NotFound):
        selectors.coverage(
            scope=scope, campaign=cw.campaign, code=COMMUNITY, compound=cw.tw.other.compound.pk
        )
    client.force_login(worker)
    url = reverse("testing:campaigns_coverage", args=[cw.campaign.pk])
    page = client.get(url).content.decode()
    assert "银河小区" in page and "隔壁" not in page
    assert client.get(url, {"code": SIBLING}).status_code == 404


def test_the_page_drills_down_and_refreshes(
    cw: CWorld, client: Client, django_assert_max_num_queries: Any
) -> None:
    _sample_some(cw)
    client.force_login(cw.tw.officer)
    url = reverse("testing:campaigns_coverage", args=[cw.campaign.pk])
    with django_assert_max_num_queries(20):
        response = client.get(url, {"code": SUBDISTRICT})
    page = response.content.decode()
    assert f'href="?code={COMMUNITY}"' in page
    assert 'data-total="target">6<' in page
    assert 'data-total="unsampled">3<' in page
    partial = client.get(url, {"code": COMMUNITY}, headers={"HX-Request": "true"}).content.decode()
    assert partial.startswith('<div id="coverage-live"')
    assert 'data-total="sampled">2<' in partial
    assert "<html" not in partial
