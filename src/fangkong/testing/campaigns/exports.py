"""The unsampled list (.xlsx) for 敲门行动: what the page lists, as filtered; masked
unless revealed with a reason (core.exports audits both)."""

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

from ..models import Target
from . import selectors

UNSAMPLED = "testing_unsampled"


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("community", pgettext("ledger column", "Community"), 14, "text"),
        Column("compound", pgettext("ledger column", "Compound"), 16, "text"),
        Column("building", pgettext("ledger column", "Building"), 8, "text"),
        Column("address", pgettext("ledger column", "Address"), 30, "text"),
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
        Column("exemption", pgettext("ledger column", "Exemption"), 24, "text"),
        Column("note", pgettext("ledger column", "Note"), 24, "text"),
    ]


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    campaign = selectors.campaign_get(scope=scope, pk=int(params["campaign"]))
    filters = selectors.PeopleFilters.from_params(params)
    found = selectors.people(scope=scope, campaign=campaign, filters=filters)
    batch: list[Target] = []

    def flush() -> Iterator[dict[str, Any]]:
        places = selectors.people_places(scope=scope, targets=batch)
        for t in batch:
            person = cast(Person, t.person)
            household = person.household
            yield {
                "community": places["community"].get(t.jurisdiction_code[:12], ""),
                "compound": places["compound"].get(t.compound_id, ""),
                "building": places["building"].get(t.building_id, ""),
                "address": household.address if household else "",
                "name": person.name,
                "id_number": person.id_number if revealed else mask_id_number(person.id_number),
                "phone": person.phone if revealed else mask_phone(person.phone),
                "exemption": selectors.exemption_label(t.exemption),
                "note": t.exemption_note,
            }
        batch.clear()

    for target in found.iterator(chunk_size=2000):
        batch.append(target)
        if len(batch) >= 2000:
            yield from flush()
    yield from flush()


def _count(scope: Scope, params: dict[str, Any]) -> int:
    campaign = selectors.campaign_get(scope=scope, pk=int(params["campaign"]))
    filters = selectors.PeopleFilters.from_params(params)
    return selectors.people(scope=scope, campaign=campaign, filters=filters).count()


def _describe(params: dict[str, Any]) -> str:
    what = (
        _("exempted people")
        if params.get("show") == selectors.SHOW_EXEMPT
        else _("people not yet sampled")
    )
    return _("%(what)s of %(name)s, in %(place)s") % {
        "what": what,
        "name": params.get("name", ""),
        "place": params.get("place", "") or params.get("code", "") or _("the whole scope"),
    }


def register() -> None:
    exports.register(
        ExportSpec(
            name=UNSAMPLED,
            title=lambda: _("Not yet sampled"),
            columns=_columns,
            rows=_rows,
            count=_count,
            describe=_describe,
        )
    )
