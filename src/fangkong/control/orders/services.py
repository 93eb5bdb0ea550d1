"""Every write of policies and control orders: one transaction each, permission checked,
audited, and for an order an `OrderEvent` the person can read.

The rule (control/models.py): a person's control status never changes without a real
trigger, a recorded reason and legal basis, an approver who is not the proposer, and a
record the person can see. So a proposal resolves its trigger through the trigger's own
module (a verified arrival report, a screening finding, a push-list check with a result,
a positive test, a sealed zone) or needs a written reason; approval is by someone else
(checked here with a clear message, and by a database constraint); and every step is an
event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.selectors import actor_display
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
from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError, NotFound
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.sms import SmsError, send_sms
from fangkong.messaging import services as messaging
from fangkong.registry.models import Person

from . import policy as rules
from . import selectors

Status = ControlOrder.Status
MIN_MANUAL_REASON = 5
MIN_REASON = 2
MAX_EXTENSION_DAYS = 30
# pg_advisory_xact_lock key: notice numbers of a district and day are handed out one
# approval at a time (SQLite serialises writers).
NOTICE_LOCK = 7_106_014
END_KINDS = (
    ControlOrder.EndKind.HOSPITAL,
    ControlOrder.EndKind.HANDOVER,
    ControlOrder.EndKind.OTHER,
)


def _invalid(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field_name, "invalid", message)])


def _reason(text: str, *, minimum: int = MIN_REASON, field_name: str = "reason") -> str:
    cleaned = " ".join((text or "").split())
    if len(cleaned) < minimum:
        raise _invalid(
            field_name,
            _("Write the reason (at least %(n)d characters).") % {"n": minimum},
        )
    return cleaned[:500]


def _event(
    scope: Scope,
    order: ControlOrder,
    kind: str,
    *,
    at: dt.datetime | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        jurisdiction_code=order.jurisdiction_code,
        kind=kind,
        at=at or timezone.now(),
        actor_id=scope.actor_id,
        actor_name=actor_display(scope),
        reason=reason[:500],
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
    )


def _locked(order: ControlOrder, *statuses: str) -> ControlOrder:
    locked = ControlOrder.objects.select_for_update().select_related("person").get(pk=order.pk)
    if statuses and locked.status not in statuses:
        raise ApplicationError(
            _("This order is %(status)s now; reload the page.")
            % {"status": locked.get_status_display()}
        )
    return locked


# --- Policies ---------------------------------------------------------------------------------


def _district(scope: Scope, district: str) -> str:
    code = district or scope.code[:6]
    if len(code) != 6:
        raise _invalid("district", _("Policies belong to a district."))
    scope.require(Perm.POLICY_MANAGE, at=code)
    if not Jurisdiction.objects.filter(code=code).exists():
        raise NotFound(_("Not found."))
    return code


def _dates(effective_from: dt.date, effective_until: dt.date | None) -> None:
    if effective_until is not None and effective_until < effective_from:
        raise _invalid("effective_until", _("The policy cannot end before it takes effect."))


@transaction.atomic
def policy_install(
    *,
    scope: Scope,
    preset: str,
    effective_from: dt.date | None = None,
    effective_until: dt.date | None = None,
    district: str = "",
) -> Policy:
    """Install a shipped preset as the district's policy (version 1 of its family)."""
    code = _district(scope, district)
    chosen = rules.preset(preset)
    start = effective_from or chosen.effective_from
    until = effective_until if effective_from is not None else chosen.effective_until
    _dates(start, until)
    if Policy.objects.filter(jurisdiction_code=code, family=chosen.family).exists():
        raise _invalid(
            "preset", _("This preset is installed already; edit it to make a new version.")
        )
    created = Policy.objects.create(
        jurisdiction_code=code,
        family=chosen.family,
        version=1,
        is_current=True,
        name=chosen.name,
        legal_basis=chosen.legal_basis,
        effective_from=start,
        effective_until=until,
        rules=chosen.rules,
        preset=chosen.key,
        note=chosen.note,
        created_by_id=scope.actor_id,
        created_by_name=actor_display(scope),
        created_at=timezone.now(),
    )
    audit.record(
        scope,
        "control.policy.installed",
        created,
        data={"preset": chosen.key, "from": start, "until": until},
    )
    return created


