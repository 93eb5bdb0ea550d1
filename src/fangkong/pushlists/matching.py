"""How a pushed entry is matched to a person of the registry: the rules and the scores.

The importer finds the candidates with SQL joins on indexed columns (identity number,
phone, exact name) and calls the functions here only for the rows that the identity
number did not settle; the district's manual decisions follow the same thresholds.
The rules and why they are so: docs/adr/0012-push-list-matching.md.

1. Identity number, exactly: matched, confidence 100.
2. Else phone, exactly, among people living here: one holder -> matched (95 when the
   names agree, 90 when the list gives none, 70 when they differ: a relative's phone);
   several holders of whom exactly one has the listed name -> matched (95); otherwise
   ambiguous. A holder whose registered identity number differs from a valid one on
   the list is another person: never matched automatically.
3. Else the exact name, with the address compared by rapidfuzz: the best candidate is
   matched when it scores at least MATCH_AT and leads the next by MARGIN; candidates
   from AMBIGUOUS_AT are left for a person to decide; a name without an address is
   never matched automatically (ambiguous with up to NAME_ONLY_MAX candidates).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from fangkong.registry.addresses import ParsedAddress, parse_address

MATCH_AT = 85
AMBIGUOUS_AT = 60
MARGIN = 10
NAME_ONLY_MAX = 5
MAX_CANDIDATES = 10

CONFIDENCE_ID = 100
CONFIDENCE_PHONE_AND_NAME = 95
CONFIDENCE_PHONE_ONLY = 90  # one holder, the list gives no name
CONFIDENCE_PHONE_NAME_DIFFERS = 70  # one holder of another name: a relative's phone?
CONFIDENCE_PHONE_SHARED = 50  # one of several holders
CONFIDENCE_OTHER_ID = 30  # the holder's identity number differs from the list's
CONFIDENCE_NAME_ONLY = 40
CONFIDENCE_MANUAL = 100

# How much each part of an address says (the compound is compared by similarity, the
# rest must be equal); the parts the list leaves out are neither for nor against, but
# an address that names less is less certain (SPECIFICITY_FLOOR for a compound alone).
_WEIGHTS = {"compound": 50, "building": 20, "unit": 10, "room": 20}
SPECIFICITY_FLOOR = 0.8
COMPOUND_GATE = 60  # another compound: the flat numbers do not count
PARTIAL_FACTOR = 0.8  # "金华小区" inside "金华小区3号楼2单元501室"
# A common name has hundreds of holders in a city district: only the SHORTLIST whose
# addresses look most like the listed one (rapidfuzz's C++ partial ratio over all of
# them at once) are read into their parts and scored.
SHORTLIST = 12


@dataclass(frozen=True)
class Decision:
    status: str  # matched | ambiguous | unmatched
    person_id: int | None = None
    person_code: str | None = None
    method: str = ""
    confidence: int = 0
    note: str = ""
    candidates: list[dict[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    person_id: int
    code: str  # the person's jurisdiction code (grid or community)
    same_name: bool = False
    other_id: bool = False  # registered with an identity number unlike the list's
    address: str = ""


# --- Addresses ----------------------------------------------------------------------------


def clean_address(text: str) -> str:
    """NFKC, no spaces: how both sides are compared when they do not parse."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


_PLACE_SUFFIXES = ("社区居民委员会", "社区居委会", "居民委员会", "居委会", "村民委员会", "村委会")
_PLACE_STEMS = ("社区", "街道办事处", "街道", "办事处", "镇", "乡", "村")


