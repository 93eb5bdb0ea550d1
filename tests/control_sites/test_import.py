"""Rooms of a site imported from an .xlsx as offices write it: all or nothing, every
rejected row named, rooms already there left as they are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fangkong.accounts.models import User
from fangkong.control.models import Room
from fangkong.control.sites import services
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope

from .conftest import Sites

pytestmark = pytest.mark.usefixtures("english")

HEADER = ["房间号", "楼层", "床位数", "家庭房", "停用", "备注"]
GOOD = [
    ["401", 4, None, "否", "否", None],
    [402, "4楼", 1, None, None, "靠电梯"],
    ["501", 5, 3, "是", None, None],
    ["502", 5, None, None, "是", "维修"],
    ["201", 2, None, None, None, None],  # the site has it already
]


def xlsx(tmp_path: Path, rows: list[list[Any]], name: str = "rooms.xlsx") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["一号隔离点房间台账"])  # a title row above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def rooms(site: Any) -> dict[str, tuple[Any, ...]]:
    return {
        r.number: (r.floor, r.beds, r.is_family, r.out_of_service, r.note)
        for r in Room.objects.filter(site=site)
    }


def test_a_good_file_adds_the_new_rooms(
    sites: Sites, scopes: dict[str, Scope], tmp_path: Path
) -> None:
    before = rooms(sites.a)
    report = services.rooms_import(
        scope=scopes["officer"], site=sites.a, path=xlsx(tmp_path, GOOD), filename="台账.xlsx"
    )
    assert (report.rows, report.added, report.already, report.rejected, report.applied) == (
        5,
        4,
        1,
        [],
        True,
    )
    after = rooms(sites.a)
    assert {k: v for k, v in after.items() if k not in before} == {
        "401": (4, 1, False, False, ""),
        "402": (4, 1, False, False, "靠电梯"),
        "501": (5, 3, True, False, ""),
        "502": (5, 1, False, True, "维修"),
    }
    assert after["201"] == before["201"]
    assert set(Room.objects.filter(site=sites.a).values_list("jurisdiction_code", flat=True)) == {
        sites.a.jurisdiction_code
    }
    entry = AuditEntry.objects.get(action="control.room.imported")
    assert (entry.object_id, entry.data) == (
        str(sites.a.pk),
        {"filename": "台账.xlsx", "rows": 5, "added": 4, "already": 1},
    )


def test_one_bad_row_and_nothing_is_written(
    sites: Sites, scopes: dict[str, Scope], tmp_path: Path
) -> None:
    before = rooms(sites.a)
    bad = [
        ["401", 4, None, None, None, None],
        [None, 4, 1, None, None, "没写房号"],
        ["403", 4, 2, "否", None, None],
        ["404", "四楼", None, "可能", None, None],
        ["501", 5, 30, "是", None, None],
        ["401", 4, None, None, None, None],
        ["502", 5, None, None, "是", None],
        ["503", 5, "两张", "是", None, None],
    ]
    report = services.rooms_import(
        scope=scopes["officer"], site=sites.a, path=xlsx(tmp_path, bad), filename="台账.xlsx"
    )
    assert report.applied is False and report.added == 0 and report.rows == 8
    assert report.rejected == [
        {"row": 4, "column": "房间号", "value": "", "reason": "The room number is required."},
        {
            "row": 5,
            "column": "床位数",
            "value": "2",
            "reason": "Only a family room has more than one bed (one person per room).",
        },
        {
            "row": 6,
            "column": "楼层",
            "value": "四楼",
            "reason": "The floor is a whole number from -5 to 200.",
        },
        {"row": 6, "column": "家庭房", "value": "可能", "reason": "Write 是 or 否."},
        {"row": 7, "column": "床位数", "value": "30", "reason": "A room has at most 12 beds."},
        {
            "row": 8,
            "column": "房间号",
            "value": "401",
            "reason": "Row 3 has this room number already.",
        },
        {"row": 9, "column": "备注", "value": "", "reason": "Say why the room is out of service."},
        {"row": 10, "column": "床位数", "value": "两张", "reason": "The beds are a whole number."},
    ]
    assert rooms(sites.a) == before
    assert not AuditEntry.objects.filter(action="control.room.imported").exists()


def test_importing_again_finds_every_room_there(
    sites: Sites, scopes: dict[str, Scope], tmp_path: Path
) -> None:
    path = xlsx(tmp_path, GOOD)
    services.rooms_import(scope=scopes["officer"], site=sites.a, path=path)
    after_first = rooms(sites.a)
    again = services.rooms_import(scope=scopes["officer"], site=sites.a, path=path)
    assert (again.rows, again.added, again.already, again.applied) == (5, 0, 5, True)
    assert rooms(sites.a) == after_first
    assert AuditEntry.objects.filter(action="control.room.imported").count() == 2


def test_only_the_site_s_own_office_imports(
    sites: Sites, scopes: dict[str, Scope], tmp_path: Path
) -> None:
    path = xlsx(tmp_path, GOOD)
    with pytest.raises(NotFound):
        services.rooms_import(scope=scopes["town_officer"], site=sites.a, path=path)
    with pytest.raises(PermissionDenied):
        services.rooms_import(scope=scopes["viewer"], site=sites.a, path=path)
    assert not Room.objects.filter(site=sites.a, number="401").exists()


def _client(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=username))
    client.cookies["django_language"] = "en"
    return client


def _upload(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile("台账.xlsx", path.read_bytes())


def test_the_upload_page(sites: Sites, scopes: dict[str, Scope], tmp_path: Path) -> None:
    url = reverse("control:sites_rooms_import", args=[sites.a.pk])
    officer = _client("officer")
    board = officer.get(reverse("control:sites_board", args=[sites.a.pk]))
    assert url in board.content.decode()
    bad = xlsx(tmp_path, [["401", 4, 2, None, None, None]], name="bad.xlsx")
    response = officer.post(url, {"file": _upload(bad)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 problem found; nothing was saved." in page
    assert "Only a family room has more than one bed (one person per room)." in page
    assert not Room.objects.filter(site=sites.a, number="401").exists()
    response = officer.post(url, {"file": _upload(xlsx(tmp_path, GOOD))})
    assert response.status_code == 302 and response["Location"] == reverse(
        "control:sites_board", args=[sites.a.pk]
    )
    assert Room.objects.filter(site=sites.a, number__in=["401", "402", "501", "502"]).count() == 4
    board = officer.get(response["Location"]).content.decode()
    assert "4 rooms added, 1 were there already." in board
    town = _client("town_officer").post(url, {"file": _upload(xlsx(tmp_path, GOOD))})
    assert town.status_code == 404
    viewer = _client("viewer").post(url, {"file": _upload(xlsx(tmp_path, GOOD))})
    assert viewer.status_code == 403
