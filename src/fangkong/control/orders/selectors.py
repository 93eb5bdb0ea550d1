"""Every read of policies and control orders, scoped: the policy in force on a day, the
orders and their phases, tests, events; the tests due at the door; the orders due for
release; oversight of who proposed and approved what; the counts of the daily report;
the person file and the person's own view.

Policies are the district's public rules: they are read by the district's code (the
first six digits of the scope), so a community worker sees the policy a proposal will
follow. Everything else is read through `within(scope)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.arrivals import selectors as arrival_selectors
from fangkong.arrivals.models import ArrivalReport
from fangkong.control.models import (
    Alert,
    ControlOrder,
    ControlZone,
    Measure,
    OrderEvent,
    OrderPhase,
    OrderTest,
    Policy,
    Trigger,
)
from fangkong.core.codes import Level
from fangkong.core.errors import NotFound
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.pushlists import selectors as pushlist_selectors
from fangkong.pushlists.models import VerificationTask
from fangkong.registry import selectors as registry_selectors
from fangkong.registry.models import Person
from fangkong.screening import selectors as screening_selectors

from . import sources

Status = ControlOrder.Status
OPEN_STATUSES = (Status.PROPOSED, Status.ACTIVE)
APPROVED_STATUSES = (Status.ACTIVE, Status.RELEASED, Status.ENDED)


def person_of(row: Any) -> Person:
    """The person of an order or test (the shared models' person key is untyped)."""
    return cast(Person, row.person)


def district_of(scope: Scope) -> str:
    return scope.code[:6]


# --- Policies ---------------------------------------------------------------------------


def policies(*, scope: Scope, district: str = "", all_versions: bool = False) -> QuerySet[Policy]:
    scope.require(Perm.CONTROL_VIEW)
    found = Policy.objects.filter(jurisdiction_code=district or district_of(scope))
    if not all_versions:
        found = found.filter(is_current=True)
    return found.order_by("-effective_from", "family", "-version")


def policy_get(*, scope: Scope, pk: int) -> Policy:
    scope.require(Perm.CONTROL_VIEW)
    found = get_or_404(Policy.objects.filter(jurisdiction_code=district_of(scope)), pk=pk)
    return found


def policy_versions(*, policy: Policy) -> QuerySet[Policy]:
    return Policy.objects.filter(
        jurisdiction_code=policy.jurisdiction_code, family=policy.family
    ).order_by("-version")


def policy_in_force(district: str, day: dt.date) -> Policy | None:
    """The policy a proposal follows: among the district's current versions whose dates
    cover the day, the one that took effect last (then the newest row)."""
    return (
        Policy.objects.filter(jurisdiction_code=district, is_current=True, effective_from__lte=day)
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=day))
        .order_by("-effective_from", "-id")
        .first()
    )


# --- Orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    status: str = ""
    trigger: str = ""
    measure: str = ""
    jurisdiction: str = ""
    query: str = ""
    day: dt.date | None = None  # the measure in force on this day (default today)
    # A figure of the daily report on `day` (DAY_FILTERS): the orders it counts.
    on: str = ""

    def describe(self) -> str:
        parts: list[str] = []
        if self.status:
            parts.append(str(dict(Status.choices).get(self.status, self.status)))
        if self.trigger:
            parts.append(str(dict(Trigger.choices).get(self.trigger, self.trigger)))
        if self.measure:
            parts.append(str(dict(Measure.choices).get(self.measure, self.measure)))
        if self.jurisdiction:
            parts.append(_("area %(code)s") % {"code": self.jurisdiction})
        if self.query:
            parts.append(_("search: %(q)s") % {"q": self.query})
        return "; ".join(parts) or _("none")


def orders(*, scope: Scope, filters: OrderFilters | None = None) -> QuerySet[ControlOrder]:
    scope.require(Perm.CONTROL_VIEW)
    f = filters or OrderFilters()
    found = ControlOrder.objects.within(scope)
    if f.jurisdiction:
        found = found.within_code(f.jurisdiction)
    if f.status in Status.values:
        found = found.filter(status=f.status)
    if f.trigger in Trigger.values:
        found = found.filter(trigger=f.trigger)
    if f.measure in Measure.values:
        day = f.day or timezone.localdate()
        found = found.filter(
            Exists(
                OrderPhase.objects.filter(
                    order=OuterRef("pk"), measure=f.measure, starts_on__lte=day, ends_on__gte=day
                )
            )
        )
    if f.query:
        found = found.filter(Q(person__name__startswith=f.query) | Q(notice_no=f.query))
    if f.on in DAY_FILTERS and f.day is not None:
        found = found.filter(DAY_FILTERS[f.on](f.day))
    return found.select_related("person", "policy").order_by("-proposed_at", "-id")