@transaction.atomic
def policy_edit(
    *,
    scope: Scope,
    policy: Policy,
    name: str,
    legal_basis: str,
    effective_from: dt.date,
    effective_until: dt.date | None,
    rules_json: Any,
    note: str = "",
) -> Policy:
    """Editing makes a new version; the old one stays (not current), and every order
    keeps the rules it was issued under."""
    _district(scope, policy.jurisdiction_code)
    old = Policy.objects.select_for_update().get(pk=policy.pk)
    if not old.is_current:
        raise ApplicationError(_("Only the current version of a policy can be edited."))
    if not name.strip():
        raise _invalid("name", _("Name the policy."))
    if not legal_basis.strip():
        raise _invalid("legal_basis", _("Give the legal basis."))
    _dates(effective_from, effective_until)
    checked = rules.validate_rules(rules_json)
    top = (
        Policy.objects.filter(jurisdiction_code=old.jurisdiction_code, family=old.family)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    ) or old.version
    Policy.objects.filter(pk=old.pk).update(is_current=False)
    created = Policy.objects.create(
        jurisdiction_code=old.jurisdiction_code,
        family=old.family,
        version=top + 1,
        is_current=True,
        name=name.strip()[:100],
        legal_basis=legal_basis.strip(),
        effective_from=effective_from,
        effective_until=effective_until,
        rules=checked,
        preset=old.preset,
        note=note.strip(),
        created_by_id=scope.actor_id,
        created_by_name=actor_display(scope),
        created_at=timezone.now(),
    )
    audit.record(
        scope,
        "control.policy.versioned",
        created,
        data={"previous": old.pk, "version": created.version, "from": effective_from},
    )
    return created


# --- Proposals ---------------------------------------------------------------------------------


class OpenOrderExists(Conflict):
    """The person has an order proposed or in force: one at a time (offer to extend)."""

    def __init__(self, order: ControlOrder) -> None:
        super().__init__(
            _(
                "%(name)s already has an order %(status)s (%(no)s); open it, and extend it "
                "if the new trigger calls for longer."
            )
            % {
                "name": selectors.person_of(order).name,
                "status": order.get_status_display(),
                "no": order.notice_no or f"#{order.pk}",
            },
            errors=[FieldError("person", "conflict", _("An order is open already."))],
        )
        self.order = order


def _source_for(
    scope: Scope, *, person: Person, trigger: str, trigger_ref: str
) -> selectors.TriggerSource | None:
    if trigger == Trigger.MANUAL:
        return None
    if not trigger_ref:
        raise _invalid(
            "trigger_ref",
            _(
                "This trigger needs the record behind it (an arrival report, a screening "
                "record, a push-list check, a test or a zone); without one, propose by hand "
                "with a written reason."
            ),
        )
    source = selectors.trigger_source(scope=scope, trigger=trigger, ref=trigger_ref, person=person)
    if not source.ok:
        raise _invalid("trigger_ref", source.problem)
    return source


def _plan(
    *, person: Person, trigger: str, trigger_date: dt.date, starts_on: dt.date
) -> tuple[Policy, rules.TriggerRule, list[rules.PlannedPhase]]:
    district = person.jurisdiction_code[:6]
    in_force = selectors.policy_in_force(district, trigger_date)
    if in_force is None:
        raise _invalid(
            "trigger_date",
            _("No policy of the district is in force on %(day)s.") % {"day": trigger_date},
        )
    rule = rules.rule_for(in_force.rules, trigger)
    if rule is None:
        raise _invalid(
            "trigger",
            _("The policy in force (%(policy)s) has no measure for “%(trigger)s”.")
            % {"policy": in_force.name, "trigger": dict(Trigger.choices)[trigger]},
        )
    return in_force, rule, rules.plan(rule, starts_on)


