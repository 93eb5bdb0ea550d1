"""Import the risk-area list from a spreadsheet as offices write it.

Columns (any order, title rows above the header are fine): 地区 or 地区名称 (a name such
as 湖北省武汉市江岸区) and/or 区划代码; 风险等级 (高, 中, 高风险, 中风险, 高风险区 ...);
生效日期 or 起始日期; 解除日期; 备注. Every row is checked first and every rejected row
is reported with its row number, column, value and reason; the list is applied only
when no row is rejected, all at once (a half-applied list would classify arrivals
against a list nobody sent). Re-importing the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.identifiers import IdentifierError, clean_text, parse_date
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Cell, SpreadsheetError, open_table

from . import services
from .origins import RegionError, resolve
from .services import AHEAD_DAYS, EARLIEST, NOTE_MAX, AreaInput

# The names offices use; the English ones are this list's own export in English.
ALIASES: dict[str, list[str]] = {
    "serial": ["序号", "编号"],
    "region": [
        "地区",
        "地区名称",
        "风险地区",
        "风险区域",
        "区域",
        "区域名称",
        "所在地区",
        "Region",
    ],
    "code": ["区划代码", "行政区划代码", "地区代码", "区域代码", "Region code"],
    "level": ["风险等级", "等级", "风险级别", "级别", "Risk level"],
    "effective_from": ["生效日期", "起始日期", "开始日期", "划定日期", "生效时间", "In force from"],
    "effective_until": ["解除日期", "结束日期", "截止日期", "解除时间", "Lifted on"],
    "note": ["备注", "说明", "Note"],
}
REQUIRED = {"level"}
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

_LEVEL_NOISE = re.compile(r"[\s　]|风险|地区|区域|等级|级|区$|risk|area")
_LEVELS = {"高": "high", "high": "high", "中": "medium", "medium": "medium"}
_FOOTER = re.compile(r"^(?:填表|制表|填报|审核|负责|联系|注[:：、]|说明|备注|合计|总计|以下空白)")


@dataclass
class ImportReport:
    rows: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    applied: bool = False
    dry_run: bool = False

    def reject(self, row: int, column: str, value: object, reason: str) -> None:
        self.rejected.append(
            {"row": row, "column": column, "value": _display(value), "reason": reason}
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "counts": self.counts,
            "applied": self.applied,
            "dry_run": self.dry_run,
        }


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d}"
    return str(value)


def parse_level(raw: object) -> str:
    """高/中/高风险/中风险/高风险区/high/medium -> "high"/"medium"; ValueError otherwise."""
    text = _LEVEL_NOISE.sub("", clean_text(raw).lower())
    if text in _LEVELS:
        return _LEVELS[text]
    if text.startswith("低") or text == "low":
        raise ValueError(_("Low-risk areas are not listed; leave the row out."))
    raise ValueError(_("The level is 高 (high) or 中 (medium)."))


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def import_areas(
    *,
    scope: Scope,
    district: str,
    path: str | Path,
    filename: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Check every row of a risk-area spreadsheet; apply them all when none is rejected.

    Raises SpreadsheetError when the file cannot be read at all, NotFound or
    PermissionDenied without RISK_AREA_MANAGE at the district.
    """
    scope.require(Perm.RISK_AREA_MANAGE)
    scope.require(Perm.RISK_AREA_MANAGE, at=district)
    report = ImportReport(dry_run=dry_run)
    inputs: list[tuple[int, AreaInput]] = []
    with open_table(
        path, filename=filename, header_aliases=ALIASES, required=REQUIRED, max_bytes=MAX_BYTES
    ) as table:
        if "region" not in table.columns and "code" not in table.columns:
            raise SpreadsheetError(
                _("The header names no region column: add 地区 (or 地区名称) or 区划代码.")
            )
        if "effective_from" not in table.columns:
            raise SpreadsheetError(_("The header names no start date column: add 生效日期."))
        for _index, header in table.extra:
            report.warnings.append(
                {
                    "row": table.header_row,
                    "column": header,
                    "value": "",
                    "reason": _("This column is not part of the risk-area list and was ignored."),
                }
            )
        head = {
            key: table.header_of(key) if key in table.columns else ALIASES[key][0]
            for key in ALIASES
        }
        for number, cells in table:
            if report.rows >= MAX_ROWS:
                raise SpreadsheetError(
                    _("The file has more than %(n)d rows; a risk-area list is shorter.")
                    % {"n": MAX_ROWS}
                )
            row = _read_row(number, cells, head, report)
            if row is not None:
                inputs.append((number, row))
    _check_overlaps(inputs, head, report)
    report.rejected.sort(key=lambda e: (e["row"], e["column"]))
    if report.rejected or not inputs:
        return report
    counts = services.areas_import_apply(
        scope=scope,
        district=district,
        rows=[row for _number, row in inputs],
        filename=filename or Path(path).name,
        dry_run=dry_run,
    )
    report.counts = counts.as_dict()
    report.applied = not dry_run
    return report


