"""The national division codes of Henan, packaged with the code, and loading them.

The jurisdiction tree of a district comes from the National Bureau of Statistics
tables in `data/divisions/` (see the README there), so that codes, and therefore
scopes, match what every other office and every identity number uses. The official
names are committee names (中安街社区居民委员会, 北峡窝村村民委员会, with typos and
variants); offices say 中安街社区 and 北峡窝村, so the tree stores that short form as
`name` and keeps the official one beside it.

`division_name()` answers for any Henan code (province, city, county, town, village),
so that later modules can name where a person comes from; the tables are read lazily
and kept in memory (the village table is about 52,000 rows).
"""

from __future__ import annotations

import csv
import gzip
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

from . import audit
from .codes import Level
from .models import Jurisdiction
from .scope import Scope

DATA_DIR = Path(__file__).resolve().parent / "data" / "divisions"
_FILES = {
    4: "henan_cities_2023.csv.gz",
    6: "henan_areas_2023.csv.gz",
    9: "henan_streets_2023.csv.gz",
    12: "henan_villages_2023.csv.gz",
}
_PARENT_COLUMN = {4: "provinceCode", 6: "cityCode", 9: "areaCode", 12: "streetCode"}
PROVINCES = {"41": "河南省"}

Kind = Jurisdiction.Kind

# Committee suffixes as the tables spell them, typos included (村民委员会委会, 村民委员民,
# 村民员委会, 居民委委会, 居委员会, 民居委员会 ...). Longer alternatives come first.
_COMMITTEE = re.compile(
    r"(?:村民|居民|民居|居)?(?:管理)?"
    r"(?:委员会委会|委员会会|村委员会|委员会|委员民|委员|员委会|委委会|委会会|居委会|村委会|委会)$"
)
# Remarks in brackets, sometimes with an unbalanced closing bracket.
_REMARK = re.compile(r"[（(][^）)]*[）)]+")


@dataclass(frozen=True)
class Division:
    """One row of the tree as the tables give it, with its cleaned name and kind."""

    code: str
    parent_code: str | None
    level: Level
    kind: str
    name: str
    official_name: str


def clean_village_name(official: str) -> tuple[str, str]:
    """(short name, kind) of a village-level unit: 中安街社区居民委员会 -> 中安街社区.

    Village committees become 某某村 and residents' committees 某某社区; units that are
    not committees (虚拟生活区, 农场生活区, names already short) keep their name.
    """
    base = _REMARK.sub("", official).strip()
    match = _COMMITTEE.search(base)
    if match is None:
        kind = Kind.VILLAGE if base.endswith("村") else Kind.COMMUNITY
        return base, kind
    stem, suffix = base[: match.start()], match.group()
    if not stem:
        return base, Kind.COMMUNITY
    if suffix.startswith("村") or (stem.endswith("村") and not suffix.startswith("居")):
        return (stem if stem.endswith("村") else f"{stem}村"), Kind.VILLAGE
    return (stem if "社区" in stem else f"{stem}社区"), Kind.COMMUNITY


def clean_town_name(official: str) -> tuple[str, str]:
    """(short name, kind) of a town-level unit: 街道 are subdistricts, 镇 and 乡 towns.

    Farms, development zones and offices at this level are run like subdistricts.
    """
    name = _REMARK.sub("", official).strip()
    if name.endswith("街道办事处"):
        name = name[: -len("办事处")]
    if name.endswith(("镇", "乡")):
        return name, Kind.TOWN
    return name, Kind.SUBDISTRICT


@cache
def _table(length: int) -> dict[str, tuple[str, str]]:
    """code -> (official name, parent code) for one level of the tables."""
    path = DATA_DIR / _FILES[length]
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return {
            row["code"]: (row["name"].strip(), row[_PARENT_COLUMN[length]])
            for row in csv.DictReader(handle)
        }


def _short_name(code: str) -> str | None:
    length = len(code)
    if length == 2:
        return PROVINCES.get(code)
    if length not in _FILES:
        return None
    row = _table(length).get(code)
    if row is None:
        return None
    official, parent = row
    if length == 9:
        return clean_town_name(official)[0]
    if length == 12:
        name = clean_village_name(official)[0]
        if name == "虚拟生活区":
            # Several towns have one each; the town's name tells them apart.
            town = _short_name(parent)
            return f"{town}{name}" if town else name
        return name
    return official


@lru_cache(maxsize=4096)
def division_name(code: str) -> str | None:
    """The short name of any Henan division code, or None when the tables lack it.

    Retired codes (410111, 412701 ...) and codes of other provinces answer None: the
    caller shows the code instead, and never rejects anything for it.
    """
    code = (code or "").strip()
    if not code.isdigit():
        return None
    return _short_name(code)


