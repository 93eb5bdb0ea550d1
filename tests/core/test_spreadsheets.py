"""Reading ledgers as offices send them, and writing exports Excel will not mangle."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from django.utils import translation
from msoffcrypto.format.ooxml import OOXMLFile

from fangkong.core.spreadsheets import (
    Column,
    SpreadsheetError,
    Table,
    normalize_header,
    open_table,
    write_xlsx,
    xlsx_bytes,
    xlsx_chunks,
)

ALIASES = {
    "name": ["姓名"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码"],
    "phone": ["联系电话", "手机号"],
    "compound": ["小区"],
    "building": ["楼栋"],
    "birth_date": ["出生日期"],
}


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are compared in their English source form, whatever the catalogs say."""
    with translation.override("en"):
        yield


def table(path: Path, **kwargs: Any) -> Table:
    return open_table(path, header_aliases=ALIASES, required={"name"}, **kwargs)


def records(path: Path, **kwargs: Any) -> list[tuple[int, dict[str, Any]]]:
    with table(path, **kwargs) as t:
        return list(t)


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --- Reading -------------------------------------------------------------------------


def test_header_is_found_below_a_merged_title_in_any_column_order(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([])
    sheet.append(["中安街社区居民信息登记表"])
    sheet.merge_cells("A2:E2")
    sheet.append(["序号", "联系电话", "* 公民身份号码\n（必填）", "姓名", "文化程度"])
    sheet.append([1, "13800000001", "410106199001010119", "张三", "高中"])
    sheet.append([])
    sheet.append([2, 13800000002, 4.10106199001011e17, "李四", None])
    book.save(tmp_path / "a.xlsx")

    with table(tmp_path / "a.xlsx") as t:
        assert (t.header_row, t.sheet_name, t.filename) == (3, "Sheet", "a.xlsx")
        assert t.columns == {"phone": 1, "id_number": 2, "name": 3}
        assert t.extra == [(0, "序号"), (4, "文化程度")]
        assert t.header_of("id_number") == "* 公民身份号码 （必填）"
        assert t.total_rows == 3
        rows = list(t)
    # The sheet's own row numbers; the blank row 5 is skipped; raw values kept, so an
    # identity number Excel turned into a float stays a float.
    assert rows == [
        (4, {"phone": "13800000001", "id_number": "410106199001010119", "name": "张三"}),
        (6, {"phone": 13800000002.0, "id_number": 4.10106199001011e17, "name": "李四"}),
    ]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("* 身份证号码（必填）\n", "身份证号码"),
        ("姓 名", "姓名"),
        ("联系电话(手机)", "联系电话"),
        ("【小区】名称：", "名称"),
        ("Phone", "phone"),
        (None, ""),
    ],
)
def test_header_names_are_normalised(raw: object, normal: str) -> None:
    assert normalize_header(raw) == normal


def test_two_line_header_under_a_merged_group(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "居住地址", None, "联系电话"])
    sheet.append([None, "小区", "楼栋", None])
    sheet.merge_cells("B1:C1")
    sheet.append(["张三", "金华小区", "3号楼", "13800000001"])
    book.save(tmp_path / "two.xlsx")
    with table(tmp_path / "two.xlsx") as t:
        assert (t.header_row, t.columns) == (
            2,
            {"name": 0, "phone": 3, "compound": 1, "building": 2},
        )
        assert list(t) == [
            (
                3,
                {
                    "name": "张三",
                    "phone": "13800000001",
                    "compound": "金华小区",
                    "building": "3号楼",
                },
            )
        ]


def test_formulas_are_read_as_their_cached_values(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "小区", "楼栋"])
    sheet.write_string(1, 0, "张三")
    sheet.write_formula(1, 1, '="金华"&"小区"', None, "金华小区")
    sheet.write_formula(1, 2, "=1+2", None, 3)
    book.close()
    assert records(path) == [(2, {"name": "张三", "compound": "金华小区", "building": 3.0})]


