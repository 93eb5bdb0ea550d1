"""Every read of the quarantine sites: sites, rooms, stays, the board, the awaiting list,
the counts for the daily report. Sites and rooms are read within the scope of the office
that runs them; orders within the scope of the person's community; a stay is seen by
both (the site's office and the person's jurisdiction).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.control.models import ControlOrder, Measure, OrderPhase, QuarantineSite, Room, Stay
from fangkong.core.errors import NotFound
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404
from fangkong.registry.models import Person

# The next level's code length below a code of each length (district, subdistrict, …).
CHILD_LENGTH = {6: 9, 9: 12, 12: 15}


def _day_end(day: dt.date) -> dt.datetime:
    """The first moment after `day`, local time: who is in at the end of the day."""
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start, timezone.get_current_timezone())


def today() -> dt.date:
    return timezone.localdate()


# --- Sites and rooms ------------------------------------------------------------------


def sites(*, scope: Scope, include_inactive: bool = False) -> QuerySet[QuarantineSite]:
    qs = QuarantineSite.objects.within(scope)
    return qs if include_inactive else qs.filter(is_active=True)


def site_get(*, scope: Scope, pk: int) -> QuarantineSite:
    return get_or_404(QuarantineSite.objects.within(scope), pk=pk)


def room_get(*, scope: Scope, pk: int) -> Room:
    return get_or_404(Room.objects.within(scope).select_related("site"), pk=pk)


def rooms_of(*, scope: Scope, site: QuarantineSite) -> QuerySet[Room]:
    return Room.objects.within(scope).filter(site=site).order_by("floor", "number")


@dataclass
class Counts:
    rooms: int = 0
    beds: int = 0
    occupied: int = 0
    free: int = 0
    out_of_service: int = 0  # rooms

    @property
    def percent(self) -> int:
        usable = self.occupied + self.free
        return round(100 * self.occupied / usable) if usable else 0


def site_counts(*, scope: Scope, site_ids: list[int]) -> dict[int, Counts]:
    """Per site: rooms, beds, people in, free beds (in-service rooms only) and rooms out
    of service; one grouped query."""
    rows = (
        Room.objects.within(scope)
        .filter(site_id__in=site_ids)
        .values("site_id")
        .annotate(
            n_rooms=Count("id"),
            n_beds=Coalesce(Sum("beds"), 0),
            n_occupied=Coalesce(Sum("occupants"), 0),
            n_free=Coalesce(Sum(F("beds") - F("occupants"), filter=Q(out_of_service=False)), 0),
            n_out=Count("id", filter=Q(out_of_service=True)),
        )
    )
    result = {pk: Counts() for pk in site_ids}
    for r in rows:
        result[r["site_id"]] = Counts(
            r["n_rooms"], r["n_beds"], r["n_occupied"], r["n_free"], r["n_out"]
        )
    return result


def total(counts: list[Counts]) -> Counts:
    return Counts(
        sum(c.rooms for c in counts),
        sum(c.beds for c in counts),
        sum(c.occupied for c in counts),
        sum(c.free for c in counts),
        sum(c.out_of_service for c in counts),
    )


@dataclass
class Cell:
    room: Room
    state: str  # free | occupied | family | out
    stays: list[Stay] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the occupants the viewer may see


@dataclass
class Board:
    site: QuarantineSite
    counts: Counts
    floors: list[tuple[int | None, list[Cell]]]


def room_state(room: Room) -> str:
    if room.out_of_service:
        return "out"
    if room.occupants > 0:
        return "occupied"
    return "family" if room.is_family else "free"


def board(*, scope: Scope, site: QuarantineSite) -> Board:
    """The rooms by floor, each with its state and its open stays; the occupants' names
    only where the viewer's scope covers their order (a district site may house people of
    other subdistricts)."""
    rooms = list(rooms_of(scope=scope, site=site))
    stays: dict[int, list[Stay]] = defaultdict(list)
    for stay in open_stays(scope=scope, site=site).select_related("person", "order"):
        stays[stay.room_id].append(stay)
    floors: dict[int | None, list[Cell]] = defaultdict(list)
    for room in rooms:
        room_stays = stays.get(room.pk, [])
        names = [
            cast(Person, s.person).name
            for s in room_stays
            if scope.covers(s.order.jurisdiction_code)
        ]
        floors[room.floor].append(Cell(room, room_state(room), room_stays, names))
    ordered = sorted(floors.items(), key=lambda kv: (kv[0] is None, -(kv[0] or 0)))
    return Board(site, site_counts(scope=scope, site_ids=[site.pk])[site.pk], ordered)


def free_rooms(*, scope: Scope, site: QuarantineSite) -> QuerySet[Room]:
    return rooms_of(scope=scope, site=site).filter(out_of_service=False, occupants__lt=F("beds"))


# --- Stays ------------------------------------------------------------------------------


def open_stays(*, scope: Scope, site: QuarantineSite | None = None) -> QuerySet[Stay]:
    qs = Stay.objects.within(scope).filter(checked_out_at__isnull=True)
    return qs.filter(site=site) if site is not None else qs


def stay_get(*, scope: Scope, pk: int) -> Stay:
    return get_or_404(
        Stay.objects.within(scope).select_related("site", "room", "person", "order"), pk=pk
    )


def open_stay_of(*, order: ControlOrder) -> Stay | None:
    """The order's open stay, whoever looks (services check the scope first)."""
    return Stay.objects.filter(order=order, checked_out_at__isnull=True).first()


