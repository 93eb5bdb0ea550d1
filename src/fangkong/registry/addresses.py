"""Reading compound, building, unit and room out of an address as ledgers write it.

Ledgers that have one 现住址 column write the same flat in many ways: 金华小区3号楼2单元501室,
3栋2单元501, 3-2-501, 3一2一301 (the Chinese 一 typed for a dash), 金华小区3#2-501, with
the community's own name (or its 居委会) in front, and villages write 一组12号. The parts
come back in the canonical forms of `derive`, so that all of these name one household.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .derive import canonical_building, canonical_room, canonical_unit

_NUM = r"[0-9一二三四五六七八九十两零〇]+"
_DASH = r"[-一—–~_]"
_ROOM = r"[0-9]+[A-Za-z]?|[A-Za-z][0-9]+"
_BUILDING_MARK = r"号楼|栋|幢|#|号|座|楼"

_PATTERNS = [
    # 金华小区3号楼2单元501室, 3栋2单元501, 三号楼二单元501
    re.compile(
        rf"^(?P<compound>.*?)(?P<building>{_NUM}|[A-Za-z])(?P<bmark>{_BUILDING_MARK})"
        rf"(?P<unit>{_NUM})(?:单元|门)(?P<room>{_ROOM})(?:室|号|户)?$"
    ),
    # 金华小区3#2-501, 3号楼2-501
    re.compile(
        rf"^(?P<compound>.*?)(?P<building>[0-9]+)(?P<bmark>#|号楼|栋|幢)"
        rf"(?P<unit>[0-9]+){_DASH}(?P<room>{_ROOM})(?:室|号)?$"
    ),
    # 3-2-501, 3一2一301, 金华小区3-2-501
    re.compile(
        rf"^(?P<compound>.*?)(?P<building>[0-9]+){_DASH}(?P<unit>[0-9]+){_DASH}"
        rf"(?P<room>{_ROOM})(?:室|号)?$"
    ),
    # 金华小区3号楼501室 (no unit)
    re.compile(
        rf"^(?P<compound>.*?)(?P<building>{_NUM})(?P<bmark>{_BUILDING_MARK})"
        rf"(?P<room>{_ROOM})(?:室|号|户)$"
    ),
    # 3-501 with a compound in front: 金华小区3-501
    re.compile(
        rf"^(?P<compound>.*?[^0-9\-一—–~_])(?P<building>[0-9]+){_DASH}"
        rf"(?P<room>{_ROOM})(?:室|号)?$"
    ),
]
# Villages: 一组12号, 第三村民组5号, 金昌村二组8号
_VILLAGE = re.compile(
    rf"^(?P<village>.*?)第?(?P<group>{_NUM})(?:村民小组|村民组|小组|组|队)"
    rf"(?P<room>[0-9]+)(?:号|户)?$"
)

_SUFFIXES = (
    "社区居民委员会",
    "社区居委会",
    "居民委员会",
    "居委会",
    "村民委员会",
    "村委会",
    "社区",
    "村",
)
_PROVINCE = re.compile(r"^[^省市]{2,3}省")
_CITY = re.compile(r"^[^省市]{2,4}市")
_CN = "零一二三四五六七八九"


@dataclass(frozen=True)
class ParsedAddress:
    compound: str | None
    building: str | None
    unit: str | None
    room: str | None


def parse_address(text: str, *, community_names: list[str]) -> ParsedAddress | None:
    """The parts of an address, or None when it does not look like a flat or village house."""
    return _parse(text, tuple(community_names))


@lru_cache(maxsize=65536)
def _parse(text: str, community_names: tuple[str, ...]) -> ParsedAddress | None:
    value = "".join(unicodedata.normalize("NFKC", text or "").split())
    value = _strip_names(value, _name_forms(community_names))
    if not value:
        return None
    for pattern in _PATTERNS:
        if m := pattern.match(value):
            groups = m.groupdict()
            building = groups["building"] + (groups.get("bmark") or "")
            unit = groups.get("unit")
            return ParsedAddress(
                compound=_compound(groups["compound"]),
                building=canonical_building(building),
                unit=canonical_unit(unit) if unit else None,
                room=canonical_room(groups["room"]),
            )
    if m := _VILLAGE.match(value):
        group = f"{_chinese_number(m['group'])}组"
        return ParsedAddress(
            compound=group, building=None, unit=None, room=canonical_room(m["room"])
        )
    return None


@lru_cache(maxsize=256)
def _name_forms(names: tuple[str, ...]) -> tuple[str, ...]:
    """Every way the community's name is written in front: 中安街社区, 中安街社区居委会, 中安街."""
    forms: set[str] = set()
    for raw in names:
        name = "".join(unicodedata.normalize("NFKC", raw or "").split())
        if not name:
            continue
        stem = name
        for suffix in _SUFFIXES:
            if stem.endswith(suffix) and len(stem) > len(suffix):
                stem = stem[: -len(suffix)]
                break
        forms.add(name)
        forms.update(stem + suffix for suffix in _SUFFIXES)
        if len(stem) >= 2:
            forms.add(stem)
    return tuple(sorted(forms, key=len, reverse=True))


def _strip_names(value: str, forms: tuple[str, ...]) -> str:
    """Drop 河南省, 郑州市 and any of the given names (district, street, community).

    A city is dropped only before one of the given names, so that 新城市花园 stays whole.
    """
    value = _PROVINCE.sub("", value, count=1)
    if (m := _CITY.match(value)) and value[m.end() :].startswith(forms):
        value = value[m.end() :]
    changed = True
    while changed and value:
        changed = False
        for form in forms:
            if value.startswith(form) and len(value) > len(form):
                value = value[len(form) :]
                changed = True
                break
    return value


def _compound(raw: str) -> str | None:
    name = raw.strip(" -_,，、")
    return name or None


def _chinese_number(raw: str) -> str:
    """3 / 03 / 三 -> 三 and 12 -> 十二, so 1组 and 一组 are one village group."""
    if not raw.isdigit():
        return raw
    n = int(raw)
    if n < 10:
        return _CN[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")
    return raw
