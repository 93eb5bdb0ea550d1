"""Importing the risk-area list from a spreadsheet: every bad row reported (row, column,
value, reason), nothing half-applied, re-import idempotent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.models import AuditEntry, StaffNotice
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import SpreadsheetError
from fangkong.riskareas.importer import import_areas, parse_level
from fangkong.riskareas.models import RiskArea
from tests.conftest import DISTRICT
from tests.registry.ledgers import csv_file, xlsx

D = dt.date
HEADER = ["序号", "地区名称", "风险等级", "生效日期", "解除日期", "备注"]
TITLE = "上街区中高风险地区清单（2022年5月）"


def _sheet(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    return xlsx(tmp_path / "风险地区.xlsx", rows, header=header, title=TITLE)


def _current() -> list[tuple[Any, ...]]:
    return list(
        RiskArea.objects.filter(superseded_at__isnull=True)
        .order_by("region_code", "effective_from")
        .values_list("region_code", "level", "effective_from", "effective_until", "note", "source")
    )


GOOD = [
    [1, "湖北省武汉市江岸区", "高风险", D(2022, 5, 1), None, "全域"],
    [2, "上海市浦东新区", "中", "2022-05-03", "", ""],
    [3, "广东省广州市", "中风险地区", "2022年5月10日", "2022/6/1", "已解除"],
    [4, "河南省郑州市上街区济源路街道", "高", D(2022, 5, 12), None, None],
]


def test_a_good_list_is_applied_at_once(admin: Scope, tmp_path: Path) -> None:
    report = import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, GOOD))
    assert (report.rows, report.rejected, report.warnings, report.applied) == (4, [], [], True)
    assert report.counts == {"added": 4, "changed": 0, "ended": 0, "unchanged": 0}
    assert _current() == [
        ("310115", "medium", D(2022, 5, 3), None, "", "import"),
        ("410106001", "high", D(2022, 5, 12), None, "", "import"),
        ("420102", "high", D(2022, 5, 1), None, "全域", "import"),
        ("4401", "medium", D(2022, 5, 10), D(2022, 6, 1), "已解除", "import"),
    ]
    entry = AuditEntry.objects.get(action="riskareas.areas.imported")
    assert entry.data == {
        "file": "风险地区.xlsx",
        "counts": {"added": 4, "changed": 0, "ended": 0, "unchanged": 0},
        "regions": ["310115", "410106001", "420102", "4401"],
    }
    assert StaffNotice.objects.count() == 1
    assert StaffNotice.objects.get().body.count("\n") == 3


def test_importing_the_same_file_again_changes_nothing(admin: Scope, tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD)
    import_areas(scope=admin, district=DISTRICT, path=path)
    rows, notices = RiskArea.objects.count(), StaffNotice.objects.count()
    again = import_areas(scope=admin, district=DISTRICT, path=path)
    assert again.counts == {"added": 0, "changed": 0, "ended": 0, "unchanged": 4}
    assert (RiskArea.objects.count(), StaffNotice.objects.count()) == (rows, notices)
    assert AuditEntry.objects.filter(action="riskareas.areas.imported").count() == 2


def test_a_later_sheet_changes_and_lifts(admin: Scope, tmp_path: Path) -> None:
    import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, GOOD))
    later = [
        [1, "湖北省武汉市江岸区", "高风险", D(2022, 5, 1), D(2022, 5, 25), "全域"],  # lifted
        [2, "上海市浦东新区", "中", D(2022, 5, 3), D(2022, 5, 15), ""],  # lifted
        [3, "上海市浦东新区", "高", D(2022, 5, 15), None, "升级"],  # and high from then
        [4, "广东省广州市", "中风险地区", D(2022, 5, 10), D(2022, 6, 1), "已解除"],
    ]
    path = tmp_path / "later.xlsx"
    xlsx(path, later, header=HEADER, title=TITLE)
    report = import_areas(scope=admin, district=DISTRICT, path=path)
    assert report.counts == {"added": 1, "changed": 0, "ended": 2, "unchanged": 1}
    assert [r[:4] for r in _current()] == [
        ("310115", "medium", D(2022, 5, 3), D(2022, 5, 15)),
        ("310115", "high", D(2022, 5, 15), None),
        ("410106001", "high", D(2022, 5, 12), None),  # not in the sheet: left as it is
        ("420102", "high", D(2022, 5, 1), D(2022, 5, 25)),
        ("4401", "medium", D(2022, 5, 10), D(2022, 6, 1)),
    ]
    assert RiskArea.objects.filter(superseded_at__isnull=False).count() == 2


def test_a_level_change_in_the_sheet_keeps_the_days_before(admin: Scope, tmp_path: Path) -> None:
    import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, GOOD[:1]))
    path = tmp_path / "up.xlsx"
    xlsx(path, [[1, "420102", "中", D(2022, 5, 10), None, ""]], header=HEADER, title=TITLE)
    report = import_areas(scope=admin, district=DISTRICT, path=path)
    assert report.counts == {"added": 0, "changed": 1, "ended": 0, "unchanged": 0}
    assert [r[:4] for r in _current()] == [
        ("420102", "high", D(2022, 5, 1), D(2022, 5, 10)),
        ("420102", "medium", D(2022, 5, 10), None),
    ]


BAD = [
    [1, "湖北省武汉市江岸区", "高", D(2022, 5, 1), None, ""],  # good
    [2, "朝阳区", "中", D(2022, 5, 1), None, ""],
    [3, "火星市", "中", D(2022, 5, 1), None, ""],
    [4, "上海市浦东新区", "低风险", D(2022, 5, 1), None, ""],
    [5, "上海市黄浦区", "严重", D(2022, 5, 1), None, ""],
    [6, "北京市东城区", "高", None, None, ""],
    [7, "北京市西城区", "高", "2022.13.01", None, ""],
    [8, "天津市和平区", "中", D(2022, 5, 10), D(2022, 5, 1), ""],
    [9, "天津市河西区", "中", D(2018, 5, 10), None, ""],
    [10, "湖北省武汉市江岸区", "中", D(2022, 5, 20), None, ""],  # overlaps row 1
    [11, "湖北省武汉市江岸区花桥街道", "高", D(2022, 5, 1), None, ""],
    [12, "天津市南开区", "中", D(2022, 5, 1), None, "长" * 201],
]


def test_every_bad_row_is_reported_and_nothing_is_saved(admin: Scope, tmp_path: Path) -> None:
    report = import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, BAD))
    assert report.applied is False
    assert report.rows == 12
    assert [(r["row"], r["column"], r["value"]) for r in report.rejected] == [
        (4, "地区名称", "朝阳区"),
        (5, "地区名称", "火星市"),
        (6, "风险等级", "低风险"),
        (7, "风险等级", "严重"),
        (8, "生效日期", ""),
        (9, "生效日期", "2022.13.01"),
        (10, "解除日期", "2022-05-01"),
        (11, "生效日期", "2018-05-10"),
        (12, "地区名称", "湖北省武汉市江岸区"),
        (13, "地区名称", "湖北省武汉市江岸区花桥街道"),
        (14, "备注", "长" * 40 + "…"),
    ]
    reasons = {r["row"]: r["reason"] for r in report.rejected}
    assert reasons[4].startswith("“朝阳区” fits several regions")
    assert reasons[6] == "Low-risk areas are not listed; leave the row out."
    assert reasons[7] == "The level is 高 (high) or 中 (medium)."
    assert reasons[8] == "The start date is required."
    assert reasons[10] == "The area is lifted after the day it starts."
    assert reasons[11] == "The date must lie between 2019-12-01 and a year from today."
    assert reasons[12] == "Row 3 lists the same region for days that overlap these."
    assert reasons[14] == "At most 200 characters."
    assert RiskArea.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert StaffNotice.objects.count() == 0


def test_a_code_column_and_a_name_that_disagrees(admin: Scope, tmp_path: Path) -> None:
    header = ["区划代码", "地区", "风险等级", "起始日期"]
    rows: list[list[Any]] = [
        ["420102", "", "高", D(2022, 5, 1)],
        [420103, "湖北省武汉市江汉区", "中", D(2022, 5, 1)],  # a number, as Excel stores it
        ["310115", "湖北省武汉市江岸区", "中", D(2022, 5, 1)],
        ["4201000", "", "中", D(2022, 5, 1)],
    ]
    report = import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, rows, header))
    assert [(r["row"], r["column"], r["reason"]) for r in report.rejected] == [
        (5, "地区", "The name is 湖北省武汉市江岸区 but the code 310115 is 上海市浦东新区."),
        (
            6,
            "区划代码",
            "A region code has 2, 4, 6 or 9 digits (or 6 or 12 with trailing zeros).",
        ),
    ]
    del rows[2:]
    report = import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, rows, header))
    assert report.counts["added"] == 2
    assert [r[0] for r in _current()] == ["420102", "420103"]


def test_footer_lines_and_unknown_columns(admin: Scope, tmp_path: Path) -> None:
    header = [*HEADER, "发布单位"]
    path = xlsx(
        tmp_path / "f.xlsx",
        [[1, "湖北省武汉市江岸区", "高", D(2022, 5, 1), None, "", "省指挥部"]],
        header=header,
        title=TITLE,
        footer=[["", "填表人：张三"], ["", "注：以国家卫健委公布为准"]],
    )
    report = import_areas(scope=admin, district=DISTRICT, path=path)
    assert report.rows == 1
    assert report.counts["added"] == 1
    assert report.warnings == [
        {
            "row": 2,
            "column": "发布单位",
            "value": "",
            "reason": "This column is not part of the risk-area list and was ignored.",
        }
    ]


def test_a_csv_in_gb18030(admin: Scope, tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "areas.csv",
        [["湖北省武汉市江岸区", "高", "2022-05-01", "", ""]],
        header=["地区", "风险等级", "生效日期", "解除日期", "备注"],
        encoding="gb18030",
    )
    report = import_areas(scope=admin, district=DISTRICT, path=path)
    assert report.counts["added"] == 1


def test_a_dry_run_checks_and_saves_nothing(admin: Scope, tmp_path: Path) -> None:
    report = import_areas(scope=admin, district=DISTRICT, path=_sheet(tmp_path, GOOD), dry_run=True)
    assert (report.counts["added"], report.applied, report.dry_run) == (4, False, True)
    assert RiskArea.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            ["风险等级", "生效日期"],
            "The header names no region column: add 地区 (or 地区名称) or 区划代码.",
        ),
        (["地区", "风险等级"], "The header names no start date column: add 生效日期."),
    ],
)
def test_a_file_without_the_columns_is_refused(
    admin: Scope, tmp_path: Path, header: list[str], message: str
) -> None:
    path = xlsx(tmp_path / "x.xlsx", [["高", "2022-05-01"]], header=header, title=None)
    with pytest.raises(SpreadsheetError) as caught:
        import_areas(scope=admin, district=DISTRICT, path=path)
    assert caught.value.message == message


def test_only_the_administrator_imports(viewer: Scope, other_admin: Scope, tmp_path: Path) -> None:
    path = _sheet(tmp_path, GOOD)
    with pytest.raises(PermissionDenied):
        import_areas(scope=viewer, district=DISTRICT, path=path)
    with pytest.raises(NotFound):
        import_areas(scope=other_admin, district=DISTRICT, path=path)
    assert RiskArea.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("高", "high"),
        ("高风险", "high"),
        ("高风险区", "high"),
        ("高风险地区", "high"),
        ("中", "medium"),
        ("中风险", "medium"),
        ("中风险区", "medium"),
        (" 中 ", "medium"),
        ("High risk", "high"),
        ("medium", "medium"),
    ],
)
def test_levels_as_offices_write_them(raw: str, level: str) -> None:
    assert parse_level(raw) == level