def order_get(*, scope: Scope, pk: int) -> ControlOrder:
    scope.require(Perm.CONTROL_VIEW)
    return get_or_404(
        ControlOrder.objects.within(scope).select_related(
            "person", "person__household", "policy", "care_team", "household"
        ),
        pk=pk,
    )


def order_phases(*, order: ControlOrder) -> list[OrderPhase]:
    # The rows of an order travel with it (a handover moves them): whoever may read the
    # order reads them.
    return list(OrderPhase.objects.filter(order=order).order_by("position"))


def order_tests(*, order: ControlOrder) -> list[OrderTest]:
    return list(OrderTest.objects.filter(order=order).order_by("due_on", "id"))


def order_events(*, order: ControlOrder) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order).order_by("at", "id"))


def open_order_of(*, person_id: int) -> ControlOrder | None:
    """The person's order proposed or in force, wherever it is (for the one-open-order
    rule: the proposer is told there is one, and where)."""
    return (
        ControlOrder.objects.filter(person_id=person_id, status__in=OPEN_STATUSES)
        .order_by("-id")
        .first()
    )


def current_phase(*, order: ControlOrder, day: dt.date) -> OrderPhase | None:
    return (
        OrderPhase.objects.filter(order=order, starts_on__lte=day, ends_on__gte=day)
        .order_by("position")
        .first()
    )


def release_check(*, order: ControlOrder, today: dt.date) -> tuple[bool, bool]:
    """(days served, release rule met) for one order."""
    from .policy import release_met

    statuses = list(
        OrderTest.objects.filter(order=order)
        .order_by("due_on", "id")
        .values_list("status", flat=True)
    )
    return today > order.ends_on, release_met(order.release_rule.get("tests", ""), statuses)


def _release_rule_met(found: QuerySet[ControlOrder]) -> QuerySet[ControlOrder]:
    """Orders whose release rule is met, in SQL: the same rules as policy.release_met."""
    live = OrderTest.objects.filter(order=OuterRef("pk")).exclude(status=OrderTest.Status.CANCELLED)
    last_status = Subquery(live.order_by("-due_on", "-id").values("status")[:1])
    return found.annotate(last_test_status=last_status).filter(
        Q(release_rule__tests="none")
        | (
            Q(release_rule__tests="all_negative")
            & ~Exists(live.exclude(status=OrderTest.Status.NEGATIVE))
        )
        | (
            Q(release_rule__tests="last_negative")
            & Q(last_test_status=OrderTest.Status.NEGATIVE)
            & ~Exists(live.filter(status=OrderTest.Status.POSITIVE))
        )
    )


def due_for_release(
    *, scope: Scope, today: dt.date | None = None, code: str = ""
) -> QuerySet[ControlOrder]:
    """Orders in force whose days are served (today is after the last day) and whose
    release rule is met: one query, for the officer's list."""
    scope.require(Perm.CONTROL_VIEW)
    today = today or timezone.localdate()
    found = ControlOrder.objects.within(scope)
    if code:
        found = found.within_code(code)
    return (
        _release_rule_met(found.filter(status=Status.ACTIVE, ends_on__lt=today))
        .select_related("person")
        .order_by("ends_on", "id")
    )


def served_but_blocked(
    *, scope: Scope, today: dt.date | None = None, code: str = ""
) -> QuerySet[ControlOrder]:
    """Orders whose days are served but whose tests do not allow release yet."""
    scope.require(Perm.CONTROL_VIEW)
    today = today or timezone.localdate()
    due = due_for_release(scope=scope, today=today, code=code).values("pk")
    found = ControlOrder.objects.within(scope)
    if code:
        found = found.within_code(code)
    return (
        found.filter(status=Status.ACTIVE, ends_on__lt=today)
        .exclude(pk__in=due)
        .select_related("person")
        .order_by("ends_on", "id")
    )


