"""Reads of the risk-area list.

The rows belong to the district that keeps the list, and every account of the district
reads them, although a community worker's scope lies below the district: these
selectors read by the district prefix of the scope (`district_of`), which widens
nothing else. What an origin's level was on a day (`level_on`) is asked by the public
arrival page too, so it takes the district, not a scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404

from .models import RiskArea

LevelName = Literal["high", "medium"]
DISTRICT_LENGTH = 6
REGION_LENGTHS = (2, 4, 6, 9)


def district_of(scope: Scope) -> str:
    """The district whose list the scope reads: the first six digits of its code (a
    shorter code, a city or the system's empty one, reads every district under it)."""
    return scope.code[:DISTRICT_LENGTH]


def _rows(scope: Scope) -> QuerySet[RiskArea]:
    scope.require(Perm.RISK_AREA_VIEW)
    return RiskArea.objects.within_code(district_of(scope))


def in_force_q(day: dt.date) -> Q:
    """Current rows in force on a day (lifted on `effective_until`, so not that day)."""
    return Q(superseded_at__isnull=True, effective_from__lte=day) & (
        Q(effective_until__isnull=True) | Q(effective_until__gt=day)
    )


def covering_q(origin_code: str) -> Q:
    """Rows whose region contains the origin: its code is a prefix of the origin's."""
    prefixes = [origin_code[:n] for n in REGION_LENGTHS if n <= len(origin_code)]
    return Q(region_code__in=prefixes)


def in_force(*, district: str, day: dt.date) -> QuerySet[RiskArea]:
    """The areas of a district's list in force on a day: one query, any size."""
    return (
        RiskArea.objects.within_code(district)
        .filter(in_force_q(day))
        .order_by("level", "region_code")  # "high" sorts before "medium"
    )


def level_on(*, origin_code: str, day: dt.date, district: str) -> LevelName | None:
    """The level an origin had on a day in the district's list: the highest of the
    areas that cover it (a high-risk county inside a medium-risk city is high)."""
    if not origin_code or not district:
        return None
    levels = set(
        RiskArea.objects.within_code(district)
        .filter(in_force_q(day), covering_q(origin_code))
        .values_list("level", flat=True)
    )
    if RiskArea.Level.HIGH in levels:
        return "high"
    if RiskArea.Level.MEDIUM in levels:
        return "medium"
    return None


def level_expression(*, district: str, origin_field: str, day_field: str) -> Expression:
    """The same answer as `level_on` as an SQL expression over another table's rows
    ("high", "medium" or "other"), for set-based classification: the origin and the day
    are the names of that table's fields."""
    origin = OuterRef(origin_field)
    day = OuterRef(day_field)
    covering = (
        RiskArea.objects.within_code(district)
        .filter(superseded_at__isnull=True, effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gt=day))
        .filter(
            Q(region_code=Substr(origin, 1, 2))
            | Q(region_code=Substr(origin, 1, 4))
            | Q(region_code=Substr(origin, 1, 6))
            | Q(region_code=Substr(origin, 1, 9))
        )
    )
    return Case(
        When(Exists(covering.filter(level=RiskArea.Level.HIGH)), then=Value("high")),
        When(Exists(covering.filter(level=RiskArea.Level.MEDIUM)), then=Value("medium")),
        default=Value("other"),
    )


# --- The pages ----------------------------------------------------------------------

VIEWS = ("in_force", "history")


@dataclass(frozen=True)
class AreaFilters:
    view: str = "in_force"  # in_force: current rows in force on `day`; history: every row
    day: dt.date | None = None
    level: str = ""
    query: str = ""

    def describe(self) -> str:
        parts = [
            _("in force on %(day)s") % {"day": (self.day or timezone.localdate()).isoformat()}
            if self.view == "in_force"
            else _("history, with replaced entries")
        ]
        if self.level:
            parts.append(str(dict(RiskArea.Level.choices).get(self.level, self.level)))
        if self.query:
            parts.append(_("region: %(q)s") % {"q": self.query})
        return "; ".join(parts)


def area_list(*, scope: Scope, filters: AreaFilters | None = None) -> QuerySet[RiskArea]:
    f = filters or AreaFilters()
    areas = _rows(scope).select_related("created_by", "superseded_by")
    if f.view == "history":
        areas = areas.order_by("region_code", "effective_from", "id")
    else:
        areas = areas.filter(in_force_q(f.day or timezone.localdate())).order_by(
            "region_code", "effective_from"
        )
    if f.level in RiskArea.Level.values:
        areas = areas.filter(level=f.level)
    text = f.query.strip()
    if text:
        areas = areas.filter(
            Q(region_code__startswith=text) if text.isdigit() else Q(region_name__contains=text)
        )
    return areas


def area_get(*, scope: Scope, pk: int) -> RiskArea:
    return get_or_404(_rows(scope).select_related("created_by", "superseded_by"), pk=pk)


def area_history(*, scope: Scope, area: RiskArea) -> QuerySet[RiskArea]:
    """Every row the district has had for the same region, oldest first."""
    return (
        _rows(scope)
        .filter(jurisdiction_code=area.jurisdiction_code, region_code=area.region_code)
        .select_related("created_by", "superseded_by")
        .order_by("created_at", "id")
    )


def upcoming(*, scope: Scope, day: dt.date) -> QuerySet[RiskArea]:
    """Current rows that start after the day (announced ahead)."""
    return _rows(scope).filter(superseded_at__isnull=True, effective_from__gt=day)
