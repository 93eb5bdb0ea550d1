"""The daily report as offices send it upward: an .xlsx with one sheet per level (the
jurisdiction itself, then its subdistricts, then its communities as rows), each row with
the report's status, version, 填报人 and 签发人, and a total row."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import audit
from fangkong.core.codes import LENGTH_LEVELS, Level
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column, Sheet, write_workbook

from . import sections
from .figures import compute_tree
from .models import DailyReport
from .selectors import ReportView, shown_figures, tree_reports

LEVEL_NAMES = {
    Level.DISTRICT: gettext_lazy("District"),
    Level.SUBDISTRICT: gettext_lazy("Subdistricts"),
    Level.COMMUNITY: gettext_lazy("Communities"),
}


@dataclass
class Row:
    code: str
    name: str
    figures: dict[str, Any]
    report: DailyReport | None

    def values(self, keys: list[str]) -> list[Any]:
        r = self.report
        status = r.get_status_display() if r is not None else _("Not prepared")
        return [
            self.code,
            self.name,
            str(status),
            r.version if r is not None else "",
            r.filled_by_name if r is not None else "",
            r.signed_by_name if r is not None else "",
            *[self.figures.get(k) for k in keys],
        ]


def keys_of(rows: list[Row]) -> list[str]:
    """The static figures, then the dynamic ones any row has (arrivals by origin)."""
    static = [f.key for f in sections.figures()]
    dynamic = sorted({k for r in rows for k in r.figures if k not in static})
    return static + dynamic


def levels(view: ReportView) -> list[tuple[str, list[Row]]]:
    """The rows of each level under the report's jurisdiction: its own, then each level
    below down to the communities (their latest reports, or their live figures)."""
    tree = compute_tree(code=view.node.code, day=view.day)
    nodes = [n for n in tree.walk() if not n.direct]
    reports = tree_reports(node=tree, day=view.day)
    shown = shown_figures(node=tree, reports=reports)
    by_length: dict[int, list[Row]] = {}
    for node in nodes:
        report = reports.get(node.code)
        figures = shown[node.code]
        if node.code == view.node.code:
            figures = dict(view.figures)
            report = view.report
        by_length.setdefault(len(node.code), []).append(Row(node.code, node.name, figures, report))
    return [
        (str(LEVEL_NAMES.get(LENGTH_LEVELS[length], length)), rows)
        for length, rows in sorted(by_length.items())
    ]


def _total(rows: list[Row], keys: list[str]) -> list[Any]:
    totals: list[Any] = ["", str(_("Total")), "", "", "", ""]
    for key in keys:
        if sections.is_additive(key):
            totals.append(sum((r.figures.get(key) or 0) for r in rows))
        else:
            totals.append(None)
    return totals


def workbook(*, scope: Scope, view: ReportView) -> tuple[bytes, str]:
    """The .xlsx and its file name; the export is audited (figures, no personal data)."""
    found = levels(view)
    keys = keys_of([r for _name, rows in found for r in rows])
    columns = [
        Column("code", _("Code"), 14, "code"),
        Column("name", _("Jurisdiction"), 18),
        Column("status", _("Status"), 10),
        Column("version", _("Version"), 6, "number"),
        Column("filled_by", _("Filled in by"), 10),
        Column("signed_by", _("Signed by"), 10),
        *[Column(k, sections.label(k), 10, "number") for k in keys],
    ]
    title = _("Daily report of %(name)s, %(day)s") % {
        "name": view.node.name,
        "day": view.day.isoformat(),
    }
    now = timezone.localtime()
    meta = [
        (str(_("Exported")), f"{now:%Y-%m-%d %H:%M} {scope.actor_name}"),
        (
            str(_("Report")),
            str(
                _("version %(v)s, %(status)s")
                % {
                    "v": view.report.version,
                    "status": view.report.get_status_display(),
                }
            )
            if view.report is not None
            else str(_("not prepared: live figures")),
        ),
    ]
    sheets = []
    for name, rows in found:
        data = [r.values(keys) for r in rows]
        if len(rows) > 1:
            data.append(_total(rows, keys))
        sheets.append(Sheet(name=name, title=title, meta=meta, columns=columns, rows=data))
    buffer = io.BytesIO()
    count = write_workbook(buffer, sheets)
    audit.record(
        scope,
        "report.export",
        view.report,
        object_type="reports.dailyreport",
        jurisdiction_code=view.node.code,
        data={"day": view.day.isoformat(), "rows": count},
    )
    filename = f"daily-report-{view.node.code}-{view.day:%Y%m%d}.xlsx"
    return buffer.getvalue(), filename


def day_or_none(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
