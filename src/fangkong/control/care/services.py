"""Every write of the care area: care teams and their assignments, door seals and
sensors, door events, the day's follow-ups, alerts with their escalation, transfers to
the fever clinic.

Services that run on a clock (`generate_followups`, `sweep`) take the day or the time as
an argument, so tests and the periodic tasks decide what "now" is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.accounts.selectors import actor_display
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
    OrderEvent,
    TransferTask,
)
from fangkong.core import audit
from fangkong.core.codes import Level
from fangkong.core.errors import ApplicationError, FieldError, NotFound
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Household, Person

from . import rules, selectors
from .notify import notify_care_team

MIN_REASON = 2
SENSOR_TOKEN_PREFIX = "fkd_"
MAX_EVENTS = 500


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _text(value: str, *, field: str, limit: int, required: bool = False, least: int = 1) -> str:
    text = " ".join((value or "").split())[:limit]
    if required and len(text) < least:
        raise _invalid(field, _("This field is required."))
    return text


def _order_event(
    scope: Scope,
    order: ControlOrder,
    kind: str,
    *,
    at: dt.datetime,
    reason: str = "",
    data: dict[str, object] | None = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        jurisdiction_code=order.jurisdiction_code,
        kind=kind,
        at=at,
        actor_id=scope.actor_id,
        actor_name=actor_display(scope),
        reason=reason,
        data=data or {},
    )


def _active_order(scope: Scope, order: ControlOrder, perm: Perm) -> ControlOrder:
    scope.require(perm, at=order.jurisdiction_code)
    locked = ControlOrder.objects.select_for_update().get(pk=order.pk)
    if locked.status != ControlOrder.Status.ACTIVE:
        raise ApplicationError(_("This order is not in force."))
    return locked


# --- Care teams -------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *, scope: Scope, jurisdiction_code: str, name: str, phone: str = "", note: str = ""
) -> CareTeam:
    """A care team (包保专班) of a community or grid."""
    scope.require(Perm.CARE_TEAM_MANAGE, at=jurisdiction_code)
    node = (
        Jurisdiction.objects.within(scope)
        .filter(code=jurisdiction_code, level__in=[Level.COMMUNITY, Level.GRID], is_active=True)
        .first()
    )
    if node is None:
        raise NotFound(_("Community not found."))
    team = CareTeam.objects.create(
        jurisdiction_code=node.code,
        name=_text(name, field="name", limit=60, required=True),
        phone=_text(phone, field="phone", limit=20),
        note=_text(note, field="note", limit=200),
    )
    audit.record(scope, "control.careteam.created", team, data={"name": team.name})
    return team


@transaction.atomic
def member_add(
    *,
    scope: Scope,
    team: CareTeam,
    role: str,
    name: str,
    phone: str = "",
    user: User | None = None,
) -> CareTeamMember:
    scope.require(Perm.CARE_TEAM_MANAGE, at=team.jurisdiction_code)
    if role not in CareTeamMember.Role.values:
        raise _invalid("role", _("Choose the member's role."))
    phone = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")[:20]
    if phone and len(phone) < 7:
        raise _invalid("phone", _("Enter a valid phone number."))
    if user is not None:
        if not user.is_active or not user.jurisdiction_code.startswith(team.jurisdiction_code[:12]):
            raise _invalid("user", _("This account does not work in the team's community."))
        if not scope.covers(user.jurisdiction_code):
            raise NotFound(_("Not found."))
    member = CareTeamMember.objects.create(
        team=team,
        jurisdiction_code=team.jurisdiction_code,
        role=role,
        name=_text(name, field="name", limit=60, required=True),
        phone=phone,
        user=user,
    )
    audit.record(
        scope,
        "control.careteam.member_added",
        member,
        data={"team": team.pk, "role": role, "user": user.pk if user else None},
    )
    return member


@transaction.atomic
def member_remove(*, scope: Scope, member: CareTeamMember) -> CareTeamMember:
    scope.require(Perm.CARE_TEAM_MANAGE, at=member.jurisdiction_code)
    member.is_active = False
    member.save(update_fields=["is_active"])
    audit.record(scope, "control.careteam.member_removed", member, data={"team": member.team_id})
    return member


def _assign(scope: Scope, team: CareTeam, orders: list[ControlOrder], *, now: dt.datetime) -> int:
    """Put orders on a team: the orders, the day's and later follow-ups not yet recorded,
    and one OrderEvent each, set-based."""
    if not orders:
        return 0
    ids = [o.pk for o in orders]
    ControlOrder.objects.filter(pk__in=ids).update(care_team=team)
    FollowUp.objects.filter(
        order_id__in=ids, day__gte=timezone.localdate(now), recorded_at__isnull=True
    ).update(care_team=team)
    name = actor_display(scope)
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order_id=o.pk,
            jurisdiction_code=o.jurisdiction_code,
            kind=OrderEvent.Kind.CARE_TEAM,
            at=now,
            actor_id=scope.actor_id,
            actor_name=name,
            data={"team": team.pk, "team_name": team.name, "previous": o.care_team_id},
        )
        for o in orders
    )
    return len(orders)


@transaction.atomic
def team_assign(*, scope: Scope, team: CareTeam, order: ControlOrder) -> ControlOrder:
    """Put one order in force on a care team (or move it from another team)."""
    scope.require(Perm.CARE_TEAM_MANAGE, at=team.jurisdiction_code)
    if not team.is_active:
        raise ApplicationError(_("This care team has been dissolved."))
    locked = _active_order(scope, order, Perm.CARE_TEAM_MANAGE)
    if not locked.jurisdiction_code.startswith(team.jurisdiction_code[:12]):
        raise _invalid("order", _("The person lives outside the team's community."))
    if locked.care_team_id == team.pk:
        raise _invalid("order", _("The order is already on this team."))
    _assign(scope, team, [locked], now=timezone.now())
    audit.record(
        scope, "control.careteam.assigned", locked, data={"team": team.pk, "orders": [locked.pk]}
    )
    locked.care_team = team
    return locked


@transaction.atomic
def team_assign_unassigned(*, scope: Scope, team: CareTeam, code: str = "") -> int:
    """Every order in force without a team in the team's community or grid (or a grid
    of it, `code`) goes to the team at once."""
    scope.require(Perm.CARE_TEAM_MANAGE, at=team.jurisdiction_code)
    if not team.is_active:
        raise ApplicationError(_("This care team has been dissolved."))
    where = code or team.jurisdiction_code
    if not where.startswith(team.jurisdiction_code[:12]):
        raise _invalid("code", _("Choose a grid of the team's community."))
    orders = list(
        ControlOrder.objects.within(scope)
        .within_code(where)
        .filter(status=ControlOrder.Status.ACTIVE, care_team__isnull=True)
        .select_for_update()
        .only("pk", "jurisdiction_code", "care_team_id")
    )
    count = _assign(scope, team, orders, now=timezone.now())
    audit.record(
        scope,
        "control.careteam.assigned",
        team,
        data={"team": team.pk, "code": where, "orders": [o.pk for o in orders][:1000]},
    )
    return count


# --- Door seals and sensors -------------------------------------------------------------------


def _home_household(order: ControlOrder) -> int:
    if order.household_id is None:
        raise ApplicationError(_("The order names no household for home measures."))
    return order.household_id


@transaction.atomic
def seal_put(*, scope: Scope, order: ControlOrder, note: str = "") -> DoorSeal:
    """The door seal (封条) put on: who, when."""
    order = _active_order(scope, order, Perm.FOLLOWUP_RECORD)
    household = _home_household(order)
    if DoorSeal.objects.filter(order=order, removed_at__isnull=True).exists():
        raise ApplicationError(_("The door is already sealed."))
    now = timezone.now()
    name = actor_display(scope)
    seal = DoorSeal.objects.create(
        order=order,
        household_id=household,
        jurisdiction_code=order.jurisdiction_code,
        sealed_at=now,
        sealed_by_id=scope.actor_id,
        sealed_by_name=name,
        note=_text(note, field="note", limit=200),
    )
    _order_event(scope, order, OrderEvent.Kind.SEALED, at=now, data={"seal": seal.pk})
    audit.record(scope, "control.seal.put", seal, data={"order": order.pk})
    return seal


@transaction.atomic
def seal_remove(*, scope: Scope, order: ControlOrder, note: str = "") -> DoorSeal:
    scope.require(Perm.FOLLOWUP_RECORD, at=order.jurisdiction_code)
    seal = (
        DoorSeal.objects.select_for_update()
        .filter(order=order, removed_at__isnull=True)
        .order_by("-sealed_at")
        .first()
    )
    if seal is None:
        raise ApplicationError(_("The door is not sealed."))
    now = timezone.now()
    seal.removed_at, seal.removed_by_id, seal.removed_by_name = (
        now,
        scope.actor_id,
        actor_display(scope),
    )
    if note:
        seal.note = _text(f"{seal.note} {note}", field="note", limit=200)
    seal.save(update_fields=["removed_at", "removed_by", "removed_by_name", "note"])
    _order_event(scope, order, OrderEvent.Kind.UNSEALED, at=now, data={"seal": seal.pk})
    audit.record(scope, "control.seal.removed", seal, data={"order": order.pk})
    return seal


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def sensor_register(*, scope: Scope, household: Household, serial: str) -> tuple[DoorSensor, str]:
    """A door sensor (电子门磁) at a household; returns its device token, shown once (only
    its SHA-256 is kept, as for API tokens)."""
    scope.require(Perm.CARE_TEAM_MANAGE, at=household.jurisdiction_code)
    serial = "".join((serial or "").split())[:64]
    if len(serial) < 4:
        raise _invalid("serial", _("Enter the serial number on the sensor."))
    if DoorSensor.objects.filter(serial=serial).exists():
        raise _invalid("serial", _("A sensor with this serial number is registered already."))
    token = SENSOR_TOKEN_PREFIX + secrets.token_urlsafe(32)
    sensor = DoorSensor.objects.create(
        household=household,
        jurisdiction_code=household.jurisdiction_code,
        serial=serial,
        key_hash=hash_token(token),
        prefix=token[4:10],
        installed_at=timezone.now(),
        installed_by_id=scope.actor_id,
    )
    audit.record(scope, "control.sensor.registered", sensor, data={"serial": serial})
    return sensor, token


@transaction.atomic
def sensor_revoke(*, scope: Scope, sensor: DoorSensor) -> DoorSensor:
    scope.require(Perm.CARE_TEAM_MANAGE, at=sensor.jurisdiction_code)
    if sensor.revoked_at is not None:
        raise ApplicationError(_("This sensor has been revoked already."))
    sensor.revoked_at = timezone.now()
    sensor.save(update_fields=["revoked_at"])
    audit.record(scope, "control.sensor.revoked", sensor, data={"serial": sensor.serial})
    return sensor


@dataclass(frozen=True)
class DoorEventIn:
    event_id: str
    kind: str
    at: dt.datetime


@dataclass(frozen=True)
class DoorEventOut:
    event_id: str
    kind: str
    alerting: bool  # an open or tamper during home quarantine


_ALERTING = {
    DoorSensorEvent.Kind.OPEN: Alert.Kind.DOOR_OPEN,
    DoorSensorEvent.Kind.TAMPER: Alert.Kind.DOOR_TAMPER,
}


@transaction.atomic
def door_events_record(*, sensor: DoorSensor, events: list[DoorEventIn]) -> list[DoorEventOut]:
    """A batch of a sensor's events, idempotent by (sensor, event_id): a repeated batch
    gets the same answer and stores nothing twice. An open (or tamper) event while the
    household has an order in force with home quarantine that day raises an alert at
    once and queues an SMS to the care team."""
    if len(events) > MAX_EVENTS:
        raise _invalid("events", _("Send at most 500 events at a time."))
    locked = DoorSensor.objects.select_for_update().get(pk=sensor.pk)
    if locked.revoked_at is not None:
        raise NotFound(_("Not found."))
    scope = Scope.system(reason=f"door sensor {locked.serial}", code=locked.jurisdiction_code)
    keys = [e.event_id for e in events]
    stored = {
        e.event_key: e for e in DoorSensorEvent.objects.filter(sensor=locked, event_key__in=keys)
    }
    now = timezone.now()
    raised: list[Alert] = []
    for event in events:
        if event.event_id in stored:
            continue
        at = event.at if timezone.is_aware(event.at) else timezone.make_aware(event.at)
        day = timezone.localdate(at)
        order = selectors.household_in_force(
            household_id=locked.household_id, day=day, measures=(Measure.HOME_QUARANTINE,)
        )
        row = DoorSensorEvent.objects.create(
            sensor=locked,
            household_id=locked.household_id,
            jurisdiction_code=locked.jurisdiction_code,
            kind=event.kind,
            at=at,
            received_at=now,
            event_key=event.event_id,
            order=order,
        )
        stored[event.event_id] = row
        if order is not None and event.kind in _ALERTING:
            alert = _raise_alert(
                kind=_ALERTING[DoorSensorEvent.Kind(event.kind)],
                order=order,
                person_id=order.person_id,
                source_ref=f"control.doorsensor:{locked.pk}",
                summary=_("Door sensor %(serial)s: %(kind)s at %(at)s")
                % {
                    "serial": locked.serial,
                    "kind": row.get_kind_display(),
                    "at": timezone.localtime(at).strftime("%m-%d %H:%M"),
                },
                now=now,
            )
            if alert is not None:
                raised.append(alert)
    latest = max((e.at for e in stored.values()), default=None)
    if latest is not None and (locked.last_event_at is None or latest > locked.last_event_at):
        locked.last_event_at = latest
        locked.save(update_fields=["last_event_at"])
    for alert in raised:
        audit.record(scope, "control.alert.raised", alert, data={"kind": alert.kind})
    _notify_after_commit(raised)
    return [
        DoorEventOut(
            event_id=e.event_id,
            kind=stored[e.event_id].kind,
            alerting=stored[e.event_id].order_id is not None
            and stored[e.event_id].kind in _ALERTING,
        )
        for e in events
    ]


# --- Alerts -----------------------------------------------------------------------------------


def _raise_alert(
    *,
    kind: str,
    order: ControlOrder,
    person_id: int | None,
    source_ref: str,
    summary: str,
    now: dt.datetime,
) -> Alert | None:
    """One alert not yet closed per source and kind: a second raise while the first is
    open adds nothing (the partial unique constraint holds it on both databases)."""
    if Alert.objects.filter(kind=kind, source_ref=source_ref).filter(selectors.OPEN_ALERT).exists():
        return None
    return Alert.objects.create(
        kind=kind,
        jurisdiction_code=order.jurisdiction_code,
        order=order,
        person_id=person_id,
        source_ref=source_ref,
        summary=summary[:200],
        raised_at=now,
    )


def _notify_after_commit(alerts: Iterable[Alert]) -> None:
    ids = [a.pk for a in alerts]
    if not ids:
        return
    transaction.on_commit(lambda: [notify_care_team(pk) for pk in ids])


@transaction.atomic
def alert_acknowledge(*, scope: Scope, alert: Alert) -> Alert:
    """Someone is on it: the alert stops climbing."""
    scope.require(Perm.ALERT_HANDLE, at=alert.jurisdiction_code)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status != Alert.Status.OPEN:
        raise ApplicationError(_("This alert is being handled or closed already."))
    locked.status = Alert.Status.ACKNOWLEDGED
    locked.acknowledged_at, locked.acknowledged_by_id = timezone.now(), scope.actor_id
    locked.acknowledged_by_name = actor_display(scope)
    locked.save(
        update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledged_by_name"]
    )
    audit.record(scope, "control.alert.acknowledged", locked, data={"level": locked.level})
    return locked


@transaction.atomic
def alert_close(*, scope: Scope, alert: Alert, resolution: str) -> Alert:
    scope.require(Perm.ALERT_HANDLE, at=alert.jurisdiction_code)
    text = _text(resolution, field="resolution", limit=500, required=True, least=MIN_REASON)
    locked = Alert.objects.select_for_update().get(pk=alert.pk)
    if locked.status == Alert.Status.CLOSED:
        raise ApplicationError(_("This alert is closed already."))
    now = timezone.now()
    if locked.acknowledged_at is None:
        locked.acknowledged_at, locked.acknowledged_by_id = now, scope.actor_id
        locked.acknowledged_by_name = actor_display(scope)
    locked.status = Alert.Status.CLOSED
    locked.closed_at, locked.closed_by_id = now, scope.actor_id
    locked.closed_by_name, locked.resolution = actor_display(scope), text
    locked.save()
    audit.record(scope, "control.alert.closed", locked, reason=text)
    return locked


@transaction.atomic
def transfer_done(*, scope: Scope, transfer: TransferTask, note: str = "") -> TransferTask:
    """The person was taken to the fever clinic (or wherever the task says)."""
    scope.require(Perm.ALERT_HANDLE, at=transfer.jurisdiction_code)
    locked = TransferTask.objects.select_for_update().get(pk=transfer.pk)
    if locked.status != TransferTask.Status.OPEN:
        raise ApplicationError(_("This transfer is done already."))
    locked.status = TransferTask.Status.DONE
    locked.done_at, locked.done_by_id = timezone.now(), scope.actor_id
    locked.done_by_name = actor_display(scope)
    locked.note = _text(note, field="note", limit=500)
    locked.save()
    audit.record(scope, "control.transfer.done", locked, data={"alert": locked.alert_id})
    return locked


# --- Follow-ups -------------------------------------------------------------------------------


def generate_followups(*, day: dt.date, code: str = "") -> int:
    """The day's follow-up rows for every order in force whose phase covering the day is
    followed, `rules.slots()` a day: one INSERT … SELECT … WHERE NOT EXISTS (idempotent,
    and safe when two run at once: ON CONFLICT DO NOTHING), on PostgreSQL and SQLite.
    `code` limits it to a part of the tree (a list opened on demand). Returns the rows
    made."""
    slots = " UNION ALL ".join(f"SELECT {n} AS slot" for n in range(1, rules.slots() + 1))
    measures = list(FOLLOWED_MEASURES)
    json_list, json_dict = ("'[]'::jsonb", "'{}'::jsonb")
    if connection.vendor != "postgresql":
        json_list, json_dict = ("'[]'", "'{}'")
    where_code = ""
    params: list[Any] = [day, FollowUp.Status.DUE, *measures, day, day]
    if code:
        upper = _next_prefix(code)
        where_code = " AND o.jurisdiction_code >= %s" + (
            " AND o.jurisdiction_code < %s" if upper else ""
        )
        params += [code] + ([upper] if upper else [])
    params.append(day)
    sql = f"""
        INSERT INTO control_followup (order_id, person_id, care_team_id, jurisdiction_code,
            day, slot, measure, status, symptoms, services, note, recorded_by_name)
        SELECT o.id, o.person_id, o.care_team_id, o.jurisdiction_code, %s, s.slot, p.measure,
            %s, {json_list}, {json_dict}, '', ''
        FROM control_orderphase p
        JOIN control_controlorder o ON o.id = p.order_id
        CROSS JOIN ({slots}) s
        WHERE o.status = 'active'
          AND p.measure IN ({", ".join(["%s"] * len(measures))})
          AND p.starts_on <= %s AND p.ends_on >= %s{where_code}
          AND NOT EXISTS (SELECT 1 FROM control_followup f
                          WHERE f.order_id = o.id AND f.day = %s AND f.slot = s.slot)
        ON CONFLICT (order_id, day, slot) DO NOTHING
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _next_prefix(prefix: str) -> str | None:
    from fangkong.core.codes import next_prefix

    return next_prefix(prefix)


