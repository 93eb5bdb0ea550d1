"""The risk-area pages: list, add / change / lift forms with the region picker, import,
export, and the notice on the home page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.accounts.models import User
from fangkong.core.models import StaffNotice
from fangkong.core.scope import Scope
from fangkong.riskareas.models import RiskArea
from tests.conftest import COMMUNITY, DISTRICT
from tests.registry.ledgers import xlsx

from .conftest import OTHER_DISTRICT, add

D = dt.date


@pytest.fixture(autouse=True)
def _no_totp(settings: Any) -> None:
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()


@pytest.fixture
def login(make_user: Callable[..., User]) -> Callable[..., Client]:
    def client_for(role: str, code: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(make_user(role, code))
        return client

    return client_for


def _current() -> list[tuple[Any, ...]]:
    return list(
        RiskArea.objects.filter(superseded_at__isnull=True)
        .order_by("region_code", "effective_from")
        .values_list("region_code", "level", "effective_from", "effective_until")
    )


def test_the_list_shows_what_is_in_force_to_everyone(admin: Scope, login: Any) -> None:
    area = add(admin, "420102", "high", D(2022, 5, 1))
    add(admin, "4401", "medium", D(2022, 5, 10), D(2022, 6, 1))
    worker = login("community_worker", COMMUNITY)
    page = worker.get("/riskareas/?day=2022-06-01").content.decode()
    assert "湖北省武汉市江岸区" in page and "广东省广州市" not in page
    assert f'href="/riskareas/{area.pk}/"' in page
    assert 'id="add-area"' not in page
    history = worker.get("/riskareas/?view=history").content.decode()
    assert "广东省广州市" in history
    assert 'id="add-area"' in login("district_admin", DISTRICT).get("/riskareas/").content.decode()


def test_add_with_the_region_picker(login: Any) -> None:
    admin = login("district_admin", DISTRICT)
    assert admin.get("/riskareas/new/").status_code == 200
    response = admin.post(
        "/riskareas/new/",
        {"region": "武汉市江岸区", "level": "high", "effective_from": "2022-05-01", "note": ""},
    )
    assert response.status_code == 302
    response = admin.post(
        "/riskareas/new/",
        {
            "region": "ignored",
            "region_code": "310115",
            "level": "medium",
            "effective_from": "2022-05-03",
        },
    )
    assert response.status_code == 302
    assert _current() == [
        ("310115", "medium", D(2022, 5, 3), None),
        ("420102", "high", D(2022, 5, 1), None),
    ]


def test_add_shows_the_reason_at_the_field(login: Any) -> None:
    admin = login("district_admin", DISTRICT)
    response = admin.post(
        "/riskareas/new/", {"region": "朝阳区", "level": "high", "effective_from": "2022-05-01"}
    )
    assert response.status_code == 200
    assert "Region：“朝阳区” fits several regions" in response.content.decode()
    assert RiskArea.objects.count() == 0


def test_viewers_and_workers_cannot_open_the_forms(admin: Scope, login: Any) -> None:
    area = add(admin, "420102")
    for role, code in [("district_viewer", DISTRICT), ("community_worker", COMMUNITY)]:
        client = login(role, code)
        for url in (
            "/riskareas/new/",
            "/riskareas/import/",
            f"/riskareas/{area.pk}/change/",
            f"/riskareas/{area.pk}/lift/",
        ):
            assert client.get(url).status_code == 403, (role, url)


def test_change_and_lift_through_the_pages(admin: Scope, login: Any) -> None:
    area = add(admin, "420102", "medium", D(2022, 5, 1))
    client = login("district_admin", DISTRICT)
    response = client.post(
        f"/riskareas/{area.pk}/change/",
        {"level": "high", "effective_from": "2022-05-10", "effective_until": "", "note": ""},
    )
    assert response.status_code == 302
    high = RiskArea.objects.get(superseded_at__isnull=True, level="high")
    assert response["Location"] == f"/riskareas/{high.pk}/"
    response = client.post(f"/riskareas/{high.pk}/lift/", {"on": "2022-06-01", "note": "解除"})
    assert response.status_code == 302
    assert _current() == [
        ("420102", "medium", D(2022, 5, 1), D(2022, 5, 10)),
        ("420102", "high", D(2022, 5, 10), D(2022, 6, 1)),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert detail.count("<tr") == 5  # the header and four rows of this region's history


def test_import_page_reports_rows(login: Any, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "list.xlsx",
        [["湖北省武汉市江岸区", "高", "2022-05-01"], ["火星市", "中", "2022-05-01"]],
        header=["地区", "风险等级", "生效日期"],
        title="清单",
    )
    client = login("district_admin", DISTRICT)
    upload = SimpleUploadedFile("list.xlsx", path.read_bytes())
    page = client.post("/riskareas/import/", {"file": upload}).content.decode()
    assert 'data-summary="rejected">1<' in page
    assert "No region is called “火星市”" in page
    assert RiskArea.objects.count() == 0
    path = xlsx(
        tmp_path / "list.xlsx",
        [["湖北省武汉市江岸区", "高", "2022-05-01"]],
        header=["地区", "风险等级", "生效日期"],
        title="清单",
    )
    upload = SimpleUploadedFile("list.xlsx", path.read_bytes())
    page = client.post("/riskareas/import/", {"file": upload}).content.decode()
    assert 'data-summary="added">1<' in page and 'id="import-applied"' in page
    assert _current() == [("420102", "high", D(2022, 5, 1), None)]


def test_export_holds_the_list_and_imports_again(admin: Scope, login: Any, tmp_path: Path) -> None:
    add(admin, "420102", "high", D(2022, 5, 1), note="全域")
    add(admin, "4401", "medium", D(2022, 5, 10), D(2022, 6, 1))
    client = login("community_worker", COMMUNITY)
    response = client.post("/riskareas/export/?view=in_force&day=2022-05-20")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = [r for r in sheet.iter_rows(values_only=True)]
    header = next(i for i, r in enumerate(rows) if r[0] == "Region")
    assert rows[header][:6] == (
        "Region",
        "Region code",
        "Risk level",
        "In force from",
        "Lifted on",
        "Note",
    )
    assert [r[:3] for r in rows[header + 1 :]] == [
        ("湖北省武汉市江岸区", "420102", "High risk"),
        ("广东省广州市", "4401", "Medium risk"),
    ]
    # The exported file imports again and changes nothing.
    (tmp_path / "export.xlsx").write_bytes(body)
    admin_client = login("district_admin", DISTRICT)
    upload = SimpleUploadedFile("export.xlsx", body)
    page = admin_client.post("/riskareas/import/", {"file": upload}).content.decode()
    assert 'data-summary="unchanged">2<' in page, page[page.find("<main") :][:4000]


def test_region_search(login: Any) -> None:
    client = login("community_worker", COMMUNITY)
    page = client.get("/riskareas/regions/?region=wuhan").content.decode()
    assert 'data-code="4201"' in page and 'data-path="湖北省武汉市"' in page
    assert client.get("/riskareas/regions/?q=").content.decode().strip() == ""


def test_the_change_is_on_the_home_page_of_the_districts_staff(
    admin: Scope, login: Any, other_admin: Scope
) -> None:
    add(admin, "420102", "high", D(2022, 5, 1))
    notice = StaffNotice.objects.get()
    page = login("community_worker", COMMUNITY).get("/").content.decode()
    assert f'data-notice="{notice.pk}"' in page and "湖北省武汉市江岸区" in page
    other = login("district_admin", OTHER_DISTRICT).get("/").content.decode()
    assert f'data-notice="{notice.pk}"' not in other
