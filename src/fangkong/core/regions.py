"""Where people come from: the national division codes down to county.

Provinces (2 digits), cities (4) and counties (6) of the whole country, from the
tables in `data/regions/` (GB/T 2260 codes as the National Bureau of Statistics
publishes them; see VERSION.txt there); towns (9 digits) only where the Henan tables
of `divisions` know them. Codes nest by prefix, so "from Wuhan" is every code that
starts with 4201, which is also how a risk area covers an origin.

A region is named by its path, 湖北省武汉市江岸区, leaving out the tables' placeholder
cities (市辖区, 省直辖县级行政区划). The tables are read once and kept in memory (about
3,300 rows).
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .divisions import division_name
from .search import name_initials, name_pinyin

DATA_DIR = Path(__file__).resolve().parent / "data" / "regions"
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
LEVEL_LENGTHS = (2, 4, 6, 9)


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # its own name: 江岸区
    path: str  # the full name: 湖北省武汉市江岸区
    pinyin: str
    initials: str

    @property
    def level(self) -> str:
        return {2: "province", 4: "city", 6: "county", 9: "town"}[len(self.code)]


@cache
def _table() -> dict[str, Region]:
    names: dict[str, str] = {}
    for table in ("provinces", "cities", "areas"):
        with gzip.open(DATA_DIR / f"china_{table}.csv.gz", "rt", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                names[row["code"]] = row["name"].strip()
    regions: dict[str, Region] = {}
    for code in sorted(names, key=lambda c: (len(c), c)):
        parts = [names[code[:n]] for n in (2, 4, 6) if n <= len(code) and code[:n] in names]
        path = "".join(p for p in parts if p not in _PLACEHOLDERS)
        own = names[code]
        regions[code] = Region(code, own, path, name_pinyin(own), name_initials(own))
    return regions


def normalize(code: str) -> str:
    """A code as people write it (420100, 420000000000) cut to the level it names:
    420100 -> 4201, 420000 -> 42, 410106001000 -> 410106001."""
    digits = "".join(ch for ch in str(code) if ch.isdigit())
    for length, tail in ((12, 3), (9, 3), (6, 2), (4, 2)):
        if len(digits) == length and digits.endswith("0" * tail):
            digits = digits[:-tail]
    return digits


def get(code: str) -> Region | None:
    """The region of a 2-, 4-, 6- or (Henan) 9-digit code, or None."""
    code = str(code)
    if len(code) == 9:
        county = _table().get(code[:6])
        name = division_name(code)
        if county is None or not name:
            return None
        return Region(code, name, county.path + name, name_pinyin(name), name_initials(name))
    return _table().get(code)


def name(code: str) -> str:
    """The full name of a code, or the code itself when no table knows it."""
    region = get(code)
    return region.path if region else code


def covers(area_code: str, origin_code: str) -> bool:
    """Whether an area (province, city, county, town) contains an origin."""
    return bool(area_code) and str(origin_code).startswith(str(area_code))


def search(query: str, *, limit: int = 20) -> list[Region]:
    """Regions whose name, pinyin or initials start with the query, or whose full name
    contains it; provinces first, then cities, then counties."""
    text = query.strip().replace(" ", "")
    if not text:
        return []
    low = text.lower()
    found = [
        r
        for r in _table().values()
        if r.name not in _PLACEHOLDERS
        and (
            r.name.startswith(text)
            or text in r.path
            or r.pinyin.startswith(low)
            or r.initials.startswith(low)
            or r.code.startswith(text)
        )
    ]
    found.sort(key=lambda r: (not r.name.startswith(text), len(r.code), r.code))
    return found[:limit]
