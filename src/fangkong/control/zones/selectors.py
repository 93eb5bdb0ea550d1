"""Every read of the control zones: the list, one zone, its residents, and the counts
of residents per kind of zone for the daily report and the board."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from fangkong.control.models import ControlZone
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404
from fangkong.registry.models import Building, Compound, Person

from .rules import ORDER

CHILD_LENGTH = {6: 9, 9: 12, 12: 15}


def zones(*, scope: Scope, status: str = "") -> QuerySet[ControlZone]:
    qs = ControlZone.objects.within(scope).select_related("compound")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-starts_on", "-id")


def zone_get(*, scope: Scope, pk: int) -> ControlZone:
    return get_or_404(ControlZone.objects.within(scope).select_related("compound"), pk=pk)


def zone_buildings(*, zone: ControlZone) -> list[Building]:
    return list(zone.buildings.order_by("sort_key", "name"))


def _zone_q(zone_compound: int, building_ids: list[int], prefix: str = "household__") -> Q:
    if building_ids:
        return Q(**{f"{prefix}building_id__in": building_ids})
    return Q(**{f"{prefix}compound_id": zone_compound})


def residents(*, scope: Scope, zone: ControlZone) -> QuerySet[Person]:
    """Active persons of the households in the compound, or in the chosen buildings."""
    building_ids = [b.pk for b in zone.buildings.all()]
    return (
        Person.objects.within(scope)
        .filter(status=Person.Status.ACTIVE, household__is_active=True)
        .filter(_zone_q(zone.compound_id, building_ids))
        .select_related("household")
        .order_by("household__building_id", "household__sort_key", "household__name", "id")
    )


@dataclass
class ResidentCounts:
    households: int = 0
    persons: int = 0


def resident_counts(*, scope: Scope, zone: ControlZone) -> ResidentCounts:
    row = residents(scope=scope, zone=zone).aggregate(
        households=Count("household_id", distinct=True), persons=Count("id")
    )
    return ResidentCounts(row["households"], row["persons"])


def zones_with_counts(*, scope: Scope, zones_page: list[ControlZone]) -> dict[int, ResidentCounts]:
    return {z.pk: resident_counts(scope=scope, zone=z) for z in zones_page}


def in_force_on(day: dt.date) -> Q:
    """Started by `day` and not lifted before it ends (a zone stays in force past its
    planned end until someone lifts it, signed)."""
    end = timezone.make_aware(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min),
        timezone.get_current_timezone(),
    )
    return Q(starts_on__lte=day) & (Q(lifted_at__isnull=True) | Q(lifted_at__gte=end))


def _kind_case(scope: Scope, code: str, day: dt.date) -> Case | None:
    """The strictest kind of zone in force on `day` each person lives in, as one CASE."""
    found = (
        ControlZone.objects.within(scope)
        .filter(code_range_q(code))
        .filter(in_force_on(day))
        .prefetch_related("buildings")
    )
    by_kind: dict[str, Q] = {}
    for zone in found:
        q = _zone_q(zone.compound_id, [b.pk for b in zone.buildings.all()])
        by_kind[zone.kind] = (by_kind[zone.kind] | q) if zone.kind in by_kind else q
    whens = [When(by_kind[kind], then=Value(str(kind))) for kind in ORDER if kind in by_kind]
    if not whens:
        return None
    return Case(*whens, default=Value(""), output_field=CharField())


def zone_counts(*, scope: Scope, code: str, day: dt.date) -> list[dict[str, Any]]:
    """Residents living in each kind of zone in force on `day`, per child jurisdiction of
    `code` (the person's own), and a last row for `code` itself. A person in two zones
    counts once, in the stricter."""
    child_len = CHILD_LENGTH.get(len(code), len(code) + 3)
    children = list(
        Jurisdiction.objects.within(scope)
        .filter(parent__code=code)
        .order_by("code")
        .values_list("code", "name")
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ORDER, 0))
    case = _kind_case(scope, code, day)
    if case is not None:
        rows = (
            Person.objects.within(scope)
            .filter(code_range_q(code), status=Person.Status.ACTIVE, household__is_active=True)
            .annotate(zone_kind=case, child=Substr("jurisdiction_code", 1, child_len))
            .exclude(zone_kind="")
            .values("child", "zone_kind")
            .annotate(n=Count("id"))
        )
        for r in rows:
            counts[r["child"]][r["zone_kind"]] += r["n"]
    result = [{"code": c, "name": name, **counts[c]} for c, name in children]
    total = dict.fromkeys(ORDER, 0)
    for per in counts.values():
        for kind, n in per.items():
            total[kind] += n
    result.append({"code": code, "name": "total", **total})
    return result


def compounds_matching(*, scope: Scope, query: str, limit: int = 20) -> list[Compound]:
    if not query:
        return []
    return list(
        Compound.objects.within(scope)
        .filter(is_active=True, name__icontains=query.strip()[:40])
        .order_by("name")[:limit]
    )


def compound_get(*, scope: Scope, pk: int) -> Compound:
    return get_or_404(Compound.objects.within(scope), pk=pk)


def buildings_of(*, scope: Scope, compound: Compound) -> list[Building]:
    return list(
        Building.objects.within(scope)
        .filter(compound=compound, is_active=True)
        .order_by("sort_key", "name")
    )


def day_today() -> dt.date:
    return timezone.localdate()
