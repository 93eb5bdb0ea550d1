"""The .xlsx exports of the control orders: the orders list as filtered, and the
oversight report's orders of a period (with what is wrong with their triggers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.control.models import ControlOrder, Trigger
from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column

from . import selectors

ORDERS = "control_orders"
OVERSIGHT = "control_oversight"


def filters_from(params: dict[str, Any]) -> selectors.OrderFilters:
    return selectors.OrderFilters(
        status=str(params.get("status", "")),
        trigger=str(params.get("trigger", "")),
        measure=str(params.get("measure", "")),
        jurisdiction=str(params.get("jurisdiction", "")),
        query=str(params.get("q", "")),
        on=str(params.get("on", "")),
        day=_day(params.get("day")),
    )


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("notice_no", pgettext("ledger column", "Notice number"), 20, "text"),
        Column("name", pgettext("ledger column", "Name"), 10, "text"),
        Column(
            "id_number",
            pgettext("ledger column", "Identity number")
            if revealed
            else pgettext("ledger column", "Identity number (masked)"),
            22,
            "text",
        ),
        Column(
            "phone",
            pgettext("ledger column", "Phone")
            if revealed
            else pgettext("ledger column", "Phone (masked)"),
            16,
            "text",
        ),
        Column("community", pgettext("ledger column", "Community"), 14, "text"),
        Column("trigger", pgettext("ledger column", "Trigger"), 16, "text"),
        Column("trigger_date", pgettext("ledger column", "Trigger date"), 12, "date"),
        Column("reason", pgettext("ledger column", "Reason"), 30, "text"),
        Column("status", pgettext("ledger column", "Status"), 12, "text"),
        Column("starts_on", pgettext("ledger column", "Starts on"), 12, "date"),
        Column("ends_on", pgettext("ledger column", "Ends on"), 12, "date"),
        Column("policy", pgettext("ledger column", "Policy"), 24, "text"),
        Column("proposed_by", pgettext("ledger column", "Proposed by"), 10, "text"),
        Column("proposed_at", pgettext("ledger column", "Proposed at"), 17, "datetime"),
        Column("decided_by", pgettext("ledger column", "Decided by"), 10, "text"),
        Column("decided_at", pgettext("ledger column", "Decided at"), 17, "datetime"),
        Column("ended", pgettext("ledger column", "Ended"), 16, "text"),
        Column("problem", pgettext("ledger column", "Trigger check"), 30, "text"),
    ]


def _row(
    order: ControlOrder, names: dict[str, str], revealed: bool, problem: str
) -> dict[str, Any]:
    person = selectors.person_of(order)
    id_number = person.id_number or ""
    return {
        "notice_no": order.notice_no or "",
        "name": person.name,
        "id_number": id_number if revealed else mask_id_number(id_number),
        "phone": person.phone if revealed else mask_phone(person.phone),
        "community": names.get(order.community_code, order.community_code),
        "trigger": str(dict(Trigger.choices).get(order.trigger, order.trigger)),
        "trigger_date": order.trigger_date,
        "reason": order.reason,
        "status": str(order.get_status_display()),
        "starts_on": order.starts_on,
        "ends_on": order.ends_on,
        "policy": f"{order.policy.name} v{order.policy_version}",
        "proposed_by": order.proposed_by_name,
        "proposed_at": order.proposed_at,
        "decided_by": order.decided_by_name,
        "decided_at": order.decided_at,
        "ended": str(order.get_end_kind_display()) if order.end_kind else "",
        "problem": problem,
    }


def _rows(found: Any, revealed: bool, problems: dict[int, str]) -> Iterator[dict[str, Any]]:
    batch: list[ControlOrder] = []

    def flush() -> Iterator[dict[str, Any]]:
        names = selectors.place_names(codes={o.community_code for o in batch})
        for order in batch:
            yield _row(order, names, revealed, problems.get(order.pk, ""))
        batch.clear()

    for order in found.iterator(chunk_size=1000):
        batch.append(order)
        if len(batch) >= 1000:
            yield from flush()
    yield from flush()


def _order_rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    found = selectors.orders(scope=scope, filters=filters_from(params))
    return _rows(found, revealed, {})


def _order_count(scope: Scope, params: dict[str, Any]) -> int:
    return selectors.orders(scope=scope, filters=filters_from(params)).count()


def _period(params: dict[str, Any]) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])


def _oversight_rows(
    scope: Scope, params: dict[str, Any], revealed: bool
) -> Iterator[dict[str, Any]]:
    start, end = _period(params)
    found = (
        selectors.period_orders(scope=scope, start=start, end=end)
        .select_related("person", "policy")
        .order_by("proposed_at", "id")
    )
    problems = selectors.unmatched_orders(scope=scope, orders=found)
    return _rows(found, revealed, problems)


def _oversight_count(scope: Scope, params: dict[str, Any]) -> int:
    start, end = _period(params)
    return selectors.period_orders(scope=scope, start=start, end=end).count()


def register() -> None:
    exports.register(
        ExportSpec(
            name=ORDERS,
            title=lambda: _("Control orders"),
            columns=_columns,
            rows=_order_rows,
            count=_order_count,
            describe=lambda params: filters_from(params).describe(),
        )
    )
    exports.register(
        ExportSpec(
            name=OVERSIGHT,
            title=lambda: _("Control orders oversight"),
            columns=_columns,
            rows=_oversight_rows,
            count=_oversight_count,
            describe=lambda params: (
                _("proposed from %(start)s until %(end)s")
                % {"start": params.get("start"), "end": params.get("end")}
            ),
        )
    )