def division_path(code: str) -> str | None:
    """河南省郑州市上街区 for 410106: the names from the province down, or None."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        return None
    names: list[str] = []
    for length in (2, 4, 6, 9, 12):
        if length > len(code):
            break
        name = division_name(code[:length])
        if name is None:
            return None
        # 仪封园艺场 > 仪封园艺场虚拟生活区 reads 仪封园艺场虚拟生活区, not twice.
        names.append(name[len(names[-1]) :] if names and name.startswith(names[-1]) else name)
    return "".join(names)


def district_divisions(code: str) -> list[Division]:
    """The district and every town and village under it, parents before children."""
    areas = _table(6)
    if len(code) != 6 or code not in areas:
        raise ValueError(f"not a district of the packaged Henan tables: {code!r}")
    rows = [Division(code, None, Level.DISTRICT, Kind.DISTRICT, areas[code][0], areas[code][0])]
    towns = sorted(c for c, (_, parent) in _table(9).items() if parent == code)
    for town in towns:
        official = _table(9)[town][0]
        name, kind = clean_town_name(official)
        rows.append(Division(town, code, Level.SUBDISTRICT, kind, name, official))
    town_set = set(towns)
    villages = sorted(c for c, (_, parent) in _table(12).items() if parent in town_set)
    for village in villages:
        official, parent = _table(12)[village]
        kind = clean_village_name(official)[1]
        name = _short_name(village) or official
        rows.append(Division(village, parent, Level.COMMUNITY, kind, name, official))
    return rows


def load_district(code: str, *, audit_scope: Scope | None = None) -> dict[str, int]:
    """Create or update the district's tree in Jurisdiction; idempotent.

    Rows are created when missing and updated only where the tables say something
    different, so a second run writes nothing. A name an administrator changed (one
    that is no longer the cleaned official name) is kept; retired places stay retired.
    Nodes that are not in the tables (grids, places an office added) are left alone.
    With `audit_scope`, a load that changed something is recorded in the audit log.
    """
    divisions = district_divisions(code)
    scope = Scope.system(reason="load divisions", code=code)
    counts: dict[str, int] = {
        kind: 0
        for kind in (Kind.DISTRICT, Kind.SUBDISTRICT, Kind.TOWN, Kind.COMMUNITY, Kind.VILLAGE)
    }
    created = updated = 0
    with transaction.atomic():
        existing = {
            j.code: j
            for j in Jurisdiction.objects.within(scope).filter(code__in=[d.code for d in divisions])
        }
        new: list[Jurisdiction] = []
        for division in divisions:
            counts[division.kind] += 1
            node = existing.get(division.code)
            if node is None:
                new.append(
                    Jurisdiction(
                        code=division.code,
                        jurisdiction_code=division.code,
                        parent_id=division.parent_code,
                        level=division.level,
                        kind=division.kind,
                        name=division.name,
                        official_name=division.official_name,
                    )
                )
                continue
            changes = _changes(node, division)
            if changes:
                for field, value in changes.items():
                    setattr(node, field, value)
                node.save(update_fields=[*changes, "updated_at"])
                updated += 1
        # Parents before children: the list is in tree order already.
        Jurisdiction.objects.bulk_create(new, batch_size=1000)
        created = len(new)
        result = {
            **{str(k): v for k, v in counts.items()},
            "created": created,
            "updated": updated,
            "unchanged": len(divisions) - created - updated,
        }
        if audit_scope is not None and (created or updated):
            audit.record(
                audit_scope,
                "core.divisions.loaded",
                object_type="core.jurisdiction",
                object_id=code,
                jurisdiction_code=code,
                data=result,
            )
    return result


def _changes(node: Jurisdiction, division: Division) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if node.parent_id != division.parent_code:
        changes["parent_id"] = division.parent_code
    if node.level != division.level:
        changes["level"] = division.level.value
    if node.kind != division.kind:
        changes["kind"] = division.kind
    if node.official_name != division.official_name:
        changes["official_name"] = division.official_name
    if node.name != division.name:
        default_names = {"", node.official_name}
        if node.official_name:
            default_names.add(_cleaned_for(node.code, node.official_name))
        if node.name in default_names:
            changes["name"] = division.name
    return changes


def _cleaned_for(code: str, official: str) -> str:
    if len(code) == 9:
        return clean_town_name(official)[0]
    if len(code) == 12:
        return clean_village_name(official)[0]
    return official
