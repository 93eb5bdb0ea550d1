"""Every read of screening, scoped.

Coverage is a sum over tasks (whose counters the services keep), grouped by the first
digits of their jurisdiction code: one grouped query per page, whatever the level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from fangkong.core.codes import Level, level_of
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.registry.models import Building, Household, Person

from .models import Category, Finding, Record, ScreeningRound, SignOff, Task


def rounds(*, scope: Scope) -> QuerySet[ScreeningRound]:
    """The rounds a user works in: the district's, for everyone with a task in scope."""
    scope.require(Perm.SCREENING_VIEW)
    found = ScreeningRound.objects.all()
    if scope.code:  # the system sees every round
        found = found.filter(jurisdiction_code=scope.code[:6])
        if len(scope.code) > 6:
            mine = Task.objects.within(scope).filter(round=OuterRef("pk"))
            found = found.filter(Exists(mine))
    return found.order_by("-starts_on", "-id")


def round_get(*, scope: Scope, pk: int) -> ScreeningRound:
    return get_or_404(rounds(scope=scope), pk=pk)


def subdistricts(*, scope: Scope) -> list[tuple[str, str]]:
    """The subdistricts a round can cover, as (code, name)."""
    return [
        (j.code, j.name)
        for j in Jurisdiction.objects.within(scope)
        .filter(level=Level.SUBDISTRICT, is_active=True)
        .order_by("code")
    ]


def node(*, scope: Scope, code: str) -> Jurisdiction:
    return get_or_404(Jurisdiction.objects.within(scope), code=code)


def categories(*, screening_round: ScreeningRound) -> list[Category]:
    return list(screening_round.categories.all())


def tasks(*, scope: Scope, screening_round: ScreeningRound, under: str = "") -> QuerySet[Task]:
    scope.require(Perm.SCREENING_VIEW)
    found = Task.objects.within(scope).filter(round=screening_round)
    if under:
        found = found.within_code(under)
    return found.select_related("compound").order_by(
        "jurisdiction_code", "compound__name", "compound_id"
    )


def task_get(*, scope: Scope, pk: int) -> Task:
    scope.require(Perm.SCREENING_VIEW)
    return get_or_404(Task.objects.within(scope).select_related("round", "compound"), pk=pk)


def signoffs(*, task: Task) -> list[SignOff]:
    return list(task.signoffs.order_by("signed_at"))


@dataclass
class BuildingProgress:
    building: Building | None
    total: int
    done: int

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 100


def building_progress(*, scope: Scope, task: Task) -> list[BuildingProgress]:
    """Households done of total per building of the task's compound (two grouped
    queries). Households without a building (a village yard) come last, as None."""
    households = Household.objects.within(scope).filter(
        compound_id=task.compound_id, is_active=True
    )
    totals: dict[int | None, int] = dict(
        households.values_list("building_id")
        .annotate(n=Count("id"))
        .values_list("building_id", "n")
    )
    done: dict[int | None, int] = dict(
        Record.objects.filter(task=task, is_current=True, household__in=households)
        .values_list("household__building_id")
        .annotate(n=Count("id"))
        .values_list("household__building_id", "n")
    )
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=[k for k in totals if k])}
    ordered = sorted(
        (k for k in totals if k is not None),
        key=lambda k: (buildings[k].sort_key, buildings[k].name),
    )
    rows = [BuildingProgress(buildings[k], totals[k], done.get(k, 0)) for k in ordered]
    if None in totals:
        rows.append(BuildingProgress(None, totals[None], done.get(None, 0)))
    return rows


@dataclass
class HouseholdRow:
    household: Household
    record: Record | None
    members: list[Person] = field(default_factory=list)


