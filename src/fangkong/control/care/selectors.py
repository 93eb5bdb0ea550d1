"""Every read of the care area, scoped: care teams, home quarantine, the day's
follow-ups, alerts and transfers, the public list of a compound, the control board and
the counts of the daily report.

Overdue is computed from the slot's hour and the clock (`rules.due_at`), never only
from the mark the periodic sweep sets, so lists and counts are right whether or not the
sweep has run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.control.models import (
    FOLLOWED_MEASURES,
    Alert,
    CareTeam,
    CareTeamMember,
    ControlOrder,
    DoorSeal,
    DoorSensor,
    DoorSensorEvent,
    FollowUp,
    Measure,
    OrderPhase,
    TransferTask,
)
from fangkong.core.codes import Level
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404
from fangkong.registry.models import Compound, Household, Person

from . import rules

HOME_MEASURES = (Measure.HOME_QUARANTINE, Measure.HOME_MONITORING)
OPEN_ALERT = ~Q(status=Alert.Status.CLOSED)


def in_force_on(day: dt.date, measures: tuple[str, ...] | None = None) -> Q:
    """Orders in force on `day` whose phase covering the day is one of `measures`."""
    phase = OrderPhase.objects.filter(order=OuterRef("pk"), starts_on__lte=day, ends_on__gte=day)
    if measures:
        phase = phase.filter(measure__in=measures)
    return Q(status=ControlOrder.Status.ACTIVE) & Q(Exists(phase))


def passed_slots(day: dt.date, now: dt.datetime) -> list[int]:
    """The slots of `day` whose hour has passed at `now` (all of them for a past day)."""
    return [s for s in range(1, rules.slots() + 1) if rules.due_at(day, s) <= now]


def overdue_q(day: dt.date, now: dt.datetime) -> Q:
    """Follow-ups of `day` not recorded although their hour has passed."""
    late = Q(status=FollowUp.Status.OVERDUE)
    slots = passed_slots(day, now)
    if slots:
        late |= Q(status=FollowUp.Status.DUE, slot__in=slots)
    return late


def place_names(*, codes: set[str]) -> dict[str, str]:
    """Names of jurisdictions (public facts); a grid with its community's name."""
    codes = {c for c in codes if c}
    wanted = codes | {c[:12] for c in codes if len(c) > 12}
    names = dict(Jurisdiction.objects.filter(code__in=wanted).values_list("code", "name"))
    return {
        c: (f"{names.get(c[:12], '')} {names[c]}".strip() if len(c) > 12 else names[c])
        for c in codes
        if c in names
    }


# --- Care teams ----------------------------------------------------------------------------


def teams(*, scope: Scope, code: str = "") -> QuerySet[CareTeam]:
    scope.require(Perm.CONTROL_VIEW)
    found = CareTeam.objects.within(scope).filter(is_active=True)
    if code:
        found = found.within_code(code)
    return found.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        order_count=Count(
            "orders", filter=Q(orders__status=ControlOrder.Status.ACTIVE), distinct=True
        ),
    ).order_by("jurisdiction_code", "name")


def team_get(*, scope: Scope, pk: int) -> CareTeam:
    found = get_or_404(CareTeam.objects.within(scope), pk=pk)
    scope.require(Perm.CONTROL_VIEW, at=found.jurisdiction_code)
    return found


def team_members(*, team: CareTeam) -> QuerySet[CareTeamMember]:
    # A team's members carry the team's code: whoever sees the team sees them.
    return CareTeamMember.objects.filter(team=team, is_active=True).order_by("role", "name")


def member_get(*, scope: Scope, pk: int) -> CareTeamMember:
    found = get_or_404(CareTeamMember.objects.within(scope).select_related("team"), pk=pk)
    scope.require(Perm.CONTROL_VIEW, at=found.jurisdiction_code)
    return found


def team_orders(*, scope: Scope, team: CareTeam) -> QuerySet[ControlOrder]:
    return (
        ControlOrder.objects.within(scope)
        .filter(care_team=team, status=ControlOrder.Status.ACTIVE)
        .select_related("person", "household")
        .order_by("jurisdiction_code", "starts_on", "id")
    )


