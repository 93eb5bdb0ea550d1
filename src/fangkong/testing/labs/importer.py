"""A lab's results from a spreadsheet (.xlsx/.xls/.csv), as the lab's system exports
them: 样本编号/管码/条码, 检测结果 (阴性/阳性/可疑/无效), 检测时间, Ct值. Every row is checked
and either stored (through the same `results_ingest` as the API, 500 rows a batch) or
rejected with its reason; the rejected rows come back in the lab's own layout plus
错误原因, to fix and upload again (rows stored before are not stored twice: a row's key is
its barcode and test time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Cell, Column, SpreadsheetError, open_table, write_xlsx

from ..models import Lab
from . import results as lab_results

BATCH = lab_results.MAX_RESULTS

ALIASES: dict[str, tuple[str, ...]] = {
    "barcode": (
        "样本编号",
        "管码",
        "条码",
        "样本条码",
        "试管编号",
        "采样管编号",
        "混管编号",
        "barcode",
    ),
    "result": ("检测结果", "结果", "核酸结果", "result"),
    "tested_at": ("检测时间", "报告时间", "检测日期", "tested_at"),
    "ct": ("Ct值", "CT值", "ct", "ct值"),
}
_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d%H%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)


@dataclass
class ResultsSummary:
    rows: int = 0
    stored: int = 0
    duplicate: int = 0
    unmatched: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, *, masked: bool = False) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "stored": self.stored,
            "duplicate": self.duplicate,
            "unmatched": self.unmatched,
            "rejected": list(self.rejected),
        }

    def reject(self, row: int, column: str, value: object, reason: str) -> None:
        self.rejected.append(
            {"row": row, "column": column, "value": _display(value), "reason": reason}
        )


def _display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def parse_time(value: Cell) -> dt.datetime | None:
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(0, 0))
    else:
        text = str(value or "").strip()
        for fmt in _FORMATS:
            try:
                moment = dt.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            return None
    assert moment is not None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _text(value: Cell) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value or "").strip()


def results_import(
    *,
    scope: Scope,
    lab: Lab,
    path: str | Path,
    filename: str | None = None,
    job_id: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ResultsSummary:
    scope.require(Perm.TESTING_RESULT, at=lab.jurisdiction_code)
    summary = ResultsSummary()
    with translation.override(settings.LANGUAGE_CODE):
        messages = lab_results._messages()
        with open_table(
            path, filename=filename, header_aliases=ALIASES, required={"barcode", "result"}
        ) as table:
            head = {k: table.header_of(k) for k in ALIASES}
            total = table.total_rows or 0
            batch: list[tuple[int, lab_results.ResultIn]] = []
            now = timezone.now()

            def flush() -> None:
                answers = lab_results.results_ingest(
                    scope=scope,
                    lab=lab,
                    rows=[r for _n, r in batch],
                    source="upload",
                    job_id=job_id,
                )
                for (number, row), answer in zip(batch, answers, strict=True):
                    if answer.status == "rejected":
                        column = {
                            "bad_barcode": head["barcode"],
                            "bad_key": head["barcode"],
                            "bad_result": head["result"],
                            "bad_time": head["tested_at"],
                            "bad_ct": head["ct"],
                        }.get(answer.code, "")
                        summary.reject(number, column, row.tube, answer.message)
                    else:
                        setattr(summary, answer.status, getattr(summary, answer.status) + 1)
                batch.clear()
                if progress is not None:
                    progress(summary.rows, max(total, summary.rows))

            for number, cells in table:
                summary.rows += 1
                barcode = _text(cells.get("barcode"))
                raw_result = cells.get("result")
                result = lab_results.parse_result(raw_result)
                if result is None:
                    summary.reject(number, head["result"], raw_result, messages["bad_result"])
                    continue
                raw_time = cells.get("tested_at") if "tested_at" in table.columns else None
                if raw_time in (None, ""):
                    tested_at: dt.datetime | None = now
                    key = barcode.upper()
                else:
                    tested_at = parse_time(raw_time)
                    if tested_at is None:
                        summary.reject(number, head["tested_at"], raw_time, messages["bad_time"])
                        continue
                    key = f"{barcode.upper()}|{timezone.localtime(tested_at):%Y%m%d%H%M}"
                batch.append(
                    (
                        number,
                        lab_results.ResultIn(
                            key=key,
                            tube=barcode,
                            result=result,
                            tested_at=tested_at,
                            ct=_text(cells.get("ct")) if "ct" in table.columns else "",
                        ),
                    )
                )
                if len(batch) >= BATCH:
                    flush()
            if batch:
                flush()
        if summary.rows == 0:
            raise SpreadsheetError(_("The file has no rows below its header."))
    summary.rejected.sort(key=lambda e: e["row"])
    if progress is not None:
        progress(summary.rows, summary.rows)
    return summary


def reason_header() -> str:
    return pgettext("ledger column", "Reason for rejection")


def rejected_workbook(
    path: str | Path, result: dict[str, Any], target: Any, *, filename: str
) -> int:
    """The rejected rows in the lab's own layout plus 错误原因."""
    reasons: dict[int, list[str]] = {}
    for entry in result["rejected"]:
        reasons.setdefault(entry["row"], []).append(
            f"{entry['column']}：{entry['reason']}" if entry["column"] else entry["reason"]
        )
    with open_table(path, filename=filename, header_aliases=ALIASES, required=set()) as table:
        width = len(table.headers)
        columns = [Column(f"c{i}", h, 16, "text") for i, h in enumerate(table.headers)]
        columns.append(Column("reason", reason_header(), 48, "text"))

        def rows() -> Iterator[list[Any]]:
            for number, cells in table.rows():
                if number in reasons:
                    padded = [None if c in (None, "") else c for c in cells[:width]]
                    padded += [None] * (width - len(padded))
                    yield [*padded, "；".join(reasons[number])]

        return write_xlsx(
            target,
            sheet_name=_("Rejected rows"),
            title=_("Rejected rows"),
            meta=[(_("File"), table.filename)],
            columns=columns,
            rows=rows(),
        )
