"""The residents of a zone (.xlsx): what the zone's page lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column

from . import selectors

NAME = "control_zone_residents"


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("address", pgettext("ledger column", "Address"), 30, "text"),
        Column("name", pgettext("ledger column", "Name"), 10, "text"),
        Column("relation", pgettext("ledger column", "Relation to head"), 10, "text"),
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
        Column("vulnerable", pgettext("ledger column", "Special groups"), 16, "text"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    zone = selectors.zone_get(scope=scope, pk=int(params["zone"]))
    for p in selectors.residents(scope=scope, zone=zone).iterator(chunk_size=2000):
        yield {
            "address": p.household.address if p.household else "",
            "name": p.name,
            "relation": p.relation_to_head,
            "id_number": p.id_number if revealed else mask_id_number(p.id_number),
            "phone": p.phone if revealed else mask_phone(p.phone),
            "vulnerable": "、".join(p.vulnerabilities),
        }


def _count(scope: Scope, params: dict[str, Any]) -> int:
    zone = selectors.zone_get(scope=scope, pk=int(params["zone"]))
    return selectors.residents(scope=scope, zone=zone).count()


def _describe(params: dict[str, Any]) -> str:
    return _("residents of the zone %(name)s (#%(id)s)") % {
        "name": params.get("name", ""),
        "id": params.get("zone"),
    }


exports.register(
    ExportSpec(
        name=NAME,
        title=lambda: _("Residents of a control zone"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=_describe,
    )
)
