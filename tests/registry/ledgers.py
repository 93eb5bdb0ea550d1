"""Small real ledgers for the import tests, built the way offices' files look.

openpyxl writes most of them (merged title rows, numbers where Excel would put numbers);
XlsxWriter writes the ones with formulas, because it can store a formula's cached value
(openpyxl cannot, and a reader then sees an empty cell); xlwt writes .xls.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import xlsxwriter
import xlwt
from openpyxl.utils import get_column_letter
from stdnum.cn.ric import calc_check_digit

TITLE = "中安街社区居民信息登记表"
HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "联系电话",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "人员类别",
    "与户主关系",
    "备注",
]


@dataclass(frozen=True)
class Formula:
    """A formula cell with the value Excel cached for it."""

    formula: str
    value: object


def rid(birth: str = "19900101", seq: int = 12, *, sex: str = "M", region: str = "410106") -> str:
    """A valid resident identity number: region, birth date, sequence with the sex digit."""
    order = f"{seq:02d}{1 if sex == 'M' else 2}"
    body = f"{region}{birth}{order}"
    return body + calc_check_digit(body + "0")  # stdnum wants a check digit slot


def xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    title: str | None = TITLE,
    above: int = 0,
    footer: Sequence[Sequence[object]] = (),
) -> Path:
    """An .xlsx: `above` empty rows, a merged title row, the header, rows, footer lines."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "人员信息"
    for _n in range(above):
        sheet.append([])
    if title:
        sheet.append([title])
        row = sheet.max_row
        sheet.merge_cells(f"A{row}:{get_column_letter(len(header))}{row}")
    sheet.append(list(header))
    for values in [*rows, *footer]:
        sheet.append(list(values))
    book.save(path)
    return path


def xlsx_with_formulas(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    title: str = TITLE,
) -> Path:
    """An .xlsx whose cells may be `Formula`s, written as Excel would (cached values)."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 0, len(header) - 1, title)
    for col, name in enumerate(header):
        sheet.write_string(1, col, name)
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values):
            if isinstance(value, Formula):
                sheet.write_formula(r, col, value.formula, None, value.value)
            elif isinstance(value, str):
                sheet.write_string(r, col, value)
            elif value is not None:
                sheet.write(r, col, value)
    book.close()
    return path


def xls(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    title: str = TITLE,
) -> Path:
    """An old .xls (BIFF8), as many offices still keep them."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Sheet1")
    sheet.write_merge(0, 0, 0, len(header) - 1, title)
    for col, name in enumerate(header):
        sheet.write(1, col, name)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values):
            if isinstance(value, dt.date):
                sheet.write(r, col, value, date_style)
            elif value is not None:
                sheet.write(r, col, value)
    book.save(str(path))
    return path


def csv_file(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path