def proposals(*, scope: Scope) -> QuerySet[ControlOrder]:
    """Orders waiting for a second person's decision, oldest first."""
    scope.require(Perm.CONTROL_VIEW)
    return (
        ControlOrder.objects.within(scope)
        .filter(status=Status.PROPOSED)
        .select_related("person")
        .order_by("proposed_at", "id")
    )


# --- Tests at the door --------------------------------------------------------------------


def tests_due(
    *, scope: Scope, day: dt.date, code: str = "", place: str = ""
) -> QuerySet[OrderTest]:
    """The tests due on a day (and those still open from earlier days) of orders in
    force: the door-to-door sampling list of a community."""
    scope.require(Perm.CONTROL_VIEW)
    found = OrderTest.objects.within(scope)
    if code:
        found = found.within_code(code)
    if place in OrderTest.Place.values:
        found = found.filter(place=place)
    return (
        found.filter(
            due_on__lte=day,
            status__in=[OrderTest.Status.SCHEDULED, OrderTest.Status.SAMPLED],
            order__status=Status.ACTIVE,
        )
        .select_related("order", "person", "order__household")
        .order_by("jurisdiction_code", "order__household_id", "due_on", "id")
    )


def test_get(*, scope: Scope, pk: int) -> OrderTest:
    scope.require(Perm.CONTROL_VIEW)
    return get_or_404(OrderTest.objects.within(scope).select_related("order", "person"), pk=pk)


# --- Triggers: what an order rests on ------------------------------------------------------


@dataclass(frozen=True)
class TriggerSource:
    """What a trigger_ref points at, read through its module's selectors."""

    ref: str
    label: str
    day: dt.date | None
    person_id: int | None
    problem: str = ""  # empty when it matches the trigger

    @property
    def ok(self) -> bool:
        return not self.problem


ARRIVAL_TRIGGERS = {Trigger.ARRIVAL_HIGH.value: "high", Trigger.ARRIVAL_MEDIUM.value: "medium"}
# Which kinds of record may stand behind which trigger.
SOURCES_OF: dict[str, tuple[str, ...]] = {
    Trigger.ARRIVAL_HIGH: ("arrivals.arrivalreport", "screening.finding"),
    Trigger.ARRIVAL_MEDIUM: ("arrivals.arrivalreport", "screening.finding"),
    Trigger.ABROAD: ("arrivals.arrivalreport", "screening.finding", "pushlists.verificationtask"),
    Trigger.CLOSE_CONTACT: ("pushlists.verificationtask", "screening.finding"),
    Trigger.SECONDARY_CONTACT: ("pushlists.verificationtask", "screening.finding"),
    Trigger.COMPANION: ("pushlists.verificationtask", "screening.finding"),
    Trigger.POSITIVE: ("control.ordertest", "pushlists.verificationtask"),
    Trigger.SEALED_ZONE: ("control.controlzone",),
    Trigger.MANUAL: (),
}


def allowed_kinds(trigger: str) -> tuple[str, ...]:
    """The kinds of record that may stand behind a trigger: control's own and those the
    modules built on it registered (orders/sources.py)."""
    return SOURCES_OF.get(trigger, ()) + sources.kinds_for(trigger)


def _plugged_source(kind: str, person: Person, pk: int, ref: str) -> TriggerSource:
    plug = sources.get(kind)
    facts = plug.facts([pk]).get(pk) if plug else None
    if facts is None:
        missing = _("The record behind the trigger does not exist.")
        return TriggerSource(ref, "", None, None, missing)
    if facts.problem:
        return TriggerSource(ref, facts.label, facts.day, None, facts.problem)
    who = person.pk if person.pk in facts.person_ids else None
    return TriggerSource(ref, facts.label, facts.day, who)


def parse_ref(ref: str) -> tuple[str, int] | None:
    kind, _sep, pk = (ref or "").partition(":")
    if not kind or not pk.isdigit():
        return None
    return kind, int(pk)