def _create_order(
    scope: Scope,
    *,
    person: Person,
    trigger: str,
    trigger_date: dt.date,
    trigger_ref: str,
    reason: str,
    starts_on: dt.date,
    now: dt.datetime,
) -> ControlOrder:
    in_force, rule, phases = _plan(
        person=person, trigger=trigger, trigger_date=trigger_date, starts_on=starts_on
    )
    existing = selectors.open_order_of(person_id=person.pk)
    if existing is not None:
        raise OpenOrderExists(existing)
    try:
        with transaction.atomic():
            order = ControlOrder.objects.create(
                person=person,
                jurisdiction_code=person.jurisdiction_code,
                community_code=person.community_code,
                household_id=person.household_id,
                trigger=trigger,
                trigger_date=trigger_date,
                trigger_ref=trigger_ref if trigger != Trigger.MANUAL else "",
                reason=reason,
                policy=in_force,
                policy_version=in_force.version,
                legal_basis=in_force.legal_basis,
                release_rule={"tests": rule.release},
                status=Status.PROPOSED,
                starts_on=phases[0].starts_on,
                ends_on=phases[-1].ends_on,
                proposed_by_id=scope.actor_id,
                proposed_by_name=actor_display(scope),
                proposed_at=now,
            )
    except IntegrityError:
        # Another proposal for the same person won the race (the partial unique index).
        raise OpenOrderExists(
            selectors.open_order_of(person_id=person.pk) or ControlOrder(person=person)
        ) from None
    OrderPhase.objects.bulk_create(
        OrderPhase(
            order=order,
            jurisdiction_code=order.jurisdiction_code,
            position=p.position,
            measure=p.measure,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
            test_days=list(p.test_days),
        )
        for p in phases
    )
    _event(
        scope,
        order,
        OrderEvent.Kind.PROPOSED,
        at=now,
        reason=reason,
        data={
            "trigger": trigger,
            "trigger_ref": order.trigger_ref,
            "policy": in_force.pk,
            "policy_version": in_force.version,
            "phases": [(p.measure, p.starts_on, p.ends_on) for p in phases],
        },
    )
    audit.record(
        scope,
        "control.order.proposed",
        order,
        reason=reason,
        data={"person": person.pk, "trigger": trigger, "trigger_ref": order.trigger_ref},
    )
    return order


@transaction.atomic
def order_propose(
    *,
    scope: Scope,
    person: Person,
    trigger: str,
    trigger_date: dt.date,
    trigger_ref: str = "",
    reason: str = "",
    starts_on: dt.date | None = None,
) -> ControlOrder:
    """Propose an order per the policy in force on the trigger date; it does nothing
    until a second person approves it."""
    scope.require(Perm.CONTROL_PROPOSE, at=person.jurisdiction_code)
    if trigger not in Trigger.values:
        raise _invalid("trigger", _("Choose the trigger."))
    today = timezone.localdate()
    if trigger_date > today:
        raise _invalid("trigger_date", _("The trigger date cannot be in the future."))
    start = starts_on or trigger_date
    if start < trigger_date:
        raise _invalid("starts_on", _("The order cannot start before its trigger."))
    if start > today + dt.timedelta(days=7):
        raise _invalid("starts_on", _("The order must start within a week."))
    if person.status != Person.Status.ACTIVE:
        raise _invalid("person", _("This person is not an active resident."))
    source = _source_for(scope, person=person, trigger=trigger, trigger_ref=trigger_ref)
    if trigger == Trigger.MANUAL:
        text = _reason(reason, minimum=MIN_MANUAL_REASON)
    else:
        text = " ".join((reason or "").split())[:500] or (source.label if source else "")
    return _create_order(
        scope,
        person=person,
        trigger=trigger,
        trigger_date=trigger_date,
        trigger_ref=trigger_ref,
        reason=text,
        starts_on=start,
        now=timezone.now(),
    )