def _temperature(value: object) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise _invalid("temperature", _("Enter the temperature, e.g. 36.5.")) from None
    if not Decimal(34) <= number <= Decimal(43):
        raise _invalid("temperature", _("A temperature between 34 and 43 °C."))
    return number


@transaction.atomic
def followup_record(
    *,
    scope: Scope,
    followup: FollowUp,
    temperature: object,
    symptoms: Iterable[str] = (),
    services: Iterable[str] = (),
    note: str = "",
    reported_by: Person | None = None,
    now: dt.datetime | None = None,
) -> FollowUp:
    """One slot of the day recorded (四个一): temperature, symptoms, the services done.
    A fever (≥ the threshold) or any symptom raises an alert and a transfer task to the
    fever clinic, and the care team is told."""
    if not selectors.may_record(scope=scope, followup=followup):
        scope.require(Perm.FOLLOWUP_RECORD, at=followup.jurisdiction_code)
        raise NotFound(_("Not found."))
    done = set(services)
    if done - set(rules.SERVICE_CODES):
        raise _invalid("services", _("Unknown service."))
    if reported_by is not None:
        person = Person.objects.filter(pk=followup.person_id).only("household_id").first()
        if (
            person is None
            or reported_by.household_id != person.household_id
            or reported_by.household_id is None
        ):
            raise _invalid("reported_by", _("Choose a member of the person's household."))
    return _record(
        scope,
        followup,
        action="control.followup.recorded",
        temperature=temperature,
        symptoms=symptoms,
        services={code: code in done for code in rules.SERVICE_CODES},
        note=note,
        recorded_by_name=actor_display(scope),
        reported_by=reported_by,
        now=now or timezone.now(),
    )


