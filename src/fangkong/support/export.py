"""The help requests' queue as a spreadsheet (生活服务需求台账): exactly what the queue
shows, phones masked unless revealed with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_phone
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column

from . import selectors
from .models import ServiceRequest

EXPORT_NAME = "support_requests"


def filters_to_params(f: selectors.RequestFilters) -> dict[str, Any]:
    return {
        "status": f.status,
        "kind": f.kind,
        "jurisdiction": f.jurisdiction,
        "created_from": f.created_from.isoformat() if f.created_from else "",
        "created_until": f.created_until.isoformat() if f.created_until else "",
        "q": f.query,
        "on": f.on,
        "day": f.day.isoformat() if f.day else "",
    }


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def params_to_filters(params: dict[str, Any]) -> selectors.RequestFilters:
    status = params.get("status") or "open"
    kind = params.get("kind") or ""
    return selectors.RequestFilters(
        status=status if status in selectors.STATUS_FILTERS else "open",
        kind=kind if kind in ServiceRequest.Kind.values else "",
        jurisdiction=params.get("jurisdiction") or "",
        created_from=_day(params.get("created_from")),
        created_until=_day(params.get("created_until")),
        query=params.get("q") or "",
        on=params.get("on") or "",
        day=_day(params.get("day")),
    )


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("number", pgettext("help request column", "Number"), 8, "number"),
        Column("created_at", pgettext("help request column", "Asked at"), 17, "datetime"),
        Column("community", pgettext("help request column", "Community"), 14, "text"),
        Column("name", pgettext("help request column", "Name"), 10, "text"),
        Column(
            "phone",
            pgettext("help request column", "Phone")
            if revealed
            else pgettext("help request column", "Phone (masked)"),
            15,
            "code",
        ),
        Column("address", pgettext("help request column", "Address"), 30, "text"),
        Column("kind", pgettext("help request column", "Kind of help"), 12, "text"),
        Column("text", pgettext("help request column", "What is needed"), 30, "text"),
        Column("channel", pgettext("help request column", "Asked through"), 12, "text"),
        Column("status", pgettext("help request column", "Status"), 10, "text"),
        Column("taken_by", pgettext("help request column", "Handled by"), 10, "text"),
        Column("taken_at", pgettext("help request column", "Taken at"), 17, "datetime"),
        Column("closed_at", pgettext("help request column", "Closed at"), 17, "datetime"),
        Column("note", pgettext("help request column", "What was done / reason"), 30, "text"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    found = selectors.queue(scope=scope, filters=params_to_filters(params))
    communities = selectors.community_names(scope=scope)
    kinds = dict(ServiceRequest.Kind.choices)
    channels = dict(ServiceRequest.Channel.choices)
    statuses = dict(ServiceRequest.Status.choices)
    for r in found.iterator(chunk_size=2000):
        person = r.person
        yield {
            "number": r.pk,
            "created_at": r.created_at,
            "community": communities.get(r.community_code, r.community_code),
            "name": person.name,
            "phone": person.phone if revealed else mask_phone(person.phone),
            "address": person.address,
            "kind": str(kinds.get(r.kind, r.kind)),
            "text": r.text,
            "channel": str(channels.get(r.channel, r.channel)),
            "status": str(statuses.get(r.status, r.status)),
            "taken_by": r.taken_by_name,
            "taken_at": r.taken_at,
            "closed_at": r.closed_at,
            "note": r.note,
        }


def _count(scope: Scope, params: dict[str, Any]) -> int:
    return selectors.queue(scope=scope, filters=params_to_filters(params)).count()


exports.register(
    ExportSpec(
        name=EXPORT_NAME,
        title=lambda: _("Help requests"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=lambda params: params_to_filters(params).describe(),
    )
)
