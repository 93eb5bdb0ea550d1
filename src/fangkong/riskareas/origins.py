"""Regions as people write them: a division code, a full name (湖北省武汉市江岸区), the
end of one (武汉市江岸区, 江岸区) or, in Henan, a county with one of its towns
(郑州市上街区济源路街道). Used by the risk-area forms and import and by the arrivals page.

A name that fits several regions (朝阳区) is not guessed: the message lists them. A
place below county level outside Henan (the tables stop at counties there) is refused
with the county it lies in, because an origin is recorded down to county and an area
finer than that cannot be told apart.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from fangkong.core import regions
from fangkong.core.codes import Level
from fangkong.core.divisions import district_divisions
from fangkong.core.regions import Region

# "武汉市全域", "湖北省（全境）": the whole of the region before it.
_WHOLE = re.compile(r"[（(]?(?:全域|全境|全市|全省|全区|全县|全部区域|全部)[）)]?$")
_SPACES = re.compile(r"\s+")
MAX_CANDIDATES = 5


class RegionError(ValueError):
    """A region that cannot be resolved; the message is for the user."""


def _clean(text: str) -> str:
    text = _SPACES.sub("", str(text or ""))
    return _WHOLE.sub("", text)


def _by_code(raw: str) -> Region:
    code = regions.normalize(raw)
    if len(code) not in (2, 4, 6, 9):
        raise RegionError(
            _("A region code has 2, 4, 6 or 9 digits (or 6 or 12 with trailing zeros).")
        )
    region = regions.get(code)
    if region is None:
        raise RegionError(_("No region has the code %(code)s.") % {"code": code})
    return region


def _matches(text: str) -> list[Region]:
    """Regions whose full name is the text, else whose full name ends with it."""
    found = regions.search(text, limit=500)
    exact = [r for r in found if r.path == text]
    if exact:
        return exact
    return [r for r in found if r.path.endswith(text) or r.name == text]


def _towns(county: Region) -> dict[str, str]:
    """Henan only: the towns of a county by short and official name -> 9-digit code."""
    try:
        rows = district_divisions(county.code)
    except ValueError:
        return {}
    names: dict[str, str] = {}
    for row in rows:
        if row.level == Level.SUBDISTRICT:
            names.setdefault(row.name, row.code)
            names.setdefault(row.official_name, row.code)
    return names


def _ambiguous(text: str, found: list[Region]) -> RegionError:
    shown = "、".join(r.path for r in found[:MAX_CANDIDATES])
    return RegionError(
        _("“%(text)s” fits several regions (%(regions)s); write the full name or the code.")
        % {"text": text, "regions": shown}
    )


def resolve(text: str, code: str = "") -> Region:
    """The region a form or a spreadsheet cell means; RegionError when there is none or
    more than one. `code`, when given (a picker's hidden field), is checked first."""
    if code and str(code).strip():
        return _by_code(str(code).strip())
    cleaned = _clean(text)
    if not cleaned:
        raise RegionError(_("Give the region."))
    if cleaned.isdigit():
        return _by_code(cleaned)
    found = _matches(cleaned)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise _ambiguous(cleaned, found)
    # A county followed by something finer: a Henan town, or a place the tables lack.
    for end in range(len(cleaned) - 1, 1, -1):
        head, rest = cleaned[:end], cleaned[end:]
        candidates = [r for r in _matches(head) if r.path == head or len(r.code) == 6]
        if len(candidates) != 1:
            continue
        region = candidates[0]
        if len(region.code) == 6:
            town = _towns(region).get(rest)
            if town and (found_town := regions.get(town)) is not None:
                return found_town
            raise RegionError(
                _(
                    "“%(rest)s” lies below %(county)s, finer than the origins of arrivals are "
                    "recorded (down to county); list %(county)s itself, or its code %(code)s."
                )
                % {"rest": rest, "county": region.path, "code": region.code}
            )
        break
    raise RegionError(
        _("No region is called “%(text)s”; write its full name, e.g. 湖北省武汉市江岸区.")
        % {"text": cleaned}
    )


def search(query: str, *, limit: int = 12) -> list[Region]:
    """What the region picker offers for a query: by name, pinyin, initials or code
    (a Henan town by its 9-digit code too)."""
    text = _SPACES.sub("", query or "")[:30]
    if not text:
        return []
    if text.isdigit() and len(text) == 9:
        town = regions.get(text)
        return [town] if town else []
    return regions.search(text, limit=limit)
