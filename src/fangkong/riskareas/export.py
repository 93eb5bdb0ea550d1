"""The risk-area list as a spreadsheet: what the list page shows, with the column names
the import reads back (地区, 区划代码, 风险等级, 生效日期, 解除日期, 备注), so an exported
list can be edited and imported again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column

from . import selectors
from .models import RiskArea

EXPORT_NAME = "riskareas"


def filters_to_params(f: selectors.AreaFilters) -> dict[str, Any]:
    return {
        "view": f.view,
        "day": f.day.isoformat() if f.day else "",
        "level": f.level,
        "q": f.query,
    }


def params_to_filters(params: dict[str, Any]) -> selectors.AreaFilters:
    try:
        day = dt.date.fromisoformat(params.get("day") or "") if params.get("day") else None
    except ValueError:
        day = None
    view = params.get("view") or "in_force"
    return selectors.AreaFilters(
        view=view if view in selectors.VIEWS else "in_force",
        day=day,
        level=params.get("level") or "",
        query=params.get("q") or "",
    )


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("region", pgettext("risk-area column", "Region"), 30, "text"),
        Column("code", pgettext("risk-area column", "Region code"), 12, "code"),
        Column("level", pgettext("risk-area column", "Risk level"), 10, "text"),
        Column("start", pgettext("risk-area column", "In force from"), 12, "date"),
        Column("until", pgettext("risk-area column", "Lifted on"), 12, "date"),
        Column("note", pgettext("risk-area column", "Note"), 30, "text"),
        Column("status", pgettext("risk-area column", "Entry"), 10, "text"),
        Column("recorded", pgettext("risk-area column", "Recorded at"), 17, "datetime"),
        Column("replaced", pgettext("risk-area column", "Replaced at"), 17, "datetime"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    levels = dict(RiskArea.Level.choices)
    for area in selectors.area_list(scope=scope, filters=params_to_filters(params)).iterator():
        yield {
            "region": area.region_name,
            "code": area.region_code,
            "level": str(levels.get(area.level, area.level)),
            "start": area.effective_from,
            "until": area.effective_until,
            "note": area.note,
            "status": _("current") if area.is_current else _("replaced"),
            "recorded": area.created_at,
            "replaced": area.superseded_at,
        }


def _count(scope: Scope, params: dict[str, Any]) -> int:
    return selectors.area_list(scope=scope, filters=params_to_filters(params)).count()


exports.register(
    ExportSpec(
        name=EXPORT_NAME,
        title=lambda: _("Risk areas"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=lambda params: params_to_filters(params).describe(),
        reveal_perm=Perm.RISK_AREA_MANAGE,  # nothing personal to reveal; never asked
    )
)
