"""Values derived from what a person or a place is: kept beside it for search.

Shared by the services, the ledger importer and the demo generator so that the three
write paths store the same thing.
"""

from __future__ import annotations

import datetime as dt

from fangkong.core.search import name_initials, name_pinyin

ELDERLY_AGE = 60
YOUNG_CHILD_AGE = 6


def person_search_fields(name: str, id_number: str | None) -> dict[str, str]:
    return {
        "name_pinyin": name_pinyin(name)[:120],
        "name_initials": name_initials(name)[:30],
        "id_last4": (id_number or "")[-4:],
    }


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_flags(birth_date: dt.date | None, day: dt.date | None = None) -> dict[str, bool]:
    """老 and 幼 as the birth date says; other flags only the community knows."""
    age = age_on(birth_date, day or dt.date.today())
    return {
        "is_elderly": age is not None and age >= ELDERLY_AGE,
        "is_infant": age is not None and age < YOUNG_CHILD_AGE,
    }


def household_address(compound: str, building: str | None, unit: str | None, room: str) -> str:
    """金华小区3号楼2单元501室 from its parts (any of building and unit may be absent)."""
    parts = [compound]
    if building:
        parts.append(building)
    if unit:
        parts.append(unit)
    if room:
        parts.append(room if not room.isdigit() else f"{room}室")
    return "".join(parts)


_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}


def _number(text: str) -> int | None:
    """12 or 十二 -> 12; None when text is not a number."""
    if text.isdigit():
        return int(text)
    if text and all(ch in _CN_DIGITS for ch in text) and len(text) <= 3:
        if "十" not in text:
            return int("".join(str(_CN_DIGITS[ch]) for ch in text))
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return None


def canonical_building(raw: str) -> str:
    """3 / 3号 / 3栋 / 3幢 / 3# / 3号楼 / 三号楼 -> 3号楼; anything else as written."""
    text = raw.strip().replace(" ", "")
    for suffix in ("号楼", "号院", "栋", "幢", "号", "#", "楼"):
        if text.endswith(suffix) and suffix != "号院":
            stem = text[: -len(suffix)]
            if (n := _number(stem)) is not None:
                return f"{n}号楼"
    if (n := _number(text)) is not None:
        return f"{n}号楼"
    return text


def canonical_unit(raw: str) -> str:
    """2 / 2单元 / 二单元 -> 2单元."""
    text = raw.strip().replace(" ", "")
    stem = text[:-2] if text.endswith("单元") else text
    if (n := _number(stem)) is not None:
        return f"{n}单元"
    return text


def canonical_room(raw: str) -> str:
    """501 / 501室 / 501号 -> 501; other room names as written."""
    text = raw.strip().replace(" ", "")
    for suffix in ("室", "号", "户"):
        if text.endswith(suffix) and text[: -len(suffix)].isdigit():
            return str(int(text[: -len(suffix)]))
    return str(int(text)) if text.isdigit() else text