def _arrival_source(scope: Scope, trigger: str, pk: int, ref: str) -> TriggerSource:
    try:
        report = arrival_selectors.report_get(scope=scope, pk=pk)
    except NotFound:
        return TriggerSource(ref, "", None, None, _("The arrival report was not found."))
    label = _("Arrival report %(receipt)s: from %(origin)s on %(day)s") % {
        "receipt": report.receipt,
        "origin": report.origin_name,
        "day": report.arrival_date.isoformat(),
    }
    problem = ""
    if report.status != ArrivalReport.Status.VERIFIED:
        problem = _("The arrival report is not verified yet.")
    elif report.outcome and report.outcome != ArrivalReport.Outcome.CONFIRMED:
        problem = _("The arrival report was not confirmed on the ground.")
    elif trigger in ARRIVAL_TRIGGERS and report.classification != ARRIVAL_TRIGGERS[trigger]:
        problem = _("The arrival report is not classified as this trigger says.")
    return TriggerSource(ref, label, report.arrival_date, report.person_id, problem)


def _finding_source(scope: Scope, person: Person, pk: int, ref: str) -> TriggerSource:
    finding = screening_selectors.person_findings(person=person).filter(pk=pk).first()
    if finding is None or not scope.covers(finding.jurisdiction_code):
        return TriggerSource(ref, "", None, None, _("The screening record was not found."))
    label = _("Screening %(round)s: %(category)s %(origin)s") % {
        "round": finding.record.task.round.name,
        "category": finding.category,
        "origin": finding.origin_name,
    }
    problem = "" if finding.category else _("The screening record names no target category.")
    day = finding.arrived_on or timezone.localdate(finding.record.recorded_at)
    return TriggerSource(ref, label.strip(), day, finding.person_id, problem)


def _task_source(scope: Scope, pk: int, ref: str) -> TriggerSource:
    try:
        task = pushlist_selectors.task_get(scope=scope, pk=pk)
    except NotFound:
        return TriggerSource(ref, "", None, None, _("The push-list check was not found."))
    reasons = "；".join(
        dict.fromkeys(e.reason for e in pushlist_selectors.task_entries(scope=scope, task=task))
    )
    label = _("Push-list check: %(reason)s") % {"reason": reasons or "—"}
    problem = ""
    if task.outcome != VerificationTask.Outcome.FOUND_AT_HOME:
        problem = _("The push-list check has not found the person here.")
    day = timezone.localdate(task.verified_at) if task.verified_at else None
    return TriggerSource(ref, label, day, task.person_id, problem)


def _test_source(scope: Scope, pk: int, ref: str) -> TriggerSource:
    test = OrderTest.objects.within(scope).filter(pk=pk).first()
    if test is None:
        return TriggerSource(ref, "", None, None, _("The test was not found."))
    label = _("Test of %(day)s during order %(order)s") % {
        "day": test.due_on.isoformat(),
        "order": test.order.notice_no or test.order_id,
    }
    problem = "" if test.status == OrderTest.Status.POSITIVE else _("The test is not positive.")
    return TriggerSource(ref, label, test.due_on, test.person_id, problem)


def zone_residents(*, scope: Scope, zone: ControlZone) -> QuerySet[Person]:
    """The people registered in a zone's compound (or its buildings), now."""
    people = registry_selectors.person_list(
        scope=scope, filters=registry_selectors.PersonFilters(status=Person.Status.ACTIVE)
    ).filter(household__compound_id=zone.compound_id)
    building_ids = list(zone.buildings.values_list("pk", flat=True))
    if building_ids:
        people = people.filter(household__building_id__in=building_ids)
    return people.select_related("household").order_by("household_id", "id")


def _zone_source(scope: Scope, person: Person, pk: int, ref: str) -> TriggerSource:
    zone = ControlZone.objects.within(scope).filter(pk=pk).select_related("compound").first()
    if zone is None:
        return TriggerSource(ref, "", None, None, _("The control zone was not found."))
    label = _("%(kind)s %(compound)s from %(day)s") % {
        "kind": zone.get_kind_display(),
        "compound": zone.compound.name,
        "day": zone.starts_on.isoformat(),
    }
    problem = ""
    if zone.kind != ControlZone.Kind.SEALED or zone.status != ControlZone.Status.ACTIVE:
        problem = _("The zone is not a sealed zone in force.")
    elif not zone_residents(scope=scope, zone=zone).filter(pk=person.pk).exists():
        problem = _("The person does not live in the zone.")
    return TriggerSource(ref, label, zone.starts_on, person.pk if not problem else None, problem)