def _read_row(
    number: int, cells: dict[str, Cell], head: dict[str, str], report: ImportReport
) -> AreaInput | None:
    region_raw, code_raw = cells.get("region"), cells.get("code")
    level_raw = cells.get("level")
    if _blank(level_raw) and _blank(code_raw):
        text = clean_text(region_raw)
        if not text or _FOOTER.match(text):
            return None  # a footer line (填表人：…) or a half-filled template row
    report.rows += 1
    rejected = len(report.rejected)
    region = None
    try:
        code = "" if _blank(code_raw) else _display(code_raw).strip()
        region = resolve("" if _blank(region_raw) else str(region_raw), code)
        if code and not _blank(region_raw):
            named = resolve(str(region_raw))
            if named.code != region.code:
                report.reject(
                    number,
                    head["region"],
                    region_raw,
                    _("The name is %(name)s but the code %(code)s is %(coded)s.")
                    % {"name": named.path, "code": region.code, "coded": region.path},
                )
    except RegionError as exc:
        column = head["code"] if not _blank(code_raw) else head["region"]
        value = code_raw if not _blank(code_raw) else region_raw
        report.reject(number, column, value, str(exc))
    level = ""
    try:
        level = parse_level(level_raw)
    except ValueError as exc:
        report.reject(number, head["level"], level_raw, str(exc))
    start = _date(number, cells.get("effective_from"), head["effective_from"], report, True)
    until = _date(number, cells.get("effective_until"), head["effective_until"], report, False)
    if start and until and until <= start:
        report.reject(
            number,
            head["effective_until"],
            cells.get("effective_until"),
            _("The area is lifted after the day it starts."),
        )
    note = clean_text(cells.get("note"))
    if len(note) > NOTE_MAX:
        report.reject(number, head["note"], note[:40] + "…", _("At most 200 characters."))
    if len(report.rejected) > rejected or region is None or start is None:
        return None
    return AreaInput(region, level, start, until, note)


def _date(
    number: int, raw: Cell, column: str, report: ImportReport, required: bool
) -> dt.date | None:
    if _blank(raw):
        if required:
            report.reject(number, column, raw, _("The start date is required."))
        return None
    try:
        day = parse_date(raw)
    except IdentifierError as exc:
        report.reject(number, column, raw, str(exc))
        return None
    latest = timezone.localdate() + dt.timedelta(days=AHEAD_DAYS)
    if not EARLIEST <= day <= latest:
        report.reject(
            number,
            column,
            raw,
            _("The date must lie between %(first)s and a year from today.")
            % {"first": EARLIEST.isoformat()},
        )
        return None
    return day


def _check_overlaps(
    inputs: list[tuple[int, AreaInput]], head: dict[str, str], report: ImportReport
) -> None:
    """Two rows of one region for periods that share a day contradict each other."""
    seen: dict[str, list[tuple[int, AreaInput]]] = {}
    for number, row in inputs:
        for other_number, other in seen.get(row.region.code, []):
            if _share_a_day(row, other):
                report.reject(
                    number,
                    head["region"],
                    row.region.path,
                    _("Row %(row)d lists the same region for days that overlap these.")
                    % {"row": other_number},
                )
                break
        seen.setdefault(row.region.code, []).append((number, row))


def _share_a_day(a: AreaInput, b: AreaInput) -> bool:
    return (b.effective_until is None or a.effective_from < b.effective_until) and (
        a.effective_until is None or b.effective_from < a.effective_until
    )