def assignable_orders(*, scope: Scope, team: CareTeam) -> QuerySet[ControlOrder]:
    """Orders in force in the team's community (or grid) without a team, or with another."""
    return (
        ControlOrder.objects.within(scope)
        .within_code(team.jurisdiction_code)
        .filter(status=ControlOrder.Status.ACTIVE)
        .exclude(care_team=team)
        .select_related("person", "care_team")
        .order_by("care_team_id", "jurisdiction_code", "id")
    )


def team_targets(*, scope: Scope) -> list[Jurisdiction]:
    """Communities and grids where this account may form a care team."""
    if not scope.has(Perm.CARE_TEAM_MANAGE):
        return []
    return list(
        Jurisdiction.objects.within(scope)
        .filter(level__in=[Level.COMMUNITY, Level.GRID], is_active=True)
        .order_by("code")
    )


def member_accounts(*, scope: Scope, team: CareTeam) -> QuerySet[User]:
    """Accounts that may be linked to a member: active, within the team's community."""
    return (
        User.objects.within(scope)
        .filter(is_active=True, jurisdiction_code__startswith=team.jurisdiction_code[:12])
        .order_by("username")
    )


def my_team_ids(*, scope: Scope) -> list[int]:
    """The teams this account is a member of (一对一/五包一: "my people"), within the
    account's community: a grid worker on the community's team looks after the team's
    people of the whole community."""
    if scope.actor_id is None:
        return []
    return list(
        CareTeamMember.objects.filter(user_id=scope.actor_id, is_active=True, team__is_active=True)
        .filter(code_range_q(scope.code[:12]))
        .values_list("team_id", flat=True)
    )


def visible_followups(scope: Scope) -> QuerySet[FollowUp]:
    """Follow-ups in the scope, and those of the account's own care teams."""
    mine = my_team_ids(scope=scope)
    where = code_range_q(scope.code)
    if mine:
        where |= Q(care_team_id__in=mine)
    return FollowUp.objects.filter(where)


# --- Home quarantine --------------------------------------------------------------------


def home_orders(*, scope: Scope, day: dt.date, code: str = "") -> QuerySet[ControlOrder]:
    """Orders in force on `day` in a home measure, with their seal and sensor state."""
    scope.require(Perm.CONTROL_VIEW)
    found = ControlOrder.objects.within(scope).filter(in_force_on(day, HOME_MEASURES))
    if code:
        found = found.within_code(code)
    seal = DoorSeal.objects.filter(order=OuterRef("pk"), removed_at__isnull=True)
    sensor = DoorSensor.objects.filter(household=OuterRef("household_id"), revoked_at__isnull=True)
    return (
        found.annotate(is_sealed=Exists(seal), has_sensor=Exists(sensor))
        .select_related("person", "household", "care_team")
        .order_by("jurisdiction_code", "household_id", "id")
    )


def order_get(*, scope: Scope, pk: int) -> ControlOrder:
    found = get_or_404(
        ControlOrder.objects.within(scope).select_related("person", "household", "care_team"),
        pk=pk,
    )
    scope.require(Perm.CONTROL_VIEW, at=found.jurisdiction_code)
    return found


def order_phases(*, order: ControlOrder) -> QuerySet[OrderPhase]:
    return OrderPhase.objects.filter(order=order).order_by("position")


def order_seals(*, order: ControlOrder) -> QuerySet[DoorSeal]:
    return DoorSeal.objects.filter(order=order).order_by("-sealed_at", "-id")


def household_sensors(*, scope: Scope, household_id: int | None) -> QuerySet[DoorSensor]:
    if household_id is None:
        return DoorSensor.objects.none()
    return DoorSensor.objects.within(scope).filter(household_id=household_id).order_by("-id")


def household_events(
    *, scope: Scope, household_id: int | None, limit: int = 20
) -> list[DoorSensorEvent]:
    if household_id is None:
        return []
    return list(
        DoorSensorEvent.objects.within(scope)
        .filter(household_id=household_id)
        .select_related("sensor")
        .order_by("-at", "-id")[:limit]
    )


def sensor_get(*, scope: Scope, pk: int) -> DoorSensor:
    found = get_or_404(DoorSensor.objects.within(scope), pk=pk)
    scope.require(Perm.CONTROL_VIEW, at=found.jurisdiction_code)
    return found