def building_households(*, scope: Scope, task: Task, building_id: int | None) -> list[HouseholdRow]:
    """The households of one building (or those without one) with their current record
    and their registered members, for the door-to-door page."""
    households = list(
        Household.objects.within(scope)
        .filter(compound_id=task.compound_id, is_active=True)
        .filter(Q(building_id=building_id) if building_id else Q(building__isnull=True))
        .select_related("unit")
        .order_by("unit__sort_key", "unit__name", "sort_key", "name")
    )
    records = {
        r.household_id: r
        for r in Record.objects.filter(
            task=task, is_current=True, household__in=[h.pk for h in households]
        )
    }
    members: dict[int, list[Person]] = {}
    for p in Person.objects.filter(
        household__in=[h.pk for h in households], status=Person.Status.ACTIVE
    ).order_by("id"):
        members.setdefault(p.household_id or 0, []).append(p)
    return [HouseholdRow(h, records.get(h.pk), members.get(h.pk, [])) for h in households]


def household_for_task(*, scope: Scope, task: Task, pk: int) -> Household:
    return get_or_404(
        Household.objects.within(scope)
        .filter(compound_id=task.compound_id)
        .select_related("compound", "building", "unit"),
        pk=pk,
    )


def current_record(*, task: Task, household: Household) -> Record | None:
    return (
        Record.objects.filter(task=task, household=household, is_current=True)
        .prefetch_related("findings")
        .first()
    )


def record_history(*, task: Task, household: Household) -> QuerySet[Record]:
    return Record.objects.filter(task=task, household=household).order_by("-version")


def members(*, household: Household) -> QuerySet[Person]:
    return Person.objects.filter(household=household, status=Person.Status.ACTIVE).order_by("id")


# --- Coverage -------------------------------------------------------------------------


@dataclass
class Coverage:
    code: str
    name: str
    compounds: int = 0
    households: int = 0
    reached: int = 0
    empty: int = 0
    not_home: int = 0
    signed: int = 0  # compounds signed by the subdistrict
    persons: dict[str, int] = field(default_factory=dict)  # category code -> people found

    @property
    def done(self) -> int:
        return self.reached + self.empty + self.not_home

    @property
    def unvisited(self) -> int:
        return max(self.households - self.done, 0)

    @property
    def not_reached(self) -> int:
        return self.not_home + self.unvisited

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.households) if self.households else 100


def _child_width(code: str) -> int:
    level = level_of(code)
    return {Level.DISTRICT: 9, Level.SUBDISTRICT: 12, Level.COMMUNITY: 15}.get(level, 15)


def coverage(
    *, scope: Scope, screening_round: ScreeningRound, at: str
) -> tuple[Coverage, list[Coverage]]:
    """Coverage of the node `at` and of each of its children (subdistricts, communities,
    grids; compounds below a grid or a community without grids come from tasks())."""
    scope.require(Perm.SCREENING_VIEW)
    node = get_or_404(Jurisdiction.objects.within(scope), code=at)
    width = _child_width(node.code)
    scoped = Task.objects.within(scope).filter(round=screening_round).within_code(node.code)
    rows = (
        scoped.annotate(prefix=Substr("jurisdiction_code", 1, width))
        .values("prefix")
        .annotate(
            compounds=Count("id"),
            households=Sum("households_total"),
            reached=Sum("reached"),
            empty=Sum("empty"),
            not_home=Sum("not_home"),
            signed=Count("id", filter=Q(status=Task.Status.SUBDISTRICT)),
        )
    )
    found = (
        Finding.objects.within(scope)
        .within_code(node.code)
        .filter(record__task__round=screening_round, record__is_current=True, present=True)
        .exclude(category="")
        .annotate(prefix=Substr("jurisdiction_code", 1, width))
        .values("prefix", "category")
        .annotate(n=Count("person_id", distinct=True))
    )
    names = dict(Jurisdiction.objects.filter(parent=node).values_list("code", "name"))
    children: dict[str, Coverage] = {}
    total = Coverage(node.code, node.name)
    for row in rows:
        code = row["prefix"]
        child = children.setdefault(code, Coverage(code, names.get(code, code)))
        for key in ("compounds", "households", "reached", "empty", "not_home", "signed"):
            value = row[key] or 0
            setattr(child, key, getattr(child, key) + value)
            setattr(total, key, getattr(total, key) + value)
    for row in found:
        child = children.setdefault(
            row["prefix"], Coverage(row["prefix"], names.get(row["prefix"], row["prefix"]))
        )
        child.persons[row["category"]] = child.persons.get(row["category"], 0) + row["n"]
        total.persons[row["category"]] = total.persons.get(row["category"], 0) + row["n"]
    ordered = sorted(children.values(), key=lambda c: c.code)
    return total, ordered