def central_on(day: dt.date) -> QuerySet[OrderPhase]:
    return OrderPhase.objects.filter(
        measure=Measure.CENTRAL_QUARANTINE, starts_on__lte=day, ends_on__gte=day
    )


def awaiting_check_in(*, scope: Scope, day: dt.date | None = None) -> QuerySet[ControlOrder]:
    """Orders in force whose phase on `day` is centralised quarantine and who have no
    room yet, within the viewer's scope (the person's community)."""
    day = day or today()
    central = central_on(day).filter(order=OuterRef("pk"))
    housed = Stay.objects.filter(order=OuterRef("pk"), checked_out_at__isnull=True)
    return (
        ControlOrder.objects.within(scope)
        .filter(status=ControlOrder.Status.ACTIVE)
        .filter(Exists(central))
        .exclude(Exists(housed))
        .select_related("person", "household")
        .order_by("starts_on", "id")
    )


def order_get(*, scope: Scope, pk: int) -> ControlOrder:
    return get_or_404(
        ControlOrder.objects.within(scope).select_related("person", "household"), pk=pk
    )


def orders_get(*, scope: Scope, pks: list[int]) -> list[ControlOrder]:
    found = list(
        ControlOrder.objects.within(scope).filter(pk__in=pks).select_related("person", "household")
    )
    if len(found) != len(set(pks)):
        raise NotFound(_("Not found."))
    return found


def is_in_central(*, order: ControlOrder, day: dt.date) -> bool:
    return central_on(day).filter(order=order).exists()


def due_check_out(*, scope: Scope, site: QuarantineSite, day: dt.date | None = None) -> list[Stay]:
    """Open stays at the site whose order no longer holds the person here: released or
    ended, or its centralised phase is over (the next is at home)."""
    day = day or today()
    central = central_on(day).filter(order=OuterRef("order_id"))
    return list(
        open_stays(scope=scope, site=site)
        .filter(~Q(order__status=ControlOrder.Status.ACTIVE) | ~Exists(central))
        .select_related("person", "order", "room")
        .order_by("room__number")
    )


def stay_history(*, scope: Scope, order: ControlOrder) -> QuerySet[Stay]:
    return Stay.objects.filter(order=order).select_related("site", "room").order_by("checked_in_at")


def person_stays(*, scope: Scope, person: Person) -> QuerySet[Stay]:
    """A person's stays, for the person file: seen by the site's office and by whoever
    sees the person's order (a policy across two jurisdictions)."""
    return (
        Stay.objects.filter(person=person)
        .filter(code_range_q(scope.code) | code_range_q(scope.code, "order__jurisdiction_code"))
        .select_related("site", "room")
        .order_by("checked_in_at")
    )