def sensor_for_token(token_hash: str) -> DoorSensor | None:
    """The device authenticating with a token (no scope yet: this decides who it is)."""
    return DoorSensor.objects.filter(key_hash=token_hash, revoked_at__isnull=True).first()


def household_in_force(
    *, household_id: int, day: dt.date, measures: tuple[str, ...]
) -> ControlOrder | None:
    """The order in force at a household on `day` in one of `measures` (the first, when
    several people of the household are under orders)."""
    return (
        ControlOrder.objects.filter(household_id=household_id)
        .filter(in_force_on(day, measures))
        .order_by("id")
        .first()
    )


@dataclass
class PublicRow:
    building: str
    unit: str
    room: str
    names: list[str]
    measure: str
    starts_on: dt.date
    ends_on: dt.date


def public_list(
    *, scope: Scope, compound_pk: int, day: dt.date
) -> tuple[Compound, list[PublicRow]]:
    """居家观察户公示: the households of a compound under a home measure on `day`, for
    the notice board: building, unit, room, measure and dates, names masked (张*), no
    identity numbers or phones."""
    compound = get_or_404(Compound.objects.within(scope), pk=compound_pk)
    scope.require(Perm.CONTROL_VIEW, at=compound.jurisdiction_code)
    phases = (
        OrderPhase.objects.within(scope)
        .filter(
            order__household__compound=compound,
            order__status=ControlOrder.Status.ACTIVE,
            measure__in=HOME_MEASURES,
            starts_on__lte=day,
            ends_on__gte=day,
        )
        .select_related("order__person", "order__household__building", "order__household__unit")
    )
    rows: dict[tuple[int, str], PublicRow] = {}
    for phase in phases:
        household: Household = phase.order.household  # type: ignore[assignment]
        key = (household.pk, phase.measure)
        row = rows.get(key)
        if row is None:
            row = rows[key] = PublicRow(
                building=household.building.name if household.building else "",
                unit=household.unit.name if household.unit else "",
                room=household.name,
                names=[],
                measure=phase.get_measure_display(),
                starts_on=phase.starts_on,
                ends_on=phase.ends_on,
            )
        person = cast(Person, phase.order.person)
        row.names.append(public_name(person.name))
        row.starts_on = min(row.starts_on, phase.starts_on)
        row.ends_on = max(row.ends_on, phase.ends_on)
    ordered = sorted(
        rows.values(), key=lambda r: (_natural(r.building), _natural(r.unit), _natural(r.room))
    )
    return compound, ordered


def public_name(name: str) -> str:
    """The surname only, the rest starred (张*, 陈**): stricter than the app's masking,
    for a list everyone passing the notice board reads."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _natural(text: str) -> tuple[int, str]:
    digits = "".join(ch for ch in text if ch.isdigit())
    return (int(digits) if digits else 0, text)


def home_compounds(*, scope: Scope, day: dt.date) -> list[tuple[int, str, int]]:
    """Compounds with households under a home measure on `day`: (pk, name, households)."""
    rows = (
        ControlOrder.objects.within(scope)
        .filter(in_force_on(day, HOME_MEASURES), household__isnull=False)
        .values("household__compound_id", "household__compound__name")
        .annotate(n=Count("household_id", distinct=True))
        .order_by("household__compound__name")
    )
    return [(r["household__compound_id"], r["household__compound__name"], r["n"]) for r in rows]


# --- Follow-ups ------------------------------------------------------------------------------


@dataclass
class PersonDay:
    """One person's follow-ups of the day (slot 1, 2, …)."""

    order: ControlOrder
    person: Person
    slots: list[FollowUp]
    late: set[int] = field(default_factory=set)

    @property
    def done(self) -> int:
        return sum(1 for f in self.slots if f.status == FollowUp.Status.DONE)

    @property
    def next_slot(self) -> FollowUp | None:
        return next((f for f in self.slots if f.status != FollowUp.Status.DONE), None)