def unreached(*, scope: Scope, screening_round: ScreeningRound, under: str) -> QuerySet[Household]:
    """Households of the round's compounds under `under` with no record yet or not at
    home: the list the community works through."""
    scope.require(Perm.SCREENING_VIEW)
    compounds = Task.objects.within(scope).filter(round=screening_round).within_code(under)
    reached = Record.objects.filter(
        task__round=screening_round,
        is_current=True,
        household=OuterRef("pk"),
        outcome__in=[Record.Outcome.REACHED, Record.Outcome.EMPTY],
    )
    return (
        Household.objects.within(scope)
        .within_code(under)
        .filter(is_active=True, compound_id__in=compounds.values("compound_id"))
        .exclude(Exists(reached))
        .select_related("compound", "building", "unit")
        .order_by("jurisdiction_code", "compound_id", "building_id", "unit_id", "sort_key")
    )


def findings(
    *, scope: Scope, screening_round: ScreeningRound, under: str, category: str = ""
) -> QuerySet[Finding]:
    """The people found in target categories (the 排查登记表), current records only."""
    scope.require(Perm.SCREENING_VIEW)
    found = (
        Finding.objects.within(scope)
        .within_code(under)
        .filter(record__task__round=screening_round, record__is_current=True)
        .exclude(category="")
        .select_related(
            "person",
            "record",
            "record__household",
            "record__household__compound",
            "record__household__building",
            "record__household__unit",
        )
        .order_by("jurisdiction_code", "record__household_id", "id")
    )
    return found.filter(category=category) if category else found


# --- For the daily report and the person file --------------------------------------------


def counts(*, scope: Scope, code: str, day: dt.date) -> dict[str, Any]:
    """What the daily report takes from screening for one jurisdiction and day: households
    screened that day and in all (open rounds), arrivals found that day by category
    label and by origin province."""
    scope.require(Perm.SCREENING_VIEW)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    records = Record.objects.within(scope).within_code(code).filter(is_current=True)
    open_rounds = records.filter(task__round__status=ScreeningRound.Status.OPEN)
    arrivals = (
        Finding.objects.within(scope)
        .within_code(code)
        .filter(record__recorded_at__gte=start, record__recorded_at__lt=end)
        .exclude(category="")
    )
    by_province: dict[str, int] = {}
    for origin, n in (
        arrivals.annotate(province=Substr("origin_code", 1, 2))
        .values_list("province")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("province", "n")
    ):
        by_province[origin] = n
    grouped = list(
        arrivals.values_list("record__task__round", "category")
        .annotate(n=Count("person_id", distinct=True))
        .values_list("record__task__round", "category", "n")
    )
    labels = {
        (round_id, cat): label
        for round_id, cat, label in Category.objects.filter(
            round_id__in={g[0] for g in grouped}
        ).values_list("round_id", "code", "label")
    }
    by_category: dict[str, int] = {}
    for round_id, cat, n in grouped:
        label = labels.get((round_id, cat), cat)
        by_category[label] = by_category.get(label, 0) + n
    return {
        "households_screened_today": records.filter(
            recorded_at__gte=start, recorded_at__lt=end
        ).count(),
        "households_screened_total": open_rounds.count(),
        "arrivals_today_by_category": by_category,
        "arrivals_today_by_origin": by_province,
    }