@lru_cache(maxsize=64)
def _place_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for every way the given places are written in front of an
    address (上街区, 中安街社区居委会, 中安街, …), after an optional province and city."""
    forms: set[str] = set()
    for raw in names:
        name = clean_address(raw)
        if not name:
            continue
        forms.add(name)
        stem = next(
            (name[: -len(s)] for s in _PLACE_STEMS if name.endswith(s) and len(name) > len(s) + 1),
            "",
        )
        if stem:
            forms.add(stem)
            forms.update(stem + suffix for suffix in (*_PLACE_SUFFIXES, *_PLACE_STEMS))
    alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    places = f"(?:{alternation})" if alternation else "(?!)"
    return re.compile(rf"^(?:[^省市]{{2,3}}省)?(?:[^省市]{{2,4}}市(?={places}))?(?:{places})*")


def strip_places(text: str, names: Iterable[str] = ()) -> str:
    """The address without the province, city, district, street and community in front
    (the whole address when nothing else would be left). Pass the same tuple of names
    for a whole import: its pattern is compiled once."""
    value = clean_address(text)
    match = _place_pattern(names if isinstance(names, tuple) else tuple(names)).match(value)
    rest = value[match.end() :] if match else value
    return rest or value


def compound_keys(
    text: str, names: Sequence[str] = (), upper_names: Sequence[str] = ()
) -> tuple[str | None, str | None]:
    """Two short strings that the registered address of someone living at the listed
    address contains, for the database to put the people of a common name who live
    there first: the parsed compound of the address without any place names (金华小区
    out of 上街区中安街社区金华小区3栋2单元501), and the first four characters of the
    address without the district and street only (马固村三 out of 上街区马固村三组229,
    where a village's group alone would be 三组)."""
    stripped = strip_places(text, names) if text else ""
    parsed = _parsed(stripped) if stripped else None
    first = parsed.compound if parsed is not None and parsed.compound else stripped[:4]
    upper = strip_places(text, upper_names) if text else ""
    return (first if len(first) >= 2 else None), (upper[:4] if len(upper) >= 2 else None)


@lru_cache(maxsize=500_000)
def _parsed(text: str) -> ParsedAddress | None:
    parsed = parse_address(text, community_names=[])
    return parsed if parsed is not None and parsed.compound else None


def address_score(listed: str, registered: str, names: Sequence[str] = ()) -> int:
    """0-100: how well the address on the list fits the person's registered address.

    Both are read into compound, building, unit and room when they can be (3栋2单元501,
    3-2-501 and 3号楼2单元501室 are one flat); otherwise the texts are compared.
    `names` are the place names that may stand in front (district, streets, community,
    village): stripped from both sides alike, so that 马固村三组229 on the list and
    马固村三组229室 in the registry compare as one.
    """
    if not listed or not registered:
        return 0
    left = strip_places(listed, names) if names else clean_address(listed)
    right = strip_places(registered, names) if names else clean_address(registered)
    a, b = _parsed(left), _parsed(right)
    if a is not None and b is not None:
        return _parts_score(a, b)
    whole = fuzz.ratio(left, right)
    partial = fuzz.partial_ratio(left, right) * PARTIAL_FACTOR if len(left) >= 4 else 0
    return round(max(whole, partial))


def _parts_score(a: ParsedAddress, b: ParsedAddress) -> int:
    compound = fuzz.ratio(a.compound or "", b.compound or "")
    if compound < COMPOUND_GATE:
        return round(compound / 2)
    got = _WEIGHTS["compound"] * compound / 100
    given = _WEIGHTS["compound"]
    for part in ("building", "unit", "room"):
        mine = getattr(a, part)
        if mine is None:
            continue
        given += _WEIGHTS[part]
        if mine == getattr(b, part):
            got += _WEIGHTS[part]
    specificity = SPECIFICITY_FLOOR + (1 - SPECIFICITY_FLOOR) * given / sum(_WEIGHTS.values())
    return round(100 * got / given * specificity)


# --- Decisions ----------------------------------------------------------------------------


def _listed(candidates: Sequence[tuple[int, Candidate]]) -> list[dict[str, int]]:
    return [{"person": c.person_id, "confidence": score} for score, c in candidates][
        :MAX_CANDIDATES
    ]


def by_phone(candidates: Sequence[Candidate], *, listed_name: str) -> Decision:
    """The holders of the listed phone among the people living in the district."""
    plausible = [c for c in candidates if not c.other_id]
    named = [c for c in plausible if c.same_name]
    if len(named) == 1:
        only = named[0]
        return Decision("matched", only.person_id, only.code, "phone", CONFIDENCE_PHONE_AND_NAME)
    if len(plausible) == 1 and len(candidates) == 1:
        only = plausible[0]
        if not listed_name:
            return Decision("matched", only.person_id, only.code, "phone", CONFIDENCE_PHONE_ONLY)
        return Decision(
            "matched",
            only.person_id,
            only.code,
            "phone",
            CONFIDENCE_PHONE_NAME_DIFFERS,
            note="name_differs",
        )
    if named:  # several holders of this phone with the listed name
        scored = [(CONFIDENCE_PHONE_SHARED, c) for c in named]
        return Decision(
            "ambiguous", method="phone", note="shared_phone", candidates=_listed(scored)
        )
    if plausible:
        scored = [(CONFIDENCE_PHONE_SHARED, c) for c in plausible]
        return Decision(
            "ambiguous", method="phone", note="shared_phone", candidates=_listed(scored)
        )
    scored = [(CONFIDENCE_OTHER_ID, c) for c in candidates]
    return Decision("ambiguous", method="phone", note="other_id", candidates=_listed(scored))


def by_name_and_address(
    candidates: Sequence[Candidate], *, listed_address: str, names: Sequence[str] = ()
) -> Decision:
    """The people of the listed name (exactly), the listed address compared with theirs."""
    plausible = [c for c in candidates if not c.other_id]
    if not plausible:
        return Decision("unmatched", note="no_candidate")
    if not listed_address:
        if len(plausible) > NAME_ONLY_MAX:
            return Decision("unmatched", note="name_too_common")
        scored = [(CONFIDENCE_NAME_ONLY, c) for c in plausible]
        return Decision(
            "ambiguous", method="name_address", note="no_address", candidates=_listed(scored)
        )
    if len(plausible) > SHORTLIST:
        query = strip_places(listed_address, names) if names else clean_address(listed_address)
        shortlist = process.extract(
            query,
            [c.address for c in plausible],
            scorer=fuzz.partial_ratio,
            limit=SHORTLIST,
        )
        plausible = [plausible[index] for _choice, _score, index in shortlist]
    scored = sorted(
        ((address_score(listed_address, c.address, names), c) for c in plausible),
        key=lambda pair: (-pair[0], pair[1].person_id),
    )
    best_score, best = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0
    if best_score >= MATCH_AT and best_score - runner_up >= MARGIN:
        return Decision("matched", best.person_id, best.code, "name_address", best_score)
    close = [(s, c) for s, c in scored if s >= AMBIGUOUS_AT]
    if close:
        return Decision(
            "ambiguous", method="name_address", note="similar_addresses", candidates=_listed(close)
        )
    return Decision("unmatched", note="address_differs")