def followups(
    *,
    scope: Scope,
    day: dt.date,
    team_ids: list[int] | None = None,
    code: str = "",
    late_at: dt.datetime | None = None,
) -> QuerySet[FollowUp]:
    """The day's first slot of each person (one row per person), to page over; with
    `late_at`, only the people with a follow-up overdue then (the daily report's
    "follow-ups overdue" counts those follow-ups: overdue_q)."""
    scope.require(Perm.CONTROL_VIEW)
    found = visible_followups(scope).filter(day=day, slot=1)
    if team_ids is not None:
        found = found.filter(care_team_id__in=team_ids)
    if code:
        found = found.filter(code_range_q(code))
    if late_at is not None:
        late = FollowUp.objects.filter(overdue_q(day, late_at), day=day)
        found = found.filter(order_id__in=late.values("order_id"))
    return found.order_by("jurisdiction_code", "order_id")


def person_days(
    *, scope: Scope, day: dt.date, firsts: list[FollowUp], now: dt.datetime
) -> list[PersonDay]:
    """Every slot of the day for a page of people: one query."""
    orders = [f.order_id for f in firsts]
    rows = (
        visible_followups(scope)
        .filter(day=day, order_id__in=orders)
        .select_related("order", "order__household", "person", "reported_by_person")
        .order_by("order_id", "slot")
    )
    by_order: dict[int, list[FollowUp]] = {}
    for row in rows:
        by_order.setdefault(row.order_id, []).append(row)
    passed = set(passed_slots(day, now))
    result = []
    for order_id in orders:
        slots = by_order.get(order_id, [])
        if not slots:
            continue
        late = {
            f.slot
            for f in slots
            if f.status == FollowUp.Status.OVERDUE
            or (f.status == FollowUp.Status.DUE and f.slot in passed)
        }
        result.append(PersonDay(slots[0].order, cast(Person, slots[0].person), slots, late))
    return result


@dataclass
class DayCounts:
    due: int = 0
    done: int = 0
    overdue: int = 0


def day_counts(
    *, scope: Scope, day: dt.date, now: dt.datetime, team_ids: list[int] | None = None
) -> DayCounts:
    found = visible_followups(scope).filter(day=day)
    if team_ids is not None:
        found = found.filter(care_team_id__in=team_ids)
    row = found.aggregate(
        due=Count("id"),
        done=Count("id", filter=Q(status=FollowUp.Status.DONE)),
        overdue=Count("id", filter=overdue_q(day, now)),
    )
    return DayCounts(**row)


def followup_get(*, scope: Scope, pk: int) -> FollowUp:
    found = get_or_404(
        visible_followups(scope).select_related(
            "order", "person", "order__household", "reported_by_person"
        ),
        pk=pk,
    )
    scope.require(Perm.CONTROL_VIEW)
    return found


def may_record(*, scope: Scope, followup: FollowUp) -> bool:
    return scope.has(Perm.FOLLOWUP_RECORD) and (
        scope.covers(followup.jurisdiction_code)
        or followup.care_team_id in my_team_ids(scope=scope)
    )


def household_members(*, scope: Scope, person: Person) -> QuerySet[Person]:
    """Who may report for the person: the people of the same household (read for a
    follow-up the account may see, so not limited to its grid)."""
    if person.household_id is None:
        return Person.objects.none()
    return Person.objects.filter(
        household_id=person.household_id, status=Person.Status.ACTIVE
    ).order_by("id")


# --- Alerts and transfers --------------------------------------------------------------------

ALERT_VIEWS = ("open", "acknowledged", "closed", "all")


def alerts(
    *,
    scope: Scope,
    show: str = "open",
    level: int | None = None,
    kind: str = "",
    code: str = "",
) -> QuerySet[Alert]:
    """Alerts in scope, the longest unhandled and highest first. Every alert in scope is
    shown (the district sees every overdue one); `level` is how far it has climbed."""
    scope.require(Perm.CONTROL_VIEW)
    found = Alert.objects.within(scope)
    if code:
        found = found.within_code(code)
    if show == "open":
        found = found.filter(status=Alert.Status.OPEN)
    elif show == "acknowledged":
        found = found.filter(status=Alert.Status.ACKNOWLEDGED)
    elif show == "closed":
        found = found.filter(status=Alert.Status.CLOSED)
    if level:
        found = found.filter(level=level)
    if kind:
        found = found.filter(kind=kind)
    order = ["-level", "raised_at", "id"] if show != "closed" else ["-closed_at", "-id"]
    return found.select_related("person").order_by(*order)