def _day(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _screened_on(day: dt.date) -> Q:
    start, end = _day(day)
    return Q(is_current=True, recorded_at__gte=start, recorded_at__lt=end)


def _screened_in_open_rounds(day: dt.date) -> Q:
    return Q(is_current=True, task__round__status=ScreeningRound.Status.OPEN)


def _found_on(day: dt.date) -> Q:
    start, end = _day(day)
    return Q(record__recorded_at__gte=start, record__recorded_at__lt=end) & ~Q(category="")


# The daily report's figures and the day's list share these (a number and its list
# agree): households screened that day and in all (records), people found that day in
# a category of their round (findings).
RECORD_FILTERS: dict[str, Callable[[dt.date], Q]] = {
    "today": _screened_on,
    "total": _screened_in_open_rounds,
}
FINDING_FILTERS: dict[str, Callable[[dt.date], Q]] = {"found": _found_on}


def day_records(*, scope: Scope, code: str, on: str, day: dt.date) -> QuerySet[Record]:
    """The records a figure of the daily report counts, newest first."""
    scope.require(Perm.SCREENING_VIEW)
    return (
        Record.objects.within(scope)
        .within_code(code)
        .filter(RECORD_FILTERS[on](day))
        .select_related("household", "task__round")
        .order_by("-recorded_at", "-id")
    )


def day_findings(*, scope: Scope, code: str, day: dt.date) -> QuerySet[Finding]:
    """The people found on the day in a category of their round, one finding each (their
    latest of the day)."""
    scope.require(Perm.SCREENING_VIEW)
    found = Finding.objects.within(scope).within_code(code).filter(_found_on(day))
    latest = found.values("person_id").annotate(last=Max("id")).values("last")
    return (
        Finding.objects.filter(id__in=latest)
        .select_related("person", "record__task__round")
        .order_by("-id")
    )


def counts_by_code(*, scope: Scope, code: str, day: dt.date) -> dict[str, dict[str, int]]:
    """The daily report's screening figures per stored jurisdiction code under `code`
    (RECORD_FILTERS, FINDING_FILTERS)."""
    scope.require(Perm.SCREENING_VIEW)
    result: dict[str, dict[str, int]] = {}
    records = Record.objects.within(scope).within_code(code)
    for key, today, total in (
        records.filter(is_current=True)
        .values_list("jurisdiction_code")
        .annotate(
            today=Count("id", filter=_screened_on(day)),
            total=Count("id", filter=_screened_in_open_rounds(day)),
        )
        .order_by()
    ):
        row = result.setdefault(key, {})
        row["screening.households_today"] = today
        row["screening.households_total"] = total
    found = (
        Finding.objects.within(scope)
        .within_code(code)
        .filter(_found_on(day))
        .values_list("jurisdiction_code")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    for key, n in found:
        result.setdefault(key, {})["screening.found_today"] = n
    return result


def person_findings(*, person: Person) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(person=person)
        .select_related("record", "record__task__round")
        .order_by("record__recorded_at")
    )


@dataclass(frozen=True)
class LastScreened:
    at: dt.datetime
    round_name: str
    category: str
    origin_name: str
    arrived_on: dt.date | None


def last_screened(*, person_ids: list[int]) -> dict[int, LastScreened]:
    """When each person was last found at home by a screening round (current records
    only): for push lists, so that a person already seen is not called again for the
    same trip. Two queries, whatever the number of people."""
    latest: dict[int, LastScreened] = {}
    rows = (
        Finding.objects.filter(person_id__in=person_ids, present=True, record__is_current=True)
        .select_related("record", "record__task__round")
        .order_by("person_id", "record__recorded_at")
    )
    labels = {
        (c.round_id, c.code): c.label
        for c in Category.objects.filter(
            round_id__in=rows.values("record__task__round_id").distinct()
        )
    }
    for f in rows:
        latest[f.person_id] = LastScreened(
            at=f.record.recorded_at,
            round_name=f.record.task.round.name,
            category=labels.get((f.record.task.round_id, f.category), ""),
            origin_name=f.origin_name,
            arrived_on=f.arrived_on,
        )
    return latest