def trigger_source(*, scope: Scope, trigger: str, ref: str, person: Person) -> TriggerSource:
    """Resolve a trigger_ref against its module, and say whether it matches the trigger
    and the person: an order cannot rest on an event that did not happen."""
    parsed = parse_ref(ref)
    if parsed is None:
        return TriggerSource(ref, "", None, None, _("The trigger reference is not valid."))
    kind, pk = parsed
    if kind not in allowed_kinds(trigger):
        return TriggerSource(
            ref, "", None, None, _("This kind of record cannot stand behind this trigger.")
        )
    if sources.get(kind) is not None:
        source = _plugged_source(kind, person, pk, ref)
    elif kind == "arrivals.arrivalreport":
        source = _arrival_source(scope, trigger, pk, ref)
    elif kind == "screening.finding":
        source = _finding_source(scope, person, pk, ref)
    elif kind == "pushlists.verificationtask":
        source = _task_source(scope, pk, ref)
    elif kind == "control.ordertest":
        source = _test_source(scope, pk, ref)
    else:
        source = _zone_source(scope, person, pk, ref)
    if source.ok and source.person_id != person.pk:
        return TriggerSource(
            ref, source.label, source.day, source.person_id, _("The record is about someone else.")
        )
    return source


def zone_get(*, scope: Scope, pk: int) -> ControlZone:
    scope.require(Perm.CONTROL_VIEW)
    return get_or_404(ControlZone.objects.within(scope).select_related("compound"), pk=pk)


# --- Oversight --------------------------------------------------------------------------


@dataclass
class Oversight:
    start: dt.date
    end: dt.date
    by_proposer: list[dict[str, Any]] = field(default_factory=list)
    by_approver: list[dict[str, Any]] = field(default_factory=list)
    by_trigger: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    manual: int = 0
    unmatched: int = 0


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def period_orders(*, scope: Scope, start: dt.date, end: dt.date) -> QuerySet[ControlOrder]:
    """The orders proposed in a period (both days included): supervision, each office
    over its own jurisdiction (the district over all)."""
    scope.require(Perm.CONTROL_VIEW)
    since, until = _day_bounds(start, end)
    return ControlOrder.objects.within(scope).filter(proposed_at__gte=since, proposed_at__lt=until)


def unmatched_orders(*, scope: Scope, orders: Iterable[ControlOrder]) -> dict[int, str]:
    """order id -> why its trigger_ref does not resolve to a matching epidemic event
    (a missing record, an unverified or differently classified report, another person,
    no reference at all for a trigger that needs one). Grouped by kind of record: a few
    queries for any number of orders."""
    problems: dict[int, str] = {}
    wanted: dict[str, dict[int, list[ControlOrder]]] = {}
    for order in orders:
        if order.trigger == Trigger.MANUAL:
            continue
        parsed = parse_ref(order.trigger_ref)
        if parsed is None or parsed[0] not in allowed_kinds(order.trigger):
            problems[order.pk] = _("No valid trigger reference.")
            continue
        wanted.setdefault(parsed[0], {}).setdefault(parsed[1], []).append(order)
    found: dict[str, dict[int, dict[str, Any]]] = {}
    system = Scope.system(reason="control oversight: trigger check", code=scope.code)
    if "arrivals.arrivalreport" in wanted:
        found["arrivals.arrivalreport"] = {
            row["pk"]: dict(row)
            for row in arrival_selectors.report_list(
                scope=system, filters=arrival_selectors.ReportFilters(status="all")
            )
            .filter(pk__in=list(wanted["arrivals.arrivalreport"]))
            .values("pk", "person_id", "status", "classification", "outcome")
        }
    if "pushlists.verificationtask" in wanted:
        found["pushlists.verificationtask"] = {
            row["pk"]: dict(row)
            for row in pushlist_selectors.tasks(scope=system, show="all")
            .filter(pk__in=list(wanted["pushlists.verificationtask"]))
            .values("pk", "person_id", "outcome")
        }
    if "screening.finding" in wanted:
        people = {o.person_id for rows in wanted["screening.finding"].values() for o in rows}
        found["screening.finding"] = {
            f.pk: {"pk": f.pk, "person_id": f.person_id, "category": f.category}
            for pid in people
            for f in screening_selectors.person_findings(person=Person(pk=pid))
            if f.pk in wanted["screening.finding"]
        }
    if "control.ordertest" in wanted:
        found["control.ordertest"] = {
            row["pk"]: dict(row)
            for row in OrderTest.objects.filter(pk__in=list(wanted["control.ordertest"])).values(
                "pk", "person_id", "status"
            )
        }
    if "control.controlzone" in wanted:
        found["control.controlzone"] = {
            row["pk"]: dict(row)
            for row in ControlZone.objects.filter(
                pk__in=list(wanted["control.controlzone"])
            ).values("pk", "kind")
        }
    for kind, by_pk in wanted.items():
        plug = sources.get(kind)
        if plug is not None:
            facts = plug.facts(list(by_pk))
            for pk, rows in by_pk.items():
                for order in rows:
                    fact = facts.get(pk)
                    if fact is None:
                        problems[order.pk] = _("The record behind the trigger does not exist.")
                    elif fact.problem:
                        problems[order.pk] = fact.problem
                    elif order.person_id not in fact.person_ids:
                        problems[order.pk] = _(
                            "The record behind the trigger is about someone else."
                        )
            continue
        for pk, rows in by_pk.items():
            row = found.get(kind, {}).get(pk)
            for order in rows:
                problem = _match_problem(kind, row, order)
                if problem:
                    problems[order.pk] = problem
    return problems


