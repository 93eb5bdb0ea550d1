"""The occupancy list of a site (.xlsx): what the board shows, one row per person in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column
from fangkong.registry.models import Person

from . import selectors

NAME = "control_site_occupancy"


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("floor", pgettext("ledger column", "Floor"), 6, "number"),
        Column("room", pgettext("ledger column", "Room"), 8, "text"),
        Column("kind", pgettext("ledger column", "Room type"), 10, "text"),
        Column("name", pgettext("ledger column", "Name"), 10, "text"),
        Column(
            "id_number",
            pgettext("ledger column", "Identity number")
            if revealed
            else pgettext("ledger column", "Identity number (masked)"),
            22,
            "code",
        ),
        Column(
            "phone",
            pgettext("ledger column", "Phone")
            if revealed
            else pgettext("ledger column", "Phone (masked)"),
            16,
            "code",
        ),
        Column("notice_no", pgettext("ledger column", "Notice number"), 18, "code"),
        Column("checked_in_at", pgettext("ledger column", "Checked in at"), 17, "datetime"),
        Column("order_ends", pgettext("ledger column", "Order ends on"), 12, "date"),
        Column("checked_in_by", pgettext("ledger column", "Checked in by"), 10, "text"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    site = selectors.site_get(scope=scope, pk=int(params["site"]))
    for stay in selectors.occupancy_rows(scope=scope, site=site):
        person, order = cast(Person, stay.person), stay.order
        visible = scope.covers(order.jurisdiction_code)
        yield {
            "floor": stay.room.floor,
            "room": stay.room.number,
            "kind": _("Family room") if stay.room.is_family else _("Single room"),
            "name": person.name if visible else _("(another jurisdiction)"),
            "id_number": (person.id_number if revealed else mask_id_number(person.id_number))
            if visible
            else "",
            "phone": (person.phone if revealed else mask_phone(person.phone)) if visible else "",
            "notice_no": order.notice_no or "",
            "checked_in_at": stay.checked_in_at,
            "order_ends": order.ends_on,
            "checked_in_by": stay.checked_in_by_name,
        }


def _count(scope: Scope, params: dict[str, Any]) -> int:
    site = selectors.site_get(scope=scope, pk=int(params["site"]))
    return selectors.occupancy_rows(scope=scope, site=site).count()


def _describe(params: dict[str, Any]) -> str:
    return _("site %(name)s (#%(id)s), people checked in") % {
        "name": params.get("name", ""),
        "id": params.get("site"),
    }


exports.register(
    ExportSpec(
        name=NAME,
        title=lambda: _("Quarantine site occupancy"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=_describe,
    )
)
