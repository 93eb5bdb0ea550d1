"""The staff pages: the queue (masked), a report with its verification and reveal, the
export, the QR posters."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest

from fangkong.arrivals.models import ArrivalLink, ArrivalReport
from fangkong.core.models import AuditEntry
from fangkong.registry.models import Person
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT
from tests.world import ID_ZHANG

from .conftest import NEWCOMER_ID
from .test_services import submit

pytestmark = pytest.mark.usefixtures("areas")


def test_the_queue_shows_masked_reports_of_the_community(
    world: Any, links: Any, login: Any, django_assert_max_num_queries: Any
) -> None:
    submit(links)
    submit(links, community=SIBLING, id_number=ID_ZHANG, name="隔壁来客")
    worker = login("community_worker", COMMUNITY)
    with django_assert_max_num_queries(12):
        page = worker.get("/arrivals/").content.decode()
    assert "韩雪梅" in page and "隔壁来客" not in page
    masked = NEWCOMER_ID[:4] + "**********" + NEWCOMER_ID[-4:]
    assert masked in page and NEWCOMER_ID not in page
    assert "139****5678" in page and "13912345678" not in page
    assert 'data-classification="high"' in page


def test_a_report_page_verifies_and_registers(world: Any, links: Any, login: Any) -> None:
    report = submit(links, compound_id=world[0].compound.pk, building="3", unit="2", room="501")
    worker = login("community_worker", COMMUNITY)
    page = worker.get(f"/arrivals/{report.pk}/").content.decode()
    assert 'id="not-registered"' in page
    assert f'<option value="{world[0].household.pk}" selected>' in page  # the matching household
    assert NEWCOMER_ID not in page
    response = worker.post(
        f"/arrivals/{report.pk}/verify/",
        {
            "outcome": "confirmed",
            "note": "上门",
            "register": "on",
            "household": str(world[0].household.pk),
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    person = Person.objects.get(id_number=NEWCOMER_ID)
    assert (report.status, report.person_id, person.household_id) == (
        "verified",
        person.pk,
        world[0].household.pk,
    )
    page = worker.get(f"/arrivals/{report.pk}/").content.decode()
    assert f'href="/registry/persons/{person.pk}/"' in page and 'id="verify-form"' not in page
    person_page = worker.get(f"/registry/persons/{person.pk}/").content.decode()
    assert "Arrival reported from 湖北省武汉市江岸区" in person_page


def test_a_refused_verification_says_why_on_the_page(world: Any, links: Any, login: Any) -> None:
    report = submit(links)
    worker = login("community_worker", COMMUNITY)
    response = worker.post(
        f"/arrivals/{report.pk}/verify/", {"outcome": "unreachable", "register": "on"}
    )
    assert response.status_code == 400
    assert "Only a person confirmed to be here is registered in the community." in (
        response.content.decode()
    )
    report.refresh_from_db()
    assert report.status == "waiting"


def test_a_household_of_another_compound_cannot_be_posted(
    world: Any, links: Any, login: Any
) -> None:
    report = submit(links, compound_id=world[0].compound.pk)
    worker = login("subdistrict_officer", SUBDISTRICT)
    response = worker.post(
        f"/arrivals/{report.pk}/verify/",
        {"outcome": "confirmed", "register": "on", "household": str(world[1].household.pk)},
    )
    assert response.status_code == 400  # not one of the choices offered
    assert Person.objects.filter(id_number=NEWCOMER_ID).count() == 0


def test_reveal_on_the_report_page(world: Any, links: Any, login: Any) -> None:
    report = submit(links)
    worker = login("community_worker", COMMUNITY)
    response = worker.post(
        f"/arrivals/{report.pk}/reveal/", {"field": "id_number", "reason": "电话核实"}
    )
    assert response.status_code == 200
    assert f'data-revealed="id_number">{NEWCOMER_ID}<' in response.content.decode()
    response = worker.post(f"/arrivals/{report.pk}/reveal/", {"field": "phone", "reason": ""})
    assert response.status_code == 400
    viewer = login("community_viewer", COMMUNITY)
    assert (
        viewer.post(
            f"/arrivals/{report.pk}/reveal/", {"field": "phone", "reason": "看看"}
        ).status_code
        == 403
    )
    assert AuditEntry.objects.filter(action="arrivals.report.revealed").count() == 1


def test_the_export_is_what_the_queue_shows(world: Any, links: Any, login: Any) -> None:
    submit(links)
    submit(links, id_number=ID_ZHANG, name="张三", origin="330106")
    worker = login("community_worker", COMMUNITY)
    response = worker.post("/arrivals/export/?classification=high")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Receipt number")
    columns = rows[header]
    assert columns[:5] == (
        "Receipt number",
        "Name",
        "Identity number (masked)",
        "Phone (masked)",
        "Coming from",
    )
    data = [dict(zip(columns, r, strict=True)) for r in rows[header + 1 :]]
    assert [(d["Name"], d["Identity number (masked)"], d["Risk classification"]) for d in data] == [
        ("韩雪梅", NEWCOMER_ID[:4] + "**********" + NEWCOMER_ID[-4:], "From a high-risk area")
    ]
    revealed = worker.post(
        "/arrivals/export/?classification=high", {"reveal": "on", "reason": "报送疾控"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(revealed.streaming_content))).active
    assert NEWCOMER_ID in [c for r in sheet.iter_rows(values_only=True) for c in r]
    assert login("data_entry", COMMUNITY).post("/arrivals/export/").status_code == 403


def test_posters(world: Any, links: Any, login: Any) -> None:
    worker = login("community_worker", COMMUNITY)
    page = worker.get("/arrivals/posters/").content.decode()
    assert re.findall(r'data-community="(\d+)"', page) == [COMMUNITY]
    poster = worker.get(f"/arrivals/posters/{COMMUNITY}/").content.decode()
    token = links[COMMUNITY].token
    assert f"http://testserver/arrivals/r/{token}/" in poster
    assert "<svg" in poster and "中安街社区" in poster
    assert worker.get(f"/arrivals/posters/{SIBLING}/").status_code == 404
    officer = login("subdistrict_officer", SUBDISTRICT)
    listed = re.findall(
        r'data-community="(\d+)"', officer.get("/arrivals/posters/").content.decode()
    )
    assert listed == [COMMUNITY, SIBLING]
    grid = login("grid_worker", GRID)
    assert grid.get(f"/arrivals/posters/{COMMUNITY}/").status_code == 200
    response = worker.post(f"/arrivals/posters/{COMMUNITY}/replace/")
    assert response.status_code == 302
    assert not ArrivalLink.objects.filter(token=token, replaced_at__isnull=True).exists()
    assert (
        login("community_viewer", COMMUNITY)
        .post(f"/arrivals/posters/{COMMUNITY}/replace/")
        .status_code
        == 403
    )


def test_the_posters_page_makes_the_missing_links(world: Any, login: Any) -> None:
    assert ArrivalLink.objects.count() == 0
    login("district_admin", DISTRICT).get("/arrivals/posters/")
    assert sorted(ArrivalLink.objects.values_list("jurisdiction_code", flat=True)) == [
        "410106001001",
        "410106001002",
        "410106100003",
    ]
    assert ArrivalReport.objects.count() == 0