def occupancy_rows(*, scope: Scope, site: QuarantineSite) -> QuerySet[Stay]:
    """What the board shows, as a list: the open stays by room."""
    return (
        open_stays(scope=scope, site=site)
        .select_related("person", "order", "room")
        .order_by("room__floor", "room__number", "checked_in_at")
    )


def target_sites(*, scope: Scope, exclude: int | None = None) -> QuerySet[QuarantineSite]:
    qs = sites(scope=scope)
    return qs.exclude(pk=exclude) if exclude else qs


def jurisdictions_for_sites(*, scope: Scope) -> QuerySet[Jurisdiction]:
    """Where a site may be run from: the district or a subdistrict of the scope."""
    return (
        Jurisdiction.objects.within(scope)
        .filter(level__in=["district", "subdistrict"], is_active=True)
        .order_by("code")
    )


# --- Counts for the daily report ------------------------------------------------------


def day_counts(*, scope: Scope, code: str, day: dt.date) -> list[dict[str, Any]]:
    """Per child jurisdiction of `code` on `day` (at the end of the day): people checked in
    at sites (by the person's own jurisdiction, from their orders) and free beds (by the
    office that runs the site; out-of-service rooms excluded, their state taken as of
    now). A last row `total` covers all of `code`."""
    child_len = CHILD_LENGTH.get(len(code), len(code) + 3)
    end = _day_end(day)
    children = list(
        Jurisdiction.objects.within(scope)
        .filter(code_range_q(code, "code"), parent__code=code)
        .order_by("code")
        .values_list("code", "name")
    )
    in_on_day = (
        Stay.objects.filter(code_range_q(code, "order__jurisdiction_code"))
        .filter(code_range_q(scope.code, "order__jurisdiction_code"))
        .filter(checked_in_at__lt=end)
        .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=end))
    )
    checked_in = dict(
        in_on_day.annotate(child=Substr("order__jurisdiction_code", 1, child_len))
        .values("child")
        .annotate(n=Count("id"))
        .values_list("child", "n")
    )
    beds_rows = (
        Room.objects.within(scope)
        .filter(code_range_q(code), out_of_service=False, site__is_active=True)
        .annotate(child=Substr("jurisdiction_code", 1, child_len))
        .values("child")
        .annotate(beds=Coalesce(Sum("beds"), 0))
    )
    beds = {r["child"]: r["beds"] for r in beds_rows}
    used = dict(
        Stay.objects.within(scope)
        .filter(code_range_q(code))
        .filter(room__out_of_service=False, site__is_active=True, checked_in_at__lt=end)
        .filter(Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=end))
        .annotate(child=Substr("jurisdiction_code", 1, child_len))
        .values("child")
        .annotate(n=Count("id"))
        .values_list("child", "n")
    )
    # A site run by `code` itself (a district site seen from the district) counts on the
    # row of `code` only: its code is shorter than a child's.
    rows = []
    for child, name in children:
        rows.append(
            {
                "code": child,
                "name": name,
                "checked_in": checked_in.get(child, 0),
                "free_beds": max(beds.get(child, 0) - used.get(child, 0), 0),
            }
        )
    rows.append(
        {
            "code": code,
            "name": "total",
            "checked_in": sum(checked_in.values()),
            "free_beds": max(sum(beds.values()) - sum(used.values()), 0),
        }
    )
    return rows


def room_by_number(*, scope: Scope, site: QuarantineSite, number: str) -> Room:
    return get_or_404(Room.objects.within(scope).filter(site=site), number=number.strip())


def overview(*, scope: Scope) -> list[tuple[QuarantineSite, Counts]]:
    """The active sites of the scope with their counts (the overview's table and chart)."""
    rows = list(sites(scope=scope))
    counts = site_counts(scope=scope, site_ids=[s.pk for s in rows])
    return [(s, counts[s.pk]) for s in rows]
