"""The monitors: who is not sampled yet (and its export, masked), exemptions by hand,
samples per site and hour, boxes on the way, tubes without results."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.testing.campaigns import selectors
from fangkong.testing.models import Coverage, Target
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, SIBLING

from .conftest import CWorld, _scan, tube_of

pytestmark = pytest.mark.django_db


def _names(rows: Any) -> list[str]:
    return [t.person.name for t in rows]


def test_the_unsampled_list_is_the_coverage_gap(cw: CWorld, client: Client) -> None:
    tw = cw.tw
    cw.ingest(tube_of("T2001", [tw.mine.person, cw.qian2], cw.cards))
    scope = tw.officer_scope
    filters = selectors.PeopleFilters()
    rows = list(selectors.people(scope=scope, campaign=cw.campaign, filters=filters))
    assert sorted(_names(rows)) == sorted(["李梅", "钱一", "隔壁王五", "隔壁赵六", "孙七"])
    total = selectors.coverage(scope=scope, campaign=cw.campaign).total
    assert total.unsampled == len(rows) == 5
    by_community = selectors.PeopleFilters(code=COMMUNITY)
    assert sorted(
        _names(selectors.people(scope=scope, campaign=cw.campaign, filters=by_community))
    ) == ["李梅", "钱一"]
    by_building = selectors.PeopleFilters(code=COMMUNITY, building=cw.galaxy_building.pk)
    assert _names(selectors.people(scope=scope, campaign=cw.campaign, filters=by_building)) == [
        "钱一"
    ]
    exempt = selectors.PeopleFilters(show="exempt")
    assert _names(selectors.people(scope=scope, campaign=cw.campaign, filters=exempt)) == ["钱宝宝"]
    # The page masks identity numbers and phones.
    client.force_login(tw.officer)
    page = client.get(
        reverse("testing:campaigns_unsampled", args=[cw.campaign.pk]), {"code": COMMUNITY}
    ).content.decode()
    assert "李梅" in page and "钱一" in page and "张三" not in page
    assert "13700001111" not in page and "137****1111" in page


def test_a_community_worker_lists_its_community_only(
    cw: CWorld, make_user: Any, client: Client
) -> None:
    worker = make_user("community_worker", COMMUNITY)
    client.force_login(worker)
    url = reverse("testing:campaigns_unsampled", args=[cw.campaign.pk])
    page = client.get(url).content.decode()
    assert "钱一" in page and "隔壁" not in page and "孙七" not in page
    assert client.get(url, {"code": SIBLING}).status_code == 404


def test_exemption_by_hand_moves_the_counters(cw: CWorld, make_user: Any, client: Client) -> None:
    worker = make_user("community_worker", COMMUNITY)
    client.force_login(worker)
    url = reverse("testing:campaigns_exemption", args=[cw.campaign.pk])
    back = reverse("testing:campaigns_unsampled", args=[cw.campaign.pk]) + f"?code={COMMUNITY}"
    response = client.post(
        url,
        {
            "person": cw.qian1.pk,
            "exemption": "away",
            "note": "在郑州上班，有单位证明",
            "next": back,
        },
    )
    assert response.status_code == 302 and response["Location"] == back
    target = Target.objects.get(campaign=cw.campaign, person=cw.qian1)
    assert (target.exemption, target.exemption_note) == ("away", "在郑州上班，有单位证明")
    counter = Coverage.objects.get(campaign=cw.campaign, building_id=cw.galaxy_building.pk)
    assert (counter.target, counter.exempt) == (1, 2)
    scope = cw.tw.officer_scope
    listed = selectors.people(
        scope=scope, campaign=cw.campaign, filters=selectors.PeopleFilters(code=COMMUNITY)
    )
    assert sorted(_names(listed)) == ["张三", "李梅", "钱二"]
    # Vaccinated is refused: this round does not exempt the vaccinated.
    client.post(url, {"person": cw.qian2.pk, "exemption": "vaccinated", "note": "接种记录"})
    assert Target.objects.get(campaign=cw.campaign, person=cw.qian2).exemption == ""
    # Lifted: back on the list.
    client.post(url, {"person": cw.qian1.pk, "exemption": "", "note": ""})
    counter.refresh_from_db()
    assert (counter.target, counter.exempt) == (2, 1)
    # Another community's person: not found, nothing changed.
    response = client.post(
        url, {"person": cw.tw.other.person.pk, "exemption": "away", "note": "外出"}
    )
    assert response.status_code == 404
    assert Target.objects.get(campaign=cw.campaign, person=cw.tw.other.person).exemption == ""


def test_export_masked_and_audited(cw: CWorld, client: Client) -> None:
    client.force_login(cw.tw.officer)
    before = AuditEntry.objects.filter(action="export.downloaded").count()
    url = (
        reverse("testing:campaigns_unsampled_export", args=[cw.campaign.pk]) + f"?code={COMMUNITY}"
    )
    response = client.post(url, {})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [list(row) for row in book.active.iter_rows(values_only=True)]
    header = next(i for i, row in enumerate(cells) if "姓名" in row)
    column = cells[header].index("姓名")
    names = sorted(row[column] for row in cells[header + 1 :] if row[column])
    assert names == sorted(["张三", "李梅", "钱一", "钱二"])
    flat = "\n".join(str(c) for row in cells for c in row if c is not None)
    assert "41010619900101123X" not in flat and "13700001111" not in flat
    assert AuditEntry.objects.filter(action="export.downloaded").count() == before + 1


def test_samples_per_site_and_hour(cw: CWorld, system_scope: Any) -> None:
    tw = cw.tw
    now = timezone.now()
    cw.ingest(
        tube_of(
            "T3001",
            [tw.mine.person, tw.mine.housemate],
            cw.cards,
            at=now - dt.timedelta(minutes=70),
        )
    )
    cw.ingest(tube_of("T3002", [cw.qian1], cw.cards, at=now))
    site = sampling.site_create(scope=system_scope, jurisdiction_code=SIBLING, name="安阳路采样点")
    device, _token = sampling.device_create(scope=system_scope, site=site, name="扫码枪2")
    cw.ingest(tube_of("T3003", [tw.other.person], cw.cards, at=now), by=device)
    result = selectors.site_rate(scope=tw.officer_scope, campaign=cw.campaign)
    hours = [
        timezone.localtime(now - dt.timedelta(minutes=70)).replace(
            minute=0, second=0, microsecond=0
        ),
        timezone.localtime(now).replace(minute=0, second=0, microsecond=0),
    ]
    hours = sorted(set(hours))
    assert [timezone.localtime(h) for h in result.hours] == hours
    by_site = {r.name: (r.total, r.by_hour, r.last_hour) for r in result.rows}
    assert by_site == {"中安街社区广场采样点": (3, [2, 1], 1), "安阳路采样点": (1, [0, 1], 1)}
    assert result.totals == [2, 2]
    assert result.chart["series"][0] == {
        "name": "中安街社区广场采样点",
        "data": by_site["中安街社区广场采样点"][1],
    }
    # The community's view: its own site only.
    mine = selectors.site_rate(scope=tw.officer_scope, campaign=cw.campaign, code=COMMUNITY)
    assert [r.name for r in mine.rows] == ["中安街社区广场采样点"]


def test_boxes_on_the_way_and_late(cw: CWorld, client: Client) -> None:
    tw = cw.tw
    now = timezone.now()
    old = now - dt.timedelta(hours=5)
    cw.ingest(
        [
            *tube_of("T4001", [tw.mine.person], cw.cards, at=old),
            _scan("pack", tube="T4001", box="BX01", at=old),
            _scan("handover", box="BX01", transporter="刘师傅", at=old),
        ]
    )
    cw.ingest(
        [
            *tube_of("T4002", [cw.qian1], cw.cards),
            _scan("pack", tube="T4002", box="BX02"),
            _scan("handover", box="BX02", transporter="刘师傅"),
            _scan("pickup", box="BX02"),
        ]
    )
    cw.ingest(
        [*tube_of("T4003", [cw.qian2], cw.cards), _scan("pack", tube="T4003", box="BX03")]
    )  # still packing
    boxes = selectors.boxes_on_the_way(scope=tw.officer_scope, campaign=cw.campaign)
    assert [
        (b.barcode, b.status, selectors.box_is_late(b, cw.campaign.late_box_hours, now))
        for b in boxes
    ] == [
        ("BX01", "handed_over", True),
        ("BX02", "in_transit", False),
    ]
    assert selectors.late_boxes_count(scope=tw.officer_scope, campaign=cw.campaign, now=now) == 1
    client.force_login(tw.officer)
    page = client.get(reverse("testing:campaigns_boxes", args=[cw.campaign.pk])).content.decode()
    assert 'data-box="BX01" data-late' in page and 'data-box="BX02">' in page and "BX03" not in page


def test_tubes_without_results_after_the_due_hours(cw: CWorld, client: Client) -> None:
    from .test_coverage import _result

    tw = cw.tw
    now = timezone.now()
    old = now - dt.timedelta(hours=13)
    cw.ingest(tube_of("T5001", [tw.mine.person], cw.cards, at=old))
    cw.ingest(tube_of("T5002", [tw.mine.housemate], cw.cards, at=old))
    cw.ingest(tube_of("T5003", [cw.qian1], cw.cards))  # closed just now: not due
    cw.ingest(tube_of("T5004", [cw.qian2], cw.cards, at=old, close=False))  # still open
    _result(cw, "T5002", "negative")
    overdue = selectors.tubes_overdue(scope=tw.officer_scope, campaign=cw.campaign, now=now)
    assert [t.barcode for t in overdue] == ["T5001"]
    client.force_login(tw.officer)
    page = client.get(reverse("testing:campaigns_tubes", args=[cw.campaign.pk])).content.decode()
    assert 'data-tube="T5001"' in page and "T5002" not in page and "T5003" not in page
    detail = client.get(reverse("testing:campaigns_detail", args=[cw.campaign.pk])).content.decode()
    assert 'data-total="overdue_tubes">1<' in detail
