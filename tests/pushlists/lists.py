"""Pushed-list files as senders make them: .csv (UTF-8 or GB18030), .xlsx with a title
row, .xls."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import xlwt
from openpyxl.utils import get_column_letter

HEADER = ["姓名", "身份证号", "手机号", "推送来源", "推送原因", "现住址"]
TITLE = "关于开展重点人员落地核查的通知（第5批）"


def row(
    name: str = "",
    id_number: object = "",
    phone: object = "",
    source: str = "",
    reason: str = "",
    address: str = "",
) -> list[object]:
    """A row in HEADER's order."""
    return [name, id_number, phone, source, reason, address]


def write(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    title: str | None = None,
    encoding: str = "utf-8-sig",
    footer: Sequence[Sequence[object]] = (),
) -> Path:
    suffix = path.suffix
    if suffix == ".csv":
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            if title:
                writer.writerow([title])
            writer.writerow(header)
            writer.writerows([*rows, *footer])
    elif suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        if title:
            sheet.append([title])
            sheet.merge_cells(f"A1:{get_column_letter(len(header))}1")
        sheet.append(list(header))
        for values in [*rows, *footer]:
            sheet.append(list(values))
        book.save(path)
    elif suffix == ".xls":
        book = xlwt.Workbook(encoding="utf-8")
        sheet = book.add_sheet("Sheet1")
        start = 0
        if title:
            sheet.write_merge(0, 0, 0, len(header) - 1, title)
            start = 1
        for col, name in enumerate(header):
            sheet.write(start, col, name)
        for r, values in enumerate([*rows, *footer], start=start + 1):
            for col, value in enumerate(values):
                if value is not None and value != "":
                    sheet.write(r, col, value)
        book.save(str(path))
    else:
        raise ValueError(suffix)
    return path