@dataclass
class ZoneProposal:
    proposed: list[ControlOrder] = field(default_factory=list)
    skipped: list[tuple[Person, str]] = field(default_factory=list)


@transaction.atomic
def zone_propose(
    *, scope: Scope, zone: ControlZone, trigger_date: dt.date | None = None
) -> ZoneProposal:
    """Propose a sealed-zone order for every current resident of an active sealed zone,
    in one go; each still needs a second person's approval. People with an open order
    are skipped (and named)."""
    scope.require(Perm.CONTROL_PROPOSE, at=zone.jurisdiction_code)
    if zone.kind != ControlZone.Kind.SEALED or zone.status != ControlZone.Status.ACTIVE:
        raise ApplicationError(_("The zone is not a sealed zone in force."))
    day = trigger_date or zone.starts_on
    if day > timezone.localdate():
        day = timezone.localdate()
    result = ZoneProposal()
    now = timezone.now()
    ref = f"control.controlzone:{zone.pk}"
    reason = _("Resident of the sealed zone %(compound)s (from %(day)s): %(why)s") % {
        "compound": zone.compound.name,
        "day": zone.starts_on.isoformat(),
        "why": zone.reason,
    }
    for person in selectors.zone_residents(scope=scope, zone=zone):
        if not scope.can(Perm.CONTROL_PROPOSE, at=person.jurisdiction_code):
            continue
        try:
            with transaction.atomic():
                order = _create_order(
                    scope,
                    person=person,
                    trigger=Trigger.SEALED_ZONE,
                    trigger_date=day,
                    trigger_ref=ref,
                    reason=reason[:500],
                    starts_on=day,
                    now=now,
                )
        except ApplicationError as exc:
            result.skipped.append((person, exc.message))
        else:
            result.proposed.append(order)
    if not result.proposed and not result.skipped:
        raise ApplicationError(_("Nobody is registered in the zone."))
    return result


# --- Decisions ------------------------------------------------------------------------------------


def _second_person(scope: Scope, order: ControlOrder) -> None:
    if order.proposed_by_id is not None and order.proposed_by_id == scope.actor_id:
        raise ApplicationError(
            _("An order is decided by someone other than the person who proposed it.")
        )


def _notice_no(district: str, day: dt.date) -> str:
    """The next notice number of the district and day: 410106-20261204-0007."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [NOTICE_LOCK, int(district)])
    prefix = f"{district}-{day:%Y%m%d}-"
    last = (
        ControlOrder.objects.filter(notice_no__startswith=prefix)
        .order_by("-notice_no")
        .values_list("notice_no", flat=True)
        .first()
    )
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:04d}"


def _schedule_tests(order: ControlOrder) -> int:
    days: dict[dt.date, str] = {}
    for phase in OrderPhase.objects.filter(order=order).order_by("position"):
        place = (
            OrderTest.Place.SITE
            if phase.measure == Measure.CENTRAL_QUARANTINE
            else OrderTest.Place.DOOR
        )
        for number in phase.test_days:
            due = phase.starts_on + dt.timedelta(days=int(number) - 1)
            if phase.starts_on <= due <= phase.ends_on:
                days.setdefault(due, place)
    OrderTest.objects.bulk_create(
        OrderTest(
            order=order,
            person_id=order.person_id,
            jurisdiction_code=order.jurisdiction_code,
            due_on=due,
            place=place,
        )
        for due, place in sorted(days.items())
    )
    return len(days)


@transaction.atomic
def order_approve(*, scope: Scope, order: ControlOrder, note: str = "") -> ControlOrder:
    """A second person approves: the order is in force, gets its notice number, and its
    tests are scheduled from the phases' test days."""
    scope.require(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    _second_person(scope, order)
    order = _locked(order, Status.PROPOSED)
    _second_person(scope, order)
    now = timezone.now()
    order.status = Status.ACTIVE
    order.decided_by_id, order.decided_at = scope.actor_id, now
    order.decided_by_name = actor_display(scope)
    order.decision_note = " ".join(note.split())[:500]
    order.notice_no = _notice_no(order.jurisdiction_code[:6], timezone.localdate(now))
    order.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decided_by_name",
            "decision_note",
            "notice_no",
        ]
    )
    tests = _schedule_tests(order)
    _event(
        scope,
        order,
        OrderEvent.Kind.APPROVED,
        at=now,
        reason=order.decision_note,
        data={"notice_no": order.notice_no, "tests": tests},
    )
    audit.record(scope, "control.order.approved", order, data={"notice_no": order.notice_no})
    return order