def _match_problem(kind: str, row: dict[str, Any] | None, order: ControlOrder) -> str:
    if row is None:
        return _("The record behind the trigger does not exist.")
    if "person_id" in row and row["person_id"] != order.person_id:
        return _("The record behind the trigger is about someone else.")
    if kind == "arrivals.arrivalreport":
        if row["status"] != ArrivalReport.Status.VERIFIED:
            return _("The arrival report is not verified.")
        expected = ARRIVAL_TRIGGERS.get(order.trigger)
        if expected and row["classification"] != expected:
            return _("The arrival report is not classified as this trigger says.")
    if kind == "pushlists.verificationtask" and row["outcome"] != "found_at_home":
        return _("The push-list check has not found the person here.")
    if kind == "screening.finding" and not row["category"]:
        return _("The screening record names no target category.")
    if kind == "control.ordertest" and row["status"] != OrderTest.Status.POSITIVE:
        return _("The test is not positive.")
    if kind == "control.controlzone" and row["kind"] != ControlZone.Kind.SEALED:
        return _("The zone is not a sealed zone.")
    return ""


def oversight(*, scope: Scope, start: dt.date, end: dt.date) -> Oversight:
    """Orders proposed in the period per proposer, per approver (approved and rejected)
    and per trigger; how many were manual; how many rest on no matching event."""
    found = period_orders(scope=scope, start=start, end=end)
    result = Oversight(start=start, end=end)
    result.by_proposer = list(
        found.values("proposed_by_name")
        .annotate(
            n=Count("id"),
            manual=Count("id", filter=Q(trigger=Trigger.MANUAL)),
            approved=Count("id", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("id", filter=Q(status=Status.REJECTED)),
        )
        .order_by("-n", "proposed_by_name")
    )
    result.by_approver = list(
        found.exclude(decided_by_name="")
        .values("decided_by_name")
        .annotate(
            approved=Count("id", filter=Q(status__in=APPROVED_STATUSES)),
            rejected=Count("id", filter=Q(status=Status.REJECTED)),
            manual=Count("id", filter=Q(trigger=Trigger.MANUAL, status__in=APPROVED_STATUSES)),
        )
        .order_by("-approved", "decided_by_name")
    )
    labels = dict(Trigger.choices)
    result.by_trigger = [
        row | {"label": str(labels.get(row["trigger"], row["trigger"]))}
        for row in found.values("trigger")
        .annotate(n=Count("id"), approved=Count("id", filter=Q(status__in=APPROVED_STATUSES)))
        .order_by("-n", "trigger")
    ]
    result.total = sum(r["n"] for r in result.by_trigger)
    result.manual = sum(r["n"] for r in result.by_trigger if r["trigger"] == Trigger.MANUAL)
    result.unmatched = len(unmatched_orders(scope=scope, orders=found.exclude(trigger="manual")))
    return result


# --- Counts for the daily report ------------------------------------------------------------


@dataclass
class OrderCounts:
    central: int = 0
    home: int = 0
    home_monitoring: int = 0
    self_monitoring: int = 0
    new: int = 0
    released: int = 0
    ended: int = 0

    def add(self, other: OrderCounts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Counts:
    node: Jurisdiction
    day: dt.date
    total: OrderCounts = field(default_factory=OrderCounts)
    children: list[tuple[Jurisdiction, OrderCounts]] = field(default_factory=list)


def _child_width(node: Jurisdiction) -> int:
    return {Level.DISTRICT: 9, Level.SUBDISTRICT: 12, Level.COMMUNITY: 15}.get(
        Level(node.level), 15
    )


def _in_force_q(day: dt.date, via: str = "") -> Q:
    """An approved order in force on `day` (decided before its end, not ended before its
    end); `via` is the path to the order ("order__" from a phase)."""
    _start, end = _day_bounds(day, day)
    return Q(**{f"{via}status__in": APPROVED_STATUSES, f"{via}decided_at__lt": end}) & (
        Q(**{f"{via}ended_at__isnull": True}) | Q(**{f"{via}ended_at__gte": end})
    )


def _phase_on_q(day: dt.date) -> Q:
    return Q(starts_on__lte=day, ends_on__gte=day)


def _measure_on(measure: str) -> Callable[[dt.date], Q]:
    def q(day: dt.date) -> Q:
        return _in_force_q(day) & Q(
            Exists(
                OrderPhase.objects.filter(_phase_on_q(day), order=OuterRef("pk"), measure=measure)
            )
        )

    return q


def _decided_on(day: dt.date) -> Q:
    start, end = _day_bounds(day, day)
    return Q(decided_at__gte=start, decided_at__lt=end, status__in=APPROVED_STATUSES)


def _ended_on(status: str) -> Callable[[dt.date], Q]:
    def q(day: dt.date) -> Q:
        start, end = _day_bounds(day, day)
        return Q(ended_at__gte=start, ended_at__lt=end, status=status)

    return q


# The daily report's figures and the order list share these (a number and its list
# agree): in force under each measure on the day, approved, released and ended that day.
DAY_FILTERS: dict[str, Callable[[dt.date], Q]] = {
    **{m: _measure_on(m) for m in Measure.values},
    "new": _decided_on,
    "released": _ended_on(Status.RELEASED),
    "ended": _ended_on(Status.ENDED),
}


def counts(*, scope: Scope, code: str, day: dt.date) -> Counts:
    """For the jurisdiction `code` and each of its children, on `day`: people under
    centralised quarantine, home quarantine, home (and self) health monitoring (a phase
    of an approved order covers the day, and the order had not ended before the day was
    over), orders approved that day, released that day and ended early that day.

    Two grouped queries (phases, orders), whatever the number of orders.
    """
    scope.require(Perm.CONTROL_VIEW)
    node = get_or_404(Jurisdiction.objects.within(scope), code=code or scope.code)
    result = Counts(node=node, day=day)
    children = list(Jurisdiction.objects.within(scope).filter(parent=node).order_by("code"))
    result.children = [(c, OrderCounts()) for c in children]
    by_prefix = {c.code: oc for c, oc in result.children}
    rows = _order_counts(scope, node.code, day, _child_width(node))
    for prefix, counted in rows.items():
        result.total.add(counted)
        if prefix in by_prefix:
            by_prefix[prefix].add(counted)
    return result


def counts_by_code(*, scope: Scope, code: str, day: dt.date) -> dict[str, OrderCounts]:
    """`counts` per stored jurisdiction code under `code` (the daily report adds them up
    the tree): grouped by the code itself, not a computed prefix."""
    scope.require(Perm.CONTROL_VIEW)
    return _order_counts(scope, code or scope.code, day, None)


def _order_counts(
    scope: Scope, code: str, day: dt.date, width: int | None
) -> dict[str, OrderCounts]:
    """Two grouped queries: people under each measure on `day` and the day's changes, per
    code cut to `width` digits (per stored code when None)."""
    key = Substr("jurisdiction_code", 1, width) if width else F("jurisdiction_code")
    start, end = _day_bounds(day, day)
    rows: dict[str, OrderCounts] = {}
    in_force = (
        OrderPhase.objects.within(scope)
        .within_code(code)
        .filter(_phase_on_q(day), _in_force_q(day, via="order__"))
        .annotate(prefix=key)
        .values("prefix", "measure")
        .annotate(n=Count("order_id", distinct=True))
        .order_by()
    )
    for row in in_force:
        counted = rows.setdefault(row["prefix"], OrderCounts())
        setattr(counted, row["measure"], getattr(counted, row["measure"]) + row["n"])
    changes = (
        ControlOrder.objects.within(scope)
        .within_code(code)
        .filter(
            Q(decided_at__gte=start, decided_at__lt=end) | Q(ended_at__gte=start, ended_at__lt=end)
        )
        .annotate(prefix=key)
        .values("prefix")
        .annotate(
            **{
                name: Count("id", filter=DAY_FILTERS[name](day))
                for name in ("new", "released", "ended")
            }
        )
        .order_by()
    )
    for row in changes:
        counted = rows.setdefault(row["prefix"], OrderCounts())
        counted.new += row["new"]
        counted.released += row["released"]
        counted.ended += row["ended"]
    return rows


# --- Names and phones ----------------------------------------------------------------------


def place_names(*, codes: set[str]) -> dict[str, str]:
    """Names of jurisdictions (public facts); a grid with its community's name."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    wanted = codes | {c[:12] for c in codes if len(c) > 12}
    names = dict(Jurisdiction.objects.filter(code__in=wanted).values_list("code", "name"))
    return {
        c: (f"{names.get(c[:12], c[:12])} {names[c]}" if len(c) > 12 else names[c])
        for c in codes
        if c in names
    }


def handover_targets(*, code: str) -> list[Jurisdiction]:
    """The communities and grids of the district around a code (public names)."""
    return list(
        Jurisdiction.objects.within_code(code[:6])
        .filter(level__in=[Level.COMMUNITY, Level.GRID], is_active=True)
        .order_by("code")
    )


def contact_of(order: ControlOrder) -> tuple[str, str]:
    """(whom, phone) the person calls: the care team's duty phone when one is assigned,
    else the community's (settings FANGKONG_CONTROL_PHONES: code -> phone, the longest
    matching prefix), else the public service line."""
    if order.care_team_id and order.care_team and order.care_team.phone:
        return order.care_team.name, order.care_team.phone
    phones: dict[str, str] = getattr(settings, "FANGKONG_CONTROL_PHONES", {}) or {}
    for length in (15, 12, 9, 6):
        phone = phones.get(order.jurisdiction_code[:length])
        if phone:
            name = place_names(codes={order.community_code}).get(order.community_code, "")
            return name, phone
    name = place_names(codes={order.community_code}).get(order.community_code, "")
    return name, str(getattr(settings, "FANGKONG_CONTROL_HOTLINE", "12345"))


# --- The person file and the person's own view ------------------------------------------


def person_orders(*, scope: Scope, person: Person) -> QuerySet[ControlOrder]:
    if not scope.has(Perm.CONTROL_VIEW):
        return ControlOrder.objects.none()
    return ControlOrder.objects.within(scope).filter(person=person).order_by("proposed_at", "id")


def person_order_events(*, scope: Scope, person: Person) -> QuerySet[OrderEvent]:
    return (
        OrderEvent.objects.filter(order__in=person_orders(scope=scope, person=person))
        .select_related("order")
        .order_by("at", "id")
    )


def resident_orders(*, person: Person) -> QuerySet[ControlOrder]:
    """The person's own approved orders (never proposals or rejections: nothing was
    decided about them yet), newest first. The resident's session proved who they are."""
    return (
        ControlOrder.objects.filter(person=person, status__in=APPROVED_STATUSES)
        .select_related("care_team", "policy")
        .order_by("-starts_on", "-id")
    )


def resident_order_get(*, person: Person, pk: int) -> ControlOrder:
    return get_or_404(resident_orders(person=person), pk=pk)


def open_alerts_for(*, order: ControlOrder) -> QuerySet[Alert]:
    return Alert.objects.filter(order=order).exclude(status=Alert.Status.CLOSED)