def test_the_sheet_with_the_header_is_used(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "填表说明"
    notes.append(["请按要求填写"])
    data = book.create_sheet("人员")
    data.append(["姓名", "手机号"])
    data.append(["张三", "13800000001"])
    book.save(tmp_path / "s.xlsx")
    with table(tmp_path / "s.xlsx") as t:
        assert (t.sheet_name, list(t)) == ("人员", [(2, {"name": "张三", "phone": "13800000001"})])


def test_xls_files_are_read(tmp_path: Path) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write_merge(0, 0, 0, 2, "登记表")
    for col, name in enumerate(["姓名", "身份证号", "出生日期"]):
        sheet.write(1, col, name)
    sheet.write(2, 0, "张三")
    sheet.write(2, 1, "410106199001010119")
    sheet.write(2, 2, dt.date(1990, 1, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    book.save(str(tmp_path / "old.xls"))
    assert records(tmp_path / "old.xls") == [
        (3, {"name": "张三", "id_number": "410106199001010119", "birth_date": dt.date(1990, 1, 1)}),
    ]


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8-sig", ","),
        ("utf-8", ","),
        ("gbk", ","),
        ("gb18030", ";"),
        ("utf-8", "\t"),
        ("utf-16", "\t"),
    ],
)
def test_csv_in_every_encoding_office_software_writes(
    tmp_path: Path, encoding: str, delimiter: str
) -> None:
    path = tmp_path / "a.csv"
    lines = [
        "中安街社区居民登记",
        "姓名,身份证号,联系电话",
        "张三,410106199001010119,138 0000 0001",
        "",
        "李四,,",
    ]
    path.write_bytes("\r\n".join(line.replace(",", delimiter) for line in lines).encode(encoding))
    with table(path) as t:
        assert (t.header_row, t.total_rows) == (2, 3)
        assert list(t) == [
            (3, {"name": "张三", "id_number": "410106199001010119", "phone": "138 0000 0001"}),
            (5, {"name": "李四", "id_number": "", "phone": ""}),
        ]


def test_a_gbk_character_late_in_a_csv_is_not_garbled(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "".join(f"user{i},1380000{i:04d}\n" for i in range(3000))
    text = "姓名,联系电话\n" + body + "王五,1\n"
    path.write_bytes(text.encode("gbk"))
    assert records(path)[-1] == (3002, {"name": "王五", "phone": "1"})


# --- Clear errors ----------------------------------------------------------------------


def error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(SpreadsheetError) as exc:
        table(path, **kwargs)
    return exc.value.message


def test_unsupported_file_types(tmp_path: Path) -> None:
    (tmp_path / "ledger.docx").write_bytes(b"PK\x03\x04rest")
    (tmp_path / "ledger").write_text("姓名\n张三\n")
    assert error(tmp_path / "ledger.docx") == (
        "Files of type “.docx” cannot be imported; save the ledger as .xlsx, .xls or .csv."
    )
    assert error(tmp_path / "ledger") == (
        "Files of type “ledger” cannot be imported; save the ledger as .xlsx, .xls or .csv."
    )


def test_the_uploaded_name_decides_the_type_not_the_temporary_path(tmp_path: Path) -> None:
    path = workbook(tmp_path / "upload.tmp", [["姓名"], ["张三"]])
    assert records(path, filename="台账.xlsx") == [(2, {"name": "张三"})]


def test_a_picture_renamed_to_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert error(path) == (
        "This file is not an Excel workbook although its name ends in .xlsx; open it in Excel "
        "or WPS and save it as .xlsx."
    )


def test_a_web_page_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "export.xls"
    path.write_text("<html><table><tr><td>姓名</td></tr></table></html>", encoding="utf-8")
    assert error(path) == (
        "This .xls file is really a web page exported by another system, not an Excel "
        "workbook; open it in Excel or WPS and save it as .xlsx."
    )


def test_an_empty_file(tmp_path: Path) -> None:
    for name in ("empty.xlsx", "empty.csv"):
        (tmp_path / name).write_bytes(b"")
        assert error(tmp_path / name) == "The file is empty."
    (tmp_path / "blank.csv").write_text("\n\n  \n")
    assert error(tmp_path / "blank.csv") == "The file contains no data."
    assert error(workbook(tmp_path / "blank.xlsx", [])) == "The file contains no data."


def test_no_header_row_names_the_expected_columns(tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [["人员名单"], ["名字", "电话"], ["张三", "1"]])
    assert error(path) == (
        "No header row was found in the first 20 rows. The header must name at least these "
        "columns: 姓名 (known columns: 姓名、身份证号、联系电话、小区、楼栋、出生日期)."
    )


def test_a_50_mb_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    assert error(path, max_bytes=30 * 1024 * 1024) == (
        "The file is 50 MB; the largest file accepted is 30 MB. Split the ledger into "
        "smaller files."
    )
    assert error(path, max_bytes=int(2.5 * 1024 * 1024)) == (
        "The file is 50 MB; the largest file accepted is 2.5 MB. Split the ledger into "
        "smaller files."
    )


def test_a_password_protected_workbook(tmp_path: Path) -> None:
    plain = workbook(tmp_path / "plain.xlsx", [["姓名"], ["张三"]])
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        OOXMLFile(source).encrypt("secret", target)
    assert error(locked) == (
        "The file is protected by a password; open it in Excel, remove the password "
        "(File > Info > Protect Workbook) and save it again."
    )


def test_a_damaged_workbook(tmp_path: Path) -> None:
    whole = workbook(tmp_path / "whole.xlsx", [["姓名"], ["张三"]]).read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    assert error(tmp_path / "cut.xlsx") == (
        "The file is damaged or not a complete Excel workbook; open it in Excel or WPS and "
        "save it again."
    )
    with zipfile.ZipFile(tmp_path / "noxml.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    assert error(tmp_path / "noxml.xlsx") == (
        "The file is damaged or not a complete Excel workbook; open it in Excel or WPS and "
        "save it again."
    )


def test_binary_data_in_a_csv(tmp_path: Path) -> None:
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02\x03" * 100)
    assert error(tmp_path / "bin.csv") == (
        "This .csv file holds binary data, not text; save the ledger from Excel as .xlsx or as CSV."
    )


# --- Writing ---------------------------------------------------------------------------

COLUMNS = [
    Column("name", "姓名", 10),
    Column("id_number", "身份证号", 22, "code"),
    Column("phone", "联系电话", 14, "code"),
    Column("birth_date", "出生日期", 12, "date"),
    Column("seen_at", "核实时间", 18, "datetime"),
    Column("count", "人数", 8, "number"),
]


def test_write_xlsx_keeps_identity_numbers_as_text_and_dates_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    rows: list[dict[str, Any] | list[Any]] = [
        {
            "name": "张三",
            "id_number": "410106199001010119",
            "phone": "13800000001",
            "birth_date": dt.date(1990, 1, 1),
            "seen_at": dt.datetime(2022, 3, 4, 5, 6),
            "count": 3,
        },
        ['=HYPERLINK("x")', "00123", None, None, None, 1.5],
    ]
    count = write_xlsx(
        path,
        sheet_name="人员/名单",
        title="居民名单",
        meta=[("导出人", "张三"), ("筛选条件", "全部")],
        columns=COLUMNS,
        rows=rows,
    )
    assert count == 2
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    assert sheet.title == "人员_名单"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [
        ["居民名单", None, None, None, None, None],
        ["导出人：张三", None, None, None, None, None],
        ["筛选条件：全部", None, None, None, None, None],
        ["姓名", "身份证号", "联系电话", "出生日期", "核实时间", "人数"],
        [
            "张三",
            "410106199001010119",
            "13800000001",
            dt.datetime(1990, 1, 1),
            dt.datetime(2022, 3, 4, 5, 6),
            3,
        ],
        ['=HYPERLINK("x")', "00123", None, None, None, 1.5],
    ]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:F1"]
    assert sheet["B5"].number_format == "@"
    assert sheet["D5"].number_format == "yyyy-mm-dd"
    assert sheet["E5"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["A6"].data_type == "s"  # text, never a formula
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A5", "A4:F6")


def test_write_xlsx_into_a_file_object_and_aware_times_in_local_time() -> None:
    aware = dt.datetime(2022, 3, 4, 0, 30, tzinfo=dt.UTC)
    data = xlsx_bytes(
        sheet_name="s", title="t", meta=[], columns=COLUMNS[4:5], rows=[{"seen_at": aware}]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    # Asia/Shanghai, the project's time zone, is 8 hours ahead of UTC.
    assert sheet["A3"].value == dt.datetime(2022, 3, 4, 8, 30)


def test_xlsx_chunks_stream_a_complete_workbook_and_report_the_count() -> None:
    done: list[int] = []
    rows = ({"name": f"人{i}"} for i in range(3000))
    chunks = list(
        xlsx_chunks(
            sheet_name="s",
            title="t",
            meta=[],
            columns=COLUMNS[:1],
            rows=rows,
            chunk_size=4096,
            on_done=done.append,
        )
    )
    assert done == [3000]
    assert len(chunks) > 1 and all(len(c) <= 4096 for c in chunks)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(chunks))).active
    assert sheet is not None
    assert (sheet.max_row, sheet["A3"].value, sheet["A3002"].value) == (3002, "人0", "人2999")