@transaction.atomic
def order_reject(*, scope: Scope, order: ControlOrder, reason: str) -> ControlOrder:
    scope.require(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    _second_person(scope, order)
    text = _reason(reason)
    order = _locked(order, Status.PROPOSED)
    now = timezone.now()
    order.status = Status.REJECTED
    order.decided_by_id, order.decided_at = scope.actor_id, now
    order.decided_by_name = actor_display(scope)
    order.decision_note = text
    order.save(
        update_fields=["status", "decided_by", "decided_at", "decided_by_name", "decision_note"]
    )
    _event(scope, order, OrderEvent.Kind.REJECTED, at=now, reason=text)
    audit.record(scope, "control.order.rejected", order, reason=text)
    return order


@dataclass
class BulkResult:
    approved: list[ControlOrder] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def orders_approve(*, scope: Scope, order_ids: Iterable[int]) -> BulkResult:
    """Approve a selection, each order on its own (each still by a second person): one
    refused order does not stop the others."""
    scope.require(Perm.CONTROL_APPROVE)
    result = BulkResult()
    for pk in sorted(set(order_ids))[:200]:
        try:
            order = selectors.order_get(scope=scope, pk=pk)
            result.approved.append(order_approve(scope=scope, order=order))
        except ApplicationError as exc:
            result.refused.append((pk, exc.message))
    return result


# --- Tests during the order -----------------------------------------------------------------------

TEST_RESULTS = (OrderTest.Status.NEGATIVE, OrderTest.Status.POSITIVE, OrderTest.Status.MISSED)


@transaction.atomic
def test_record(*, scope: Scope, test: OrderTest, result: str, note: str = "") -> OrderTest:
    """A result entered by hand (the testing module will feed them later): negative,
    positive or missed. A positive result raises an alert for the community."""
    scope.require(Perm.FOLLOWUP_RECORD, at=test.jurisdiction_code)
    if result not in TEST_RESULTS:
        raise _invalid("result", _("Choose the result."))
    test = OrderTest.objects.select_for_update().select_related("order", "person").get(pk=test.pk)
    if test.order.status != Status.ACTIVE:
        raise ApplicationError(_("The order is not in force."))
    if test.status not in (OrderTest.Status.SCHEDULED, OrderTest.Status.SAMPLED):
        raise ApplicationError(_("This test has its result already."))
    today = timezone.localdate()
    if test.due_on > today:
        raise ApplicationError(_("This test is not due yet."))
    now = timezone.now()
    test.status = result
    if result != OrderTest.Status.MISSED and test.sampled_at is None:
        test.sampled_at = now
    test.result_at = now
    test.source = "manual"
    test.recorded_by_id = scope.actor_id
    test.recorded_by_name = actor_display(scope)
    test.note = " ".join(note.split())[:200]
    test.save(
        update_fields=[
            "status",
            "sampled_at",
            "result_at",
            "source",
            "recorded_by",
            "recorded_by_name",
            "note",
        ]
    )
    _event(
        scope,
        test.order,
        OrderEvent.Kind.TEST,
        at=now,
        reason=test.note,
        data={"test": test.pk, "due_on": test.due_on, "result": result},
    )
    if result == OrderTest.Status.POSITIVE:
        _positive_alert(test, now)
    audit.record(scope, "control.test.recorded", test, data={"result": result})
    return test


def _positive_alert(test: OrderTest, now: dt.datetime) -> Alert:
    """The alert a positive result raises for the community, entered or corrected. An
    alert of this test not yet closed (corrected back to positive) is the one alert."""
    source_ref = f"control.ordertest:{test.pk}"
    still_open = (
        Alert.objects.filter(kind=Alert.Kind.POSITIVE, source_ref=source_ref)
        .exclude(status=Alert.Status.CLOSED)
        .first()
    )
    if still_open is not None:
        return still_open
    return Alert.objects.create(
        kind=Alert.Kind.POSITIVE,
        jurisdiction_code=test.order.jurisdiction_code,
        order=test.order,
        person_id=test.person_id,
        source_ref=source_ref,
        summary=_("Positive test of %(name)s (%(day)s), order %(no)s")
        % {
            "name": selectors.person_of(test).name,
            "day": test.due_on.isoformat(),
            "no": test.order.notice_no,
        },
        raised_at=now,
    )


CORRECTION_REASON_MIN = 5


@transaction.atomic
def test_correct(*, scope: Scope, test: OrderTest, result: str, reason: str) -> OrderTest:
    """Correct a result entered earlier (a typing slip, a retest by the lab) while the
    order is in force. The test keeps who entered it first in the event history; a
    correction to positive raises the alert as a positive result does; a correction
    away from positive leaves the open alert for a person to close."""
    scope.require(Perm.FOLLOWUP_RECORD, at=test.jurisdiction_code)
    if result not in TEST_RESULTS:
        raise _invalid("result", _("Choose the result."))
    reason = " ".join((reason or "").split())[:200]
    if len(reason) < CORRECTION_REASON_MIN:
        raise _invalid(
            "reason",
            _("Say why the result is corrected (at least %(n)d characters).")
            % {"n": CORRECTION_REASON_MIN},
        )
    test = OrderTest.objects.select_for_update().select_related("order", "person").get(pk=test.pk)
    if test.order.status != Status.ACTIVE:
        raise ApplicationError(_("The order is not in force."))
    if test.status not in TEST_RESULTS:
        raise ApplicationError(_("This test has no result yet: record it instead."))
    previous = test.status
    if previous == result:
        raise _invalid("result", _("The test has this result already."))
    now = timezone.now()
    test.status = result
    if result != OrderTest.Status.MISSED and test.sampled_at is None:
        test.sampled_at = now
    test.result_at = now
    test.recorded_by_id = scope.actor_id
    test.recorded_by_name = actor_display(scope)
    test.save(
        update_fields=["status", "sampled_at", "result_at", "recorded_by", "recorded_by_name"]
    )
    _event(
        scope,
        test.order,
        OrderEvent.Kind.TEST,
        at=now,
        reason=reason,
        data={
            "test": test.pk,
            "due_on": test.due_on,
            "result": result,
            "previous": previous,
            "corrected": True,
        },
    )
    if result == OrderTest.Status.POSITIVE:
        _positive_alert(test, now)
    audit.record(
        scope,
        "control.test.corrected",
        test,
        reason=reason,
        data={"previous": previous, "result": result},
    )
    return test


# --- Release, end, extend, hand over -------------------------------------------------------------


def _notify(scope: Scope, order_id: int, text: str) -> None:
    """Tell the person (and the care team) by SMS after the commit; the outcome is an
    event. A gateway failure is recorded, never undoes the release."""

    def send() -> None:
        order = ControlOrder.objects.select_related("person", "care_team").get(pk=order_id)
        sent: list[str] = []
        errors: list[str] = []
        person = selectors.person_of(order)
        if not person.phone:
            errors.append(_("the person has no phone in the registry"))
        else:
            # The resident's text goes through the message log (once a kind a day).
            message = messaging.send_one(
                kind="control.release",
                person_id=person.pk,
                phone=person.phone,
                jurisdiction_code=order.jurisdiction_code,
                text=text,
            )
            if message is None:
                errors.append(_("the person was sent this kind of message today already"))
            elif message.status == message.Status.FAILED:
                errors.append(f"person: {message.error}")
            else:
                sent.append("person")
        if order.care_team and order.care_team.phone:
            try:
                send_sms(order.care_team.phone, text, purpose="control_release")
            except SmsError as exc:
                errors.append(f"care_team: {exc}")
            else:
                sent.append("care_team")
        with transaction.atomic():
            _event(
                scope,
                order,
                OrderEvent.Kind.NOTIFIED,
                reason="; ".join(errors),
                data={"channel": "sms", "sent": sent, "ok": not errors, "text": text},
            )

    transaction.on_commit(send)


def _cancel_open_tests(order: ControlOrder) -> int:
    return OrderTest.objects.filter(
        order=order, status__in=[OrderTest.Status.SCHEDULED, OrderTest.Status.SAMPLED]
    ).update(status=OrderTest.Status.CANCELLED)


@transaction.atomic
def order_release(*, scope: Scope, order: ControlOrder, note: str = "") -> ControlOrder:
    """An officer signs the release of an order whose days are served and whose release
    rule is met; the person is told by SMS."""
    scope.require(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    order = _locked(order, Status.ACTIVE)
    today = timezone.localdate()
    served, met = selectors.release_check(order=order, today=today)
    if not served:
        raise ApplicationError(
            _("The order runs until %(day)s; it can be released from the day after.")
            % {"day": order.ends_on.isoformat()}
        )
    if not met:
        raise ApplicationError(
            _("The tests do not allow release yet: every scheduled test must be negative.")
        )
    now = timezone.now()
    order.status = Status.RELEASED
    order.end_kind = ControlOrder.EndKind.RELEASED
    order.ended_at = now
    order.ended_by_id = scope.actor_id
    order.ended_by_name = actor_display(scope)
    order.end_reason = " ".join(note.split())[:500]
    order.save(
        update_fields=["status", "end_kind", "ended_at", "ended_by", "ended_by_name", "end_reason"]
    )
    _event(scope, order, OrderEvent.Kind.RELEASED, at=now, reason=order.end_reason)
    audit.record(scope, "control.order.released", order)
    _notify(
        scope,
        order.pk,
        _("[Fangkong] %(name)s, your control measure (notice %(no)s) is released as of %(day)s.")
        % {
            "name": selectors.person_of(order).name,
            "no": order.notice_no,
            "day": today.isoformat(),
        },
    )
    return order


@transaction.atomic
def order_end(
    *, scope: Scope, order: ControlOrder, kind: str, reason: str, handed_to: str = ""
) -> ControlOrder:
    """End an order early: to hospital, handed over to another jurisdiction (where), or
    other; always with a reason."""
    scope.require(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    if kind not in END_KINDS:
        raise _invalid("kind", _("Choose why the order ends."))
    text = _reason(reason)
    where = " ".join(handed_to.split())[:200]
    if kind == ControlOrder.EndKind.HANDOVER and len(where) < MIN_REASON:
        raise _invalid("handed_to", _("Say where the person was handed over to."))
    order = _locked(order, Status.ACTIVE)
    now = timezone.now()
    order.status = Status.ENDED
    order.end_kind = kind
    order.end_reason = text
    order.handed_to = where if kind == ControlOrder.EndKind.HANDOVER else ""
    order.ended_at = now
    order.ended_by_id = scope.actor_id
    order.ended_by_name = actor_display(scope)
    order.save(
        update_fields=[
            "status",
            "end_kind",
            "end_reason",
            "handed_to",
            "ended_at",
            "ended_by",
            "ended_by_name",
        ]
    )
    cancelled = _cancel_open_tests(order)
    _event(
        scope,
        order,
        OrderEvent.Kind.ENDED,
        at=now,
        reason=text,
        data={"end_kind": kind, "handed_to": order.handed_to, "tests_cancelled": cancelled},
    )
    audit.record(scope, "control.order.ended", order, reason=text, data={"end_kind": kind})
    return order


@transaction.atomic
def order_extend(*, scope: Scope, order: ControlOrder, days: int, reason: str) -> ControlOrder:
    """Extend the last phase by some days (with a test on the new last day when the
    phase has tests)."""
    scope.require(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    if not 1 <= int(days) <= MAX_EXTENSION_DAYS:
        raise _invalid("days", _("Extend by 1 to %(n)d days.") % {"n": MAX_EXTENSION_DAYS})
    text = _reason(reason)
    order = _locked(order, Status.ACTIVE)
    last = OrderPhase.objects.filter(order=order).order_by("-position").first()
    if last is None:  # pragma: no cover - every order has phases
        raise ApplicationError(_("The order has no phases."))
    before = order.ends_on
    delta = dt.timedelta(days=int(days))
    last.ends_on = last.ends_on + delta
    last.save(update_fields=["ends_on"])
    order.ends_on = order.ends_on + delta
    order.save(update_fields=["ends_on"])
    added = False
    if last.test_days and not OrderTest.objects.filter(order=order, due_on=order.ends_on).exists():
        OrderTest.objects.create(
            order=order,
            person_id=order.person_id,
            jurisdiction_code=order.jurisdiction_code,
            due_on=order.ends_on,
            place=OrderTest.Place.SITE
            if last.measure == Measure.CENTRAL_QUARANTINE
            else OrderTest.Place.DOOR,
        )
        added = True
    _event(
        scope,
        order,
        OrderEvent.Kind.EXTENDED,
        reason=text,
        data={"days": int(days), "from": before, "to": order.ends_on, "test_added": added},
    )
    audit.record(scope, "control.order.extended", order, reason=text, data={"days": int(days)})
    return order


@transaction.atomic
def order_handover(*, scope: Scope, order: ControlOrder, to_code: str, reason: str) -> ControlOrder:
    """Hand an order in force over to another community or grid of the district: its
    code and its rows' codes move; the history (events) stays with it."""
    scope.require(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    text = _reason(reason)
    target = Jurisdiction.objects.filter(code=to_code, is_active=True).first()
    if target is None or len(to_code) < 12 or to_code[:6] != order.jurisdiction_code[:6]:
        raise _invalid("to_code", _("Choose a community or grid of the district."))
    order = _locked(order, Status.PROPOSED, Status.ACTIVE)
    if to_code == order.jurisdiction_code:
        raise _invalid("to_code", _("The order is there already."))
    before = order.jurisdiction_code
    order.jurisdiction_code = to_code
    order.community_code = to_code[:12]
    care_team = order.care_team_id
    order.care_team = None
    order.save(update_fields=["jurisdiction_code", "community_code", "care_team"])
    OrderPhase.objects.filter(order=order).update(jurisdiction_code=to_code)
    OrderTest.objects.filter(order=order).update(jurisdiction_code=to_code)
    _event(
        scope,
        order,
        OrderEvent.Kind.HANDED_OVER,
        reason=text,
        data={"from": before, "to": to_code, "care_team_was": care_team},
    )
    audit.record(
        scope,
        "control.order.handed_over",
        order,
        jurisdiction_code=before,
        reason=text,
        data={"from": before, "to": to_code},
    )
    return order