def alert_level_counts(*, scope: Scope, code: str = "") -> dict[int, int]:
    """Alerts not yet closed, per level."""
    scope.require(Perm.CONTROL_VIEW)
    found = Alert.objects.within(scope).filter(OPEN_ALERT)
    if code:
        found = found.within_code(code)
    counts = {level: 0 for level in Alert.Level.values}
    for row in found.values("level").annotate(n=Count("id")).order_by():
        counts[row["level"]] = row["n"]
    return counts


def alert_get(*, scope: Scope, pk: int) -> Alert:
    found = get_or_404(Alert.objects.within(scope).select_related("person", "order"), pk=pk)
    scope.require(Perm.CONTROL_VIEW, at=found.jurisdiction_code)
    return found


def alert_for_notice(*, pk: int) -> Alert | None:
    """The alert a queued notice is about (the task runs without a user's scope)."""
    return Alert.objects.filter(pk=pk).first()


def alert_recipients(alert: Alert) -> list[str]:
    """The phones to tell: the order's care team (its duty phone and its members')."""
    if alert.order_id is None:
        return []
    team_id = (
        ControlOrder.objects.filter(pk=alert.order_id)
        .values_list("care_team_id", flat=True)
        .first()
    )
    if team_id is None:
        return []
    phones = list(
        CareTeamMember.objects.filter(team_id=team_id, is_active=True)
        .exclude(phone="")
        .values_list("phone", flat=True)
    )
    duty = CareTeam.objects.filter(pk=team_id).values_list("phone", flat=True).first()
    if duty:
        phones.insert(0, duty)
    return list(dict.fromkeys(phones))


def alert_message(alert: Alert) -> str:
    name = ""
    if alert.person_id:
        name = (
            Person.objects.filter(pk=alert.person_id).values_list("name", flat=True).first() or ""
        )
    return _("[Fangkong] %(kind)s: %(name)s. %(summary)s Please handle it now.") % {
        "kind": alert.get_kind_display(),
        "name": name or "",
        "summary": alert.summary,
    }


def alert_transfer(*, alert: Alert) -> TransferTask | None:
    return TransferTask.objects.filter(alert=alert).first()


def transfers(*, scope: Scope, show: str = "open", code: str = "") -> QuerySet[TransferTask]:
    scope.require(Perm.CONTROL_VIEW)
    found = TransferTask.objects.within(scope)
    if code:
        found = found.within_code(code)
    if show == "open":
        found = found.filter(status=TransferTask.Status.OPEN).order_by("created_at", "id")
    else:
        found = found.order_by("-created_at", "-id")
    return found.select_related("person", "alert")


def transfer_get(*, scope: Scope, pk: int) -> TransferTask:
    found = get_or_404(TransferTask.objects.within(scope).select_related("person"), pk=pk)
    scope.require(Perm.CONTROL_VIEW, at=found.jurisdiction_code)
    return found


# --- The control board and the daily report's counts ----------------------------------------


