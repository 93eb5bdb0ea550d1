"""The arrivals queue as a spreadsheet (来返人员报备台账): exactly what the queue shows,
identity numbers and phones masked unless revealed with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column
from fangkong.registry import selectors as registry

from . import selectors
from .models import ArrivalReport

EXPORT_NAME = "arrivals"


def filters_to_params(f: selectors.ReportFilters) -> dict[str, Any]:
    return {
        "status": f.status,
        "classification": f.classification,
        "jurisdiction": f.jurisdiction,
        "arrived_from": f.arrived_from.isoformat() if f.arrived_from else "",
        "arrived_until": f.arrived_until.isoformat() if f.arrived_until else "",
        "province": f.province,
        "q": f.query,
        "on": f.on,
        "day": f.day.isoformat() if f.day else "",
    }


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def params_to_filters(params: dict[str, Any]) -> selectors.ReportFilters:
    status = params.get("status") or "todo"
    return selectors.ReportFilters(
        status=status if status in selectors.STATUS_FILTERS else "todo",
        classification=params.get("classification") or "",
        jurisdiction=params.get("jurisdiction") or "",
        arrived_from=_day(params.get("arrived_from")),
        arrived_until=_day(params.get("arrived_until")),
        province=params.get("province") or "",
        query=params.get("q") or "",
        on=params.get("on") or "",
        day=_day(params.get("day")),
    )


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("receipt", pgettext("arrival column", "Receipt number"), 13, "code"),
        Column("name", pgettext("arrival column", "Name"), 10, "text"),
        Column(
            "id_number",
            pgettext("arrival column", "Identity number")
            if revealed
            else pgettext("arrival column", "Identity number (masked)"),
            22,
            "code",
        ),
        Column(
            "phone",
            pgettext("arrival column", "Phone")
            if revealed
            else pgettext("arrival column", "Phone (masked)"),
            15,
            "code",
        ),
        Column("origin", pgettext("arrival column", "Coming from"), 26, "text"),
        Column("arrival_date", pgettext("arrival column", "Arrival date"), 12, "date"),
        Column("travel", pgettext("arrival column", "Means of travel"), 8, "text"),
        Column(
            "travel_number", pgettext("arrival column", "Train, flight or plate number"), 12, "text"
        ),
        Column(
            "companions_count", pgettext("arrival column", "People travelling with"), 8, "number"
        ),
        Column("companions", pgettext("arrival column", "Companions"), 20, "text"),
        Column("address", pgettext("arrival column", "Address in the community"), 30, "text"),
        Column("symptoms", pgettext("arrival column", "Symptoms"), 14, "text"),
        Column("temperature", pgettext("arrival column", "Temperature"), 8, "number"),
        Column("classification", pgettext("arrival column", "Risk classification"), 14, "text"),
        Column("status", pgettext("arrival column", "Status"), 10, "text"),
        Column("outcome", pgettext("arrival column", "Verification outcome"), 16, "text"),
        Column("verified_at", pgettext("arrival column", "Verified at"), 17, "datetime"),
        Column("submitted_at", pgettext("arrival column", "Reported at"), 17, "datetime"),
        Column("community", pgettext("arrival column", "Community"), 14, "text"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    reports = selectors.report_list(scope=scope, filters=params_to_filters(params))
    communities = registry.community_names(scope=scope)
    travel = dict(ArrivalReport.Travel.choices)
    classes = dict(ArrivalReport.Classification.choices)
    statuses = dict(ArrivalReport.Status.choices)
    outcomes = dict(ArrivalReport.Outcome.choices)
    for r in reports.iterator(chunk_size=2000):
        yield {
            "receipt": r.receipt,
            "name": r.name,
            "id_number": r.id_number if revealed else mask_id_number(r.id_number),
            "phone": r.phone if revealed else mask_phone(r.phone),
            "origin": r.origin_name,
            "arrival_date": r.arrival_date,
            "travel": str(travel.get(r.travel_mode, r.travel_mode)),
            "travel_number": r.travel_number,
            "companions_count": r.companions_count,
            "companions": r.companions,
            "address": r.address,
            "symptoms": "、".join(r.symptom_labels),
            "temperature": float(r.temperature) if r.temperature is not None else None,
            "classification": str(classes.get(r.classification, r.classification)),
            "status": str(statuses.get(r.status, r.status)),
            "outcome": str(outcomes.get(r.outcome, "")) if r.outcome else "",
            "verified_at": r.verified_at,
            "submitted_at": r.submitted_at,
            "community": communities.get(r.community_code, r.community_code),
        }


def _count(scope: Scope, params: dict[str, Any]) -> int:
    return selectors.report_list(scope=scope, filters=params_to_filters(params)).count()


exports.register(
    ExportSpec(
        name=EXPORT_NAME,
        title=lambda: _("Arrival reports"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=lambda params: params_to_filters(params).describe(),
    )
)
