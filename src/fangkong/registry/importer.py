"""Import a community's resident ledger (台账) into the registry.

All or nothing: one transaction. Each rejected row is reported with its spreadsheet row
number, column and reason; re-importing the same file changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.codes import Level
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.identifiers import (
    IdentifierError,
    clean_text,
    normalize_phone,
    parse_date,
    parse_resident_id,
)
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column, SpreadsheetError, open_table, write_xlsx

from .derive import (
    age_flags,
    canonical_building,
    canonical_room,
    canonical_unit,
    household_address,
    person_search_fields,
)
from .models import Building, Compound, Household, Person, Residence, Unit

ALIASES: dict[str, list[str]] = {
    "name": ["姓名"],
    "sex": ["性别"],
    "id_type": ["证件类型"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "证件号码"],
    "birth_date": ["出生日期"],
    "ethnicity": ["民族"],
    "phone": ["联系电话", "手机号", "手机号码", "电话"],
    "compound": ["小区", "小区名称", "楼院"],
    "building": ["楼栋", "楼号", "栋"],
    "unit": ["单元"],
    "room": ["房号", "门牌号", "室"],
    "address": ["现住址", "住址", "居住地址"],
    "category": ["人员类别"],
    "relation_to_head": ["与户主关系"],
    "remarks": ["备注"],
}
LABELS = {key: names[0] for key, names in ALIASES.items()}
FOOTER = re.compile(r"^(填表人|审核人|制表人|填报人|负责人|联系电话|注|备注|说明)[:：]")
CATEGORIES = {"户籍": "registered", "户籍人口": "registered", "常住": "resident",
              "常住人口": "resident", "流动": "floating", "流动人口": "floating", "暂住": "floating"}
SEXES = {"男": "M", "女": "F", "M": "M", "F": "F"}
_ADDRESS = re.compile(
    r"^(?P<compound>.*?)(?P<building>[0-9一二三四五六七八九十]+)\s*(号楼|号|栋|幢|#|-|一)"
    r"(?P<unit>[0-9一二三四五六七八九十]+)\s*(单元|-|一)?(?P<room>[0-9]+)\s*(室|号)?$"
)


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    places: dict[str, int] = field(default_factory=lambda: {
        "compounds": 0, "buildings": 0, "units": 0, "households": 0})

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "warnings": self.warnings, "places": dict(self.places)}

    def reject(self, row: int, key: str, value: Any, reason: str) -> None:
        self.rejected.append({"row": row, "column": LABELS.get(key, key),
                              "value": "" if value is None else str(value), "reason": reason})

    def warn(self, row: int, key: str, value: Any, reason: str) -> None:
        self.warnings.append({"row": row, "column": LABELS.get(key, key),
                              "value": "" if value is None else str(value), "reason": reason})


class _Rollback(Exception):
    pass


def parse_address(text: str, *, community_names: list[str]) -> tuple[str, str, str, str] | None:
    value = clean_text(text).replace(" ", "")
    for name in sorted(community_names, key=len, reverse=True):
        if name and value.startswith(name):
            value = value[len(name):]
    m = _ADDRESS.match(value)
    if not m:
        return None
    return (m["compound"], canonical_building(m["building"]), canonical_unit(m["unit"]),
            canonical_room(m["room"]))


def import_persons(*, scope: Scope, community_code: str, path: str | Path,
                   filename: str | None = None, dry_run: bool = False,
                   max_bytes: int | None = None,
                   progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    scope.require(Perm.PERSON_IMPORT, at=community_code)
    community = Jurisdiction.objects.within(scope).filter(code=community_code,
                                                          level=Level.COMMUNITY).first()
    if community is None:
        raise NotFound(_("Community not found."))
    try:
        table = open_table(path, filename=filename, header_aliases=ALIASES, required={"name"},
                           max_bytes=max_bytes)
    except SpreadsheetError as exc:
        raise ApplicationError(exc.message) from None
    summary = ImportSummary()
    for header in table.extra:
        summary.warn(table.header_row, header, "", _("Unknown column, ignored."))
    names = [community.name, community.official_name,
             community.name.replace("社区", "社区居委会"),
             community.name.replace("社区", "社区居民委员会")]
    try:
        with transaction.atomic():
            _Importer(scope, community, summary, names).run(table, progress)
            if dry_run:
                raise _Rollback
            audit.record(scope, "registry.persons.imported", object_type="jurisdiction",
                         object_id=community.code, jurisdiction_code=community.code,
                         data={k: v for k, v in summary.as_dict().items()
                               if k not in ("rejected", "warnings")}
                         | {"rejected": len(summary.rejected),
                            "warnings": len(summary.warnings)})
    except _Rollback:
        pass
    return summary


class _Importer:
    def __init__(self, scope: Scope, community: Jurisdiction, summary: ImportSummary,
                 names: list[str]) -> None:
        self.scope, self.community, self.summary, self.names = scope, community, summary, names
        self.seen_ids: dict[str, int] = {}
        self.seen_plain: dict[tuple[str, str, int | None], int] = {}
        self.compounds: dict[str, Compound] = {}

    def run(self, table: Any, progress: Callable[[int, int], None] | None) -> None:
        for count, (row, values, _raw) in enumerate(table.rows, 1):
            self.row(row, values)
            if progress and count % 200 == 0:
                progress(count, table.total)
        if progress:
            progress(self.summary.rows, self.summary.rows)

    def row(self, row: int, v: dict[str, Any]) -> None:
        s = self.summary
        name = clean_text(v.get("name"))
        first = clean_text(next((x for x in v.values() if clean_text(x)), ""))
        if FOOTER.match(first) or (not name and len([x for x in v.values() if clean_text(x)]) == 1
                                   and not clean_text(v.get("id_number"))):
            return
        s.rows += 1
        if not name:
            s.reject(row, "name", "", _("The name is missing."))
            return
        fields: dict[str, Any] = {"name": name}
        raw_id = v.get("id_number")
        if raw_id not in (None, ""):
            try:
                rid = parse_resident_id(raw_id)
            except IdentifierError as exc:
                s.reject(row, "id_number", raw_id, str(exc))
                return
            fields.update(id_number=rid.number, id_type=Person.IdType.RESIDENT_ID,
                          birth_date=rid.birth_date, sex=rid.sex)
            sex = SEXES.get(clean_text(v.get("sex")))
            if sex and sex != rid.sex:
                s.warn(row, "sex", v.get("sex"), _("The sex contradicts the identity number; the identity number wins."))
            if v.get("birth_date") not in (None, ""):
                try:
                    if parse_date(v["birth_date"]) != rid.birth_date:
                        s.warn(row, "birth_date", v["birth_date"], _("The birth date contradicts the identity number; the identity number wins."))
                except IdentifierError:
                    s.warn(row, "birth_date", v["birth_date"], _("This is not a date (write it as 1990-01-02)."))
        else:
            if clean_text(v.get("sex")) in SEXES:
                fields["sex"] = SEXES[clean_text(v["sex"])]
            if v.get("birth_date") not in (None, ""):
                try:
                    fields["birth_date"] = parse_date(v["birth_date"])
                except IdentifierError as exc:
                    s.warn(row, "birth_date", v["birth_date"], str(exc))
        if v.get("phone") not in (None, ""):
            try:
                fields["phone"] = normalize_phone(v["phone"])
            except IdentifierError as exc:
                s.warn(row, "phone", v["phone"], str(exc))
        for key in ("ethnicity", "relation_to_head", "remarks"):
            if clean_text(v.get(key)):
                fields[key] = clean_text(v[key])
        if clean_text(v.get("category")):
            fields["category"] = CATEGORIES.get(clean_text(v["category"]), "other")
        household, address = self.household(row, v)
        self.save(row, fields, household, address)

    def household(self, row: int, v: dict[str, Any]) -> tuple[Household | None, str]:
        compound, building, unit, room = (clean_text(v.get(k)) for k in
                                          ("compound", "building", "unit", "room"))
        address = clean_text(v.get("address"))
        if not (compound and room) and address:
            parsed = parse_address(address, community_names=self.names)
            if parsed is None:
                return None, address
            compound, building, unit, room = parsed
            compound = compound or _("(unnamed compound)")
        if not (compound and room):
            return None, address
        for name in self.names:
            if name and compound.startswith(name) and len(compound) > len(name):
                compound = compound[len(name):]
        c = self.compounds.get(compound)
        if c is None:
            c, made = Compound.objects.get_or_create(
                community_code=self.community.code, name=compound,
                defaults={"jurisdiction_code": self.community.code})
            self.summary.places["compounds"] += made
            self.compounds[compound] = c
        b = u = None
        if building:
            b, made = Building.objects.get_or_create(
                compound=c, name=canonical_building(building),
                defaults={"jurisdiction_code": c.jurisdiction_code,
                          "community_code": c.community_code})
            self.summary.places["buildings"] += made
        if unit and b is not None:
            u, made = Unit.objects.get_or_create(
                building=b, name=canonical_unit(unit),
                defaults={"jurisdiction_code": b.jurisdiction_code,
                          "community_code": b.community_code})
            self.summary.places["units"] += made
        room = canonical_room(room)
        h = Household.objects.filter(compound=c, building=b, unit=u, name=room).first()
        if h is None:
            parent = u or b or c
            h = Household.objects.create(
                compound=c, building=b, unit=u, name=room,
                jurisdiction_code=parent.jurisdiction_code, community_code=c.community_code,
                address=household_address(c.name, b.name if b else None,
                                          u.name if u else None, room))
            self.summary.places["households"] += 1
        return h, h.address

    def save(self, row: int, fields: dict[str, Any], household: Household | None,
             address: str) -> None:
        s = self.summary
        id_number = fields.get("id_number")
        counted = True
        if id_number:
            if id_number in self.seen_ids:
                s.warn(row, "id_number", id_number, _("The same person as row %(row)d; merged.")
                       % {"row": self.seen_ids[id_number]})
                s.rows -= 1
                counted = False
            self.seen_ids.setdefault(id_number, row)
            existing = Person.objects.filter(id_number=id_number).first()
            if existing is not None and existing.community_code != self.community.code:
                other = Jurisdiction.objects.filter(code=existing.community_code).first()
                s.reject(row, "id_number", id_number,
                         _("Registered in another community (%(name)s); ask the subdistrict "
                           "to transfer.") % {"name": other.name if other else existing.community_code})
                return
        else:
            fields["needs_verification"] = True
            key = (fields["name"], fields.get("phone", ""), household.pk if household else None)
            if key in self.seen_plain:
                s.warn(row, "name", fields["name"], _("The same person as row %(row)d; merged.")
                       % {"row": self.seen_plain[key]})
                s.rows -= 1
                return
            self.seen_plain[key] = row
            existing = Person.objects.filter(community_code=self.community.code,
                                             id_number__isnull=True, name=fields["name"],
                                             phone=fields.get("phone", ""),
                                             household=household).first()
        if existing is None:
            code = household.jurisdiction_code if household else self.community.code
            person = Person(jurisdiction_code=code, community_code=self.community.code,
                            household=household, address=address, source="import",
                            created_by_id=self.scope.actor_id, **fields)
            person.__dict__.update(person_search_fields(person.name, person.id_number))
            person.__dict__.update(age_flags(person.birth_date))
            person.save()
            Residence.objects.create(person=person, jurisdiction_code=code, household=household,
                                     address=address, started_at=timezone.now(),
                                     reason=_("ledger import"),
                                     recorded_by_id=self.scope.actor_id)
            s.created += 1
            return
        changes = {k: v for k, v in fields.items() if v not in (None, "") and getattr(existing, k) != v}
        if household is not None and existing.household_id is None:
            changes.update(household=household, jurisdiction_code=household.jurisdiction_code,
                           address=household.address)
        if not changes:
            s.unchanged += counted
            return
        for k, v in changes.items():
            setattr(existing, k, v)
        existing.__dict__.update(person_search_fields(existing.name, existing.id_number))
        existing.save()
        s.updated += counted


def rejected_workbook(path: str | Path, summary: dict[str, Any], target: str,
                      filename: str | None = None) -> int:
    """The rejected rows in the user's own layout, plus 错误原因, to fix and re-import."""
    table = open_table(path, filename=filename, header_aliases=ALIASES, required={"name"})
    reasons: dict[int, list[str]] = {}
    for r in summary["rejected"]:
        reasons.setdefault(r["row"], []).append(f"{r['column']}：{r['reason']}")
    columns = [Column(f"c{i}", h or f"列{i + 1}", 16) for i, h in enumerate(table.headers)]
    columns.append(Column("reason", "错误原因", 40))
    rows = []
    for number, _values, raw in table.rows:
        if number in reasons:
            cells = {f"c{i}": ("" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
                     for i, v in enumerate(raw)}
            cells["reason"] = "；".join(reasons[number])
            rows.append(cells)
    return write_xlsx(target, sheet_name="rejected", title=_("Rejected rows"), meta=[],
                      columns=columns, rows=rows)
