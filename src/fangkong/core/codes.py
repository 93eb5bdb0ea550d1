"""Jurisdiction codes and the prefix arithmetic that scoping rests on.

Codes are the national statistical division codes: 6 digits for a county or district,
9 for a subdistrict or town, 12 for a community or village. Grids extend their
community's code by three digits (15). A scope is a code prefix, and "within" is the
half-open range [prefix, next_prefix(prefix)), an indexed range condition that works
the same on SQLite and PostgreSQL under any collation, because codes are digits only.
"""

from __future__ import annotations

import re
from enum import StrEnum

CODE_RE = re.compile(r"^\d{2,15}$")


class Level(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"
    GRID = "grid"


LEVEL_LENGTHS: dict[Level, int] = {
    Level.PROVINCE: 2,
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.SUBDISTRICT: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}
LENGTH_LEVELS = {length: level for level, length in LEVEL_LENGTHS.items()}


def level_of(code: str) -> Level:
    try:
        return LENGTH_LEVELS[len(code)]
    except KeyError:
        raise ValueError(f"not a jurisdiction code: {code!r}") from None


def parent_code(code: str) -> str | None:
    lengths = sorted(LEVEL_LENGTHS.values())
    index = lengths.index(len(code))
    return code[: lengths[index - 1]] if index else None


def next_prefix(prefix: str) -> str | None:
    """The smallest string of digits greater than every string that starts with prefix.

    "410106001" -> "410106002"; "41019" -> "4102"; "999" -> None (no upper bound).
    """
    digits = prefix.rstrip("9")
    if not digits:
        return None
    return digits[:-1] + str(int(digits[-1]) + 1)


def is_within(code: str, prefix: str) -> bool:
    return code.startswith(prefix)


def community_of(code: str) -> str:
    """The 12-digit community code of a community or grid code."""
    if len(code) < 12:
        raise ValueError(f"{code!r} is above community level")
    return code[:12]
