"""The screening lists as offices send them: the 排查登记表 (people found in the target
categories, one row each, in the columns offices use) and the unreached households."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column
from fangkong.registry.models import Person

from . import selectors
from .models import Finding, Record, ScreeningRound

EXPORTS = {"findings": "screening_findings", "unreached": "screening_unreached"}


def _round(scope: Scope, params: dict[str, Any]) -> ScreeningRound:
    return selectors.round_get(scope=scope, pk=int(params["round"]))


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name"))


def _finding_columns(revealed: bool) -> list[Column]:
    return [
        Column("no", pgettext("ledger column", "No."), 6, "text"),
        Column("subdistrict", pgettext("ledger column", "Subdistrict"), 12, "text"),
        Column("community", pgettext("ledger column", "Community"), 12, "text"),
        Column("compound", pgettext("ledger column", "Compound"), 14, "text"),
        Column("building", pgettext("ledger column", "Building"), 8, "text"),
        Column("unit", pgettext("ledger column", "Unit"), 8, "text"),
        Column("room", pgettext("ledger column", "Room"), 8, "text"),
        Column("name", pgettext("ledger column", "Name"), 10, "text"),
        Column("sex", pgettext("ledger column", "Sex"), 6, "text"),
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
        Column("category", pgettext("ledger column", "Person category"), 14, "text"),
        Column("origin", pgettext("ledger column", "Came from"), 20, "text"),
        Column("arrived_on", pgettext("ledger column", "Arrival date"), 12, "date"),
        Column("travel", pgettext("ledger column", "Means of travel"), 10, "text"),
        Column("number", pgettext("ledger column", "Train or flight number"), 12, "text"),
        Column("companions", pgettext("ledger column", "Companions"), 16, "text"),
        Column("symptoms", pgettext("ledger column", "Symptoms"), 12, "text"),
        Column("temperature", pgettext("ledger column", "Temperature"), 8, "text"),
        Column("channel", pgettext("ledger column", "How screened"), 10, "text"),
        Column("screener", pgettext("ledger column", "Screened by"), 10, "text"),
        Column("screened_at", pgettext("ledger column", "Screened at"), 16, "text"),
    ]


def _finding_rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    screening_round = _round(scope, params)
    labels = {c.code: c.label for c in selectors.categories(screening_round=screening_round)}
    found = selectors.findings(scope=scope, screening_round=screening_round, under=params["at"])
    names: dict[str, str] = {}
    sexes = dict(Person.Sex.choices)
    travel = dict(Finding.Travel.choices)
    channels = dict(Record.Channel.choices)
    for n, f in enumerate(found.iterator(chunk_size=2000), start=1):
        code = f.jurisdiction_code
        if code[:12] not in names:
            names.update(_names({code[:9], code[:12]}))
        home = f.record.household
        yield {
            "no": str(n),
            "subdistrict": names.get(code[:9], ""),
            "community": names.get(code[:12], ""),
            "compound": home.compound.name,
            "building": home.building.name if home.building else "",
            "unit": home.unit.name if home.unit else "",
            "room": home.name,
            "name": f.person.name,
            "sex": str(sexes.get(f.person.sex, "")),
            "id_number": (f.person.id_number or "")
            if revealed
            else mask_id_number(f.person.id_number),
            "phone": f.person.phone if revealed else mask_phone(f.person.phone),
            "category": labels.get(f.category, f.category),
            "origin": f.origin_name,
            "arrived_on": f.arrived_on,
            "travel": str(travel.get(f.travel_mode, "")),
            "number": f.travel_number,
            "companions": f.companions,
            "symptoms": f.symptoms,
            "temperature": str(f.temperature) if f.temperature is not None else "",
            "channel": str(channels.get(f.record.channel, "")),
            "screener": f.record.recorded_by_name,
            "screened_at": f"{f.record.recorded_at:%Y-%m-%d %H:%M}",
        }


def _unreached_columns(revealed: bool) -> list[Column]:
    return [
        Column("community", pgettext("ledger column", "Community"), 12, "text"),
        Column("compound", pgettext("ledger column", "Compound"), 14, "text"),
        Column("building", pgettext("ledger column", "Building"), 8, "text"),
        Column("unit", pgettext("ledger column", "Unit"), 8, "text"),
        Column("room", pgettext("ledger column", "Room"), 8, "text"),
        Column("status", pgettext("ledger column", "Status"), 12, "text"),
        Column("explanation", pgettext("ledger column", "Explanation"), 24, "text"),
    ]


def _unreached_rows(
    scope: Scope, params: dict[str, Any], revealed: bool
) -> Iterator[dict[str, Any]]:
    screening_round = _round(scope, params)
    households = selectors.unreached(
        scope=scope, screening_round=screening_round, under=params["at"]
    )
    names: dict[str, str] = {}
    records = {
        r.household_id: r
        for r in Record.objects.filter(
            task__round=screening_round, is_current=True, outcome=Record.Outcome.NOT_HOME
        ).only("household_id", "explanation")
    }
    for h in households.iterator(chunk_size=2000):
        if h.community_code not in names:
            names.update(_names({h.community_code}))
        record = records.get(h.pk)
        yield {
            "community": names.get(h.community_code, ""),
            "compound": h.compound.name,
            "building": h.building.name if h.building else "",
            "unit": h.unit.name if h.unit else "",
            "room": h.name,
            "status": _("Not at home") if record else _("Not visited"),
            "explanation": record.explanation if record else "",
        }


def _describe(params: dict[str, Any]) -> str:
    return _("round %(round)s, %(at)s") % {"round": params.get("round"), "at": params.get("at")}


exports.register(
    ExportSpec(
        name=EXPORTS["findings"],
        title=lambda: _("Screening register"),
        columns=_finding_columns,
        rows=_finding_rows,
        count=lambda scope, params: selectors.findings(
            scope=scope, screening_round=_round(scope, params), under=params["at"]
        ).count(),
        describe=_describe,
    )
)
exports.register(
    ExportSpec(
        name=EXPORTS["unreached"],
        title=lambda: _("Households not reached"),
        columns=_unreached_columns,
        rows=_unreached_rows,
        count=lambda scope, params: selectors.unreached(
            scope=scope, screening_round=_round(scope, params), under=params["at"]
        ).count(),
        describe=_describe,
    )
)