@transaction.atomic
def followup_self_report(
    *,
    reporter: Person,
    followup: FollowUp,
    temperature: object,
    symptoms: Iterable[str] = (),
    note: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """The resident's own report of today's slot, for themselves or a member of their
    household (the head for a child or an elderly parent), from the status page: the
    same checks, alert and transfer as the care team's record, but never the four
    services (四个一 stay the care team's to tick). Anybody outside the household
    gets "not found", whether the slot exists or not."""
    now = now or timezone.now()
    if not selectors.resident_may_report(reporter=reporter, followup=followup):
        raise NotFound(_("Not found."))
    if followup.status == FollowUp.Status.DONE:
        raise ApplicationError(_("This report has been sent already; thank you."))
    if followup.day != timezone.localdate(now):
        raise ApplicationError(
            _("This report is not for today: send today's from your status page.")
        )
    if not ControlOrder.objects.filter(
        pk=followup.order_id, status=ControlOrder.Status.ACTIVE
    ).exists():
        raise ApplicationError(_("The control measure is no longer in force: no report is needed."))
    scope = Scope.system(reason="resident self-report", code=followup.jurisdiction_code)
    return _record(
        scope,
        followup,
        action="control.followup.self_reported",
        temperature=temperature,
        symptoms=symptoms,
        services=None,
        note=note,
        recorded_by_name=reporter.name,
        reported_by=reporter,
        now=now,
    )


def _record(
    scope: Scope,
    followup: FollowUp,
    *,
    action: str,
    temperature: object,
    symptoms: Iterable[str],
    services: dict[str, bool] | None,
    note: str,
    recorded_by_name: str,
    reported_by: Person | None,
    now: dt.datetime,
) -> FollowUp:
    """The record itself, by the care team or the resident: the slot locked and checked,
    the values, the audit entry, and for a fever or a symptom the alert, the transfer
    task and the message to the care team. `services` None leaves them as they are."""
    locked = FollowUp.objects.select_for_update().select_related("order").get(pk=followup.pk)
    if locked.status == FollowUp.Status.DONE:
        raise ApplicationError(_("This follow-up has been recorded already."))
    if locked.order.status != ControlOrder.Status.ACTIVE:
        raise ApplicationError(_("This order is not in force."))
    if locked.day > timezone.localdate(now):
        raise ApplicationError(_("This follow-up is not due yet."))
    degrees = _temperature(temperature)
    if degrees is None:
        raise _invalid("temperature", _("Enter the temperature, e.g. 36.5."))
    codes = sorted(set(symptoms))
    if set(codes) - rules.SYMPTOM_CODES:
        raise _invalid("symptoms", _("Unknown symptom."))
    locked.status = FollowUp.Status.DONE
    locked.temperature = degrees
    locked.symptoms = codes
    if services is not None:
        locked.services = services
    locked.note = _text(note, field="note", limit=200)
    locked.recorded_at, locked.recorded_by_id = now, scope.actor_id
    locked.recorded_by_name = recorded_by_name
    locked.reported_by_person = reported_by
    locked.save()
    data: dict[str, object] = {
        "temperature": str(degrees),
        "symptoms": codes,
        "slot": locked.slot,
    }
    if reported_by is not None:
        data["reported_by"] = reported_by.pk
    audit.record(scope, action, locked, data=data)
    fever = degrees >= rules.fever_threshold()
    if fever or codes:
        kind = Alert.Kind.FEVER if fever else Alert.Kind.SYMPTOMS
        labels = dict(rules.SYMPTOMS)
        summary = _("%(temperature)s °C at the follow-up of %(day)s #%(slot)s") % {
            "temperature": degrees,
            "day": locked.day.strftime("%m-%d"),
            "slot": locked.slot,
        }
        if codes:
            summary += "; " + "、".join(str(labels[c]) for c in codes)
        alert = _raise_alert(
            kind=kind,
            order=locked.order,
            person_id=locked.person_id,
            source_ref=f"control.followup:{locked.pk}",
            summary=summary,
            now=now,
        )
        if alert is not None:
            TransferTask.objects.create(
                alert=alert,
                order=locked.order,
                person_id=locked.person_id,
                jurisdiction_code=locked.jurisdiction_code,
                created_at=now,
            )
            audit.record(scope, "control.alert.raised", alert, data={"kind": kind})
            _notify_after_commit([alert])
    return locked


# --- Overdue and escalation --------------------------------------------------------------------


@dataclass
class SweepResult:
    overdue: int = 0
    alerts_raised: int = 0
    escalated: int = 0


@transaction.atomic
def mark_overdue(*, now: dt.datetime) -> tuple[int, int]:
    """Slots not recorded by their hour become overdue (脱管/漏管) and each raises a
    follow-up-missed alert at community level. Returns (slots marked, alerts raised)."""
    today = timezone.localdate(now)
    late = Q(day__lt=today)
    passed = selectors.passed_slots(today, now)
    if passed:
        late |= Q(day=today, slot__in=passed)
    due = FollowUp.objects.filter(
        late, status=FollowUp.Status.DUE, order__status=ControlOrder.Status.ACTIVE
    )
    rows = list(
        due.select_for_update().values_list(
            "pk", "order_id", "person_id", "jurisdiction_code", "day", "slot"
        )
    )
    if not rows:
        return 0, 0
    FollowUp.objects.filter(pk__in=[r[0] for r in rows]).update(status=FollowUp.Status.OVERDUE)
    alerts = [
        Alert(
            kind=Alert.Kind.FOLLOWUP_OVERDUE,
            jurisdiction_code=code,
            order_id=order_id,
            person_id=person_id,
            source_ref=f"control.followup:{pk}",
            summary=_("Follow-up of %(day)s #%(slot)s not recorded by %(hour)s")
            % {
                "day": day.strftime("%m-%d"),
                "slot": slot,
                "hour": timezone.localtime(rules.due_at(day, slot)).strftime("%H:%M"),
            },
            raised_at=now,
        )
        for pk, order_id, person_id, code, day, slot in rows
    ]
    before = Alert.objects.filter(kind=Alert.Kind.FOLLOWUP_OVERDUE).count()
    Alert.objects.bulk_create(alerts, batch_size=2000, ignore_conflicts=True)
    raised = Alert.objects.filter(kind=Alert.Kind.FOLLOWUP_OVERDUE).count() - before
    audit.record(
        Scope.system(reason="follow-ups overdue"),
        "control.followup.overdue",
        object_type="control.followup",
        jurisdiction_code="",
        data={"slots": len(rows), "alerts": raised},
    )
    return len(rows), raised


@transaction.atomic
def escalate_alerts(*, now: dt.datetime) -> int:
    """An alert nobody acknowledges climbs: to the subdistrict after one period
    (FANGKONG_ALERT_ESCALATE_MINUTES), to the district after two. Set-based; the level
    follows from the time raised, so a late run catches up in one step."""
    period = rules.escalate_after()
    climbed = 0
    for level in (Alert.Level.DISTRICT, Alert.Level.SUBDISTRICT):
        climbed += Alert.objects.filter(
            status=Alert.Status.OPEN,
            level__lt=level,
            raised_at__lte=now - period * (level - 1),
        ).update(level=level, escalated_at=now)
    return climbed


def sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """The periodic work: overdue slots, then escalation."""
    now = now or timezone.now()
    overdue, raised = mark_overdue(now=now)
    return SweepResult(overdue=overdue, alerts_raised=raised, escalated=escalate_alerts(now=now))