@dataclass
class CareCounts:
    central: int = 0
    home: int = 0
    home_monitoring: int = 0
    followups_due: int = 0
    followups_done: int = 0
    followups_overdue: int = 0
    alerts_community: int = 0
    alerts_subdistrict: int = 0
    alerts_district: int = 0
    transfers_open: int = 0

    @property
    def alerts_open(self) -> int:
        return self.alerts_community + self.alerts_subdistrict + self.alerts_district

    def add(self, other: CareCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Board:
    node: Jurisdiction
    day: dt.date
    total: CareCounts = field(default_factory=CareCounts)
    children: list[tuple[Jurisdiction, CareCounts]] = field(default_factory=list)


def child_width(code: str) -> int:
    return {6: 9, 9: 12, 12: 15}.get(len(code), 15)


_LEVEL_FIELDS = {1: "alerts_community", 2: "alerts_subdistrict", 3: "alerts_district"}
_MEASURE_FIELDS = {
    Measure.CENTRAL_QUARANTINE: "central",
    Measure.HOME_QUARANTINE: "home",
    Measure.HOME_MONITORING: "home_monitoring",
}


def _grouped(
    scope: Scope, prefix: str, width: int, day: dt.date, now: dt.datetime
) -> dict[str, CareCounts]:
    """Four grouped queries on the code prefix, whatever the number of orders: people
    under each measure, the day's follow-ups, alerts not closed by level, open transfers.
    Alerts and transfers are those open now for today, at the end of the day for a past
    day (read from their timestamps)."""
    result: dict[str, CareCounts] = {}

    def at(key: str) -> CareCounts:
        return result.setdefault(key, CareCounts())

    phases = (
        OrderPhase.objects.within(scope)
        .within_code(prefix)
        .filter(
            order__status__in=[
                ControlOrder.Status.ACTIVE,
                ControlOrder.Status.RELEASED,
                ControlOrder.Status.ENDED,
            ],
            measure__in=FOLLOWED_MEASURES,
            starts_on__lte=day,
            ends_on__gte=day,
        )
    )
    if day >= timezone.localdate(now):
        phases = phases.filter(order__status=ControlOrder.Status.ACTIVE)
    else:  # in force at the end of that day: not ended before
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=now.tzinfo)
        phases = phases.filter(Q(order__ended_at__isnull=True) | Q(order__ended_at__gte=end))
    for row in (
        phases.annotate(p=Substr("jurisdiction_code", 1, width))
        .values("p", "measure")
        .annotate(n=Count("id"))
        .order_by()
    ):
        setattr(at(row["p"]), _MEASURE_FIELDS[row["measure"]], row["n"])
    for row in (
        FollowUp.objects.within(scope)
        .within_code(prefix)
        .filter(day=day)
        .annotate(p=Substr("jurisdiction_code", 1, width))
        .values("p")
        .annotate(
            due=Count("id"),
            done=Count("id", filter=Q(status=FollowUp.Status.DONE)),
            overdue=Count("id", filter=overdue_q(day, now)),
        )
        .order_by()
    ):
        c = at(row["p"])
        c.followups_due, c.followups_done, c.followups_overdue = (
            row["due"],
            row["done"],
            row["overdue"],
        )
    tz = timezone.get_current_timezone()
    cut = min(now, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    open_alerts = Q(raised_at__lt=cut) & (Q(closed_at__isnull=True) | Q(closed_at__gte=cut))
    for row in (
        Alert.objects.within(scope)
        .within_code(prefix)
        .filter(open_alerts)
        .annotate(p=Substr("jurisdiction_code", 1, width))
        .values("p", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        setattr(at(row["p"]), _LEVEL_FIELDS[row["level"]], row["n"])
    open_transfers = (
        Q(created_at__lt=cut)
        & ~Q(status=TransferTask.Status.CANCELLED)
        & (Q(done_at__isnull=True) | Q(done_at__gte=cut))
    )
    for row in (
        TransferTask.objects.within(scope)
        .within_code(prefix)
        .filter(open_transfers)
        .annotate(p=Substr("jurisdiction_code", 1, width))
        .values("p")
        .annotate(n=Count("id"))
        .order_by()
    ):
        at(row["p"]).transfers_open = row["n"]
    return result


def board(
    *, scope: Scope, code: str = "", day: dt.date | None = None, now: dt.datetime | None = None
) -> Board:
    """The control board of a node (the scope's by default) and each of its children."""
    scope.require(Perm.CONTROL_VIEW)
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    node = get_or_404(Jurisdiction.objects.within(scope), code=code or scope.code or "")
    children = list(
        Jurisdiction.objects.within(scope).filter(parent=node, is_active=True).order_by("code")
    )
    grouped = _grouped(scope, node.code, child_width(node.code), day, now)
    result = Board(node=node, day=day)
    for counts in grouped.values():
        result.total.add(counts)
    result.children = [(c, grouped.get(c.code, CareCounts())) for c in children]
    return result


@dataclass
class ReportCounts:
    """For the daily report: a node's totals and each child's."""

    code: str
    total: CareCounts
    children: dict[str, CareCounts]


def counts(
    *, scope: Scope, code: str, day: dt.date, now: dt.datetime | None = None
) -> ReportCounts:
    """Overdue follow-ups, open alerts (by level) and open transfers of `day`, with the
    people under each measure, for a jurisdiction and each of its children. A past day
    reads the alerts and transfers open at its end."""
    found = board(scope=scope, code=code, day=day, now=now)
    return ReportCounts(
        code=found.node.code,
        total=found.total,
        children={c.code: counts for c, counts in found.children},
    )


def counts_by_code(
    *, scope: Scope, code: str, day: dt.date, now: dt.datetime | None = None
) -> dict[str, CareCounts]:
    """The board's counts per full jurisdiction code under `code` (the daily report adds
    them up the tree)."""
    scope.require(Perm.CONTROL_VIEW)
    return _grouped(scope, code or scope.code, 15, day, now or timezone.now())


def board_chart(result: Board) -> dict[str, Any]:
    """The bar chart's data (static/fangkong/charts.js)."""
    labels = [c.name for c, _counts in result.children]
    return {
        "labels": labels,
        "series": [
            {"name": _("Centralised quarantine"), "data": [n.central for _c, n in result.children]},
            {"name": _("Home quarantine"), "data": [n.home for _c, n in result.children]},
            {
                "name": _("Home health monitoring"),
                "data": [n.home_monitoring for _c, n in result.children],
            },
            {
                "name": _("Follow-ups overdue"),
                "data": [n.followups_overdue for _c, n in result.children],
            },
            {"name": _("Open alerts"), "data": [n.alerts_open for _c, n in result.children]},
        ],
    }


def person_alerts(*, scope: Scope, person: Person) -> QuerySet[Alert]:
    """The person file: every alert about the person in the scope."""
    scope.require(Perm.CONTROL_VIEW)
    return Alert.objects.within(scope).filter(person=person).order_by("-raised_at")


def person_followups_of_note(*, scope: Scope, person: Person) -> QuerySet[FollowUp]:
    """The person file: the follow-ups that found something (fever, symptoms); the
    ordinary ones stay on the order's pages."""
    scope.require(Perm.CONTROL_VIEW)
    threshold = rules.fever_threshold()
    return (
        FollowUp.objects.within(scope)
        .filter(person=person, status=FollowUp.Status.DONE)
        .filter(Q(temperature__gte=threshold) | ~Q(symptoms=[]))
        .order_by("-recorded_at")
    )


# --- The resident's own report (the status page) ---------------------------------------------


def resident_household(*, person: Person) -> list[Person]:
    """The people the signed-in resident may report for: themselves first, then the
    active members of their registry household. No scope: the resident's session
    proved who they are, and nobody outside the household is read."""
    if person.household_id is None:
        return [person]
    others = Person.objects.filter(
        household_id=person.household_id, status=Person.Status.ACTIVE
    ).exclude(pk=person.pk)
    return [person, *others.order_by("id")]


def followed_orders_without_rows(*, person_ids: list[int], day: dt.date) -> list[str]:
    """The codes of the people's orders in force on `day` in a followed measure whose
    follow-ups of the day are not made yet."""
    rows = FollowUp.objects.filter(order=OuterRef("pk"), day=day)
    return list(
        ControlOrder.objects.filter(person_id__in=person_ids)
        .filter(in_force_on(day, tuple(FOLLOWED_MEASURES)))
        .filter(~Exists(rows))
        .values_list("jurisdiction_code", flat=True)
        .distinct()
    )


def resident_followups(*, person_ids: list[int], day: dt.date) -> list[FollowUp]:
    """The day's slots of the people's orders in force, person by person."""
    return list(
        FollowUp.objects.filter(
            person_id__in=person_ids, day=day, order__status=ControlOrder.Status.ACTIVE
        ).order_by("person_id", "order_id", "slot")
    )


def resident_may_report(*, reporter: Person, followup: FollowUp) -> bool:
    """The slot is the reporter's own, or of an active member of their household."""
    if followup.person_id == reporter.pk:
        return True
    return reporter.household_id is not None and (
        Person.objects.filter(
            pk=followup.person_id,
            household_id=reporter.household_id,
            status=Person.Status.ACTIVE,
        ).exists()
    )


def resident_followup(*, pk: int) -> FollowUp | None:
    """A slot the resident posts about (the service checks it is of their household)."""
    return FollowUp.objects.filter(pk=pk).first()
