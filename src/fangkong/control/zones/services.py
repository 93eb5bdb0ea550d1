"""Every write of the control zones: mark a compound (or some of its buildings) as a
zone, change its planned end, lift it (signed: who, when, why; a lifted zone is locked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.control.models import ControlZone
from fangkong.core import audit
from fangkong.core.errors import ApplicationError, FieldError, NotFound
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Building, Compound

MIN_REASON = 2


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _actor(scope: Scope) -> str:
    if scope.actor_id is None:
        return scope.actor_name
    full = User.objects.filter(pk=scope.actor_id).values_list("full_name", flat=True).first()
    return full or scope.actor_name


def _reason(text: str, field: str = "reason", limit: int = 500) -> str:
    value = " ".join((text or "").split())
    if len(value) < MIN_REASON:
        raise _invalid(field, _("Give the reason."))
    return value[:limit]


@transaction.atomic
def zone_create(
    *,
    scope: Scope,
    compound: Compound,
    kind: str,
    starts_on: dt.date,
    planned_end: dt.date | None,
    reason: str,
    buildings: Sequence[Building] = (),
) -> ControlZone:
    scope.require(Perm.ZONE_MANAGE, at=compound.jurisdiction_code)
    if kind not in ControlZone.Kind.values:
        raise _invalid("kind", _("Choose the kind of zone."))
    if planned_end is not None and planned_end < starts_on:
        raise _invalid("planned_end", _("The planned end is before the start."))
    text = _reason(reason)
    chosen = list(buildings)
    if any(b.compound_id != compound.pk for b in chosen):
        raise NotFound(_("Not found."))
    actor = _actor(scope)
    zone = ControlZone.objects.create(
        jurisdiction_code=compound.jurisdiction_code,
        kind=kind,
        compound=compound,
        starts_on=starts_on,
        planned_end=planned_end,
        reason=text,
        created_by_id=scope.actor_id,
        created_by_name=actor,
        created_at=timezone.now(),
    )
    if chosen:
        zone.buildings.set(chosen)
    audit.record(
        scope,
        "control.zone.created",
        zone,
        reason=text,
        data={
            "kind": kind,
            "compound": compound.pk,
            "buildings": [b.pk for b in chosen],
            "starts_on": starts_on,
            "planned_end": planned_end,
        },
    )
    return zone


def _locked_active(zone: ControlZone) -> ControlZone:
    locked = ControlZone.objects.select_for_update().get(pk=zone.pk)
    if locked.status == ControlZone.Status.LIFTED:
        raise ApplicationError(_("This zone has been lifted; it can no longer be changed."))
    return locked


@transaction.atomic
def zone_set_planned_end(
    *, scope: Scope, zone: ControlZone, planned_end: dt.date | None, reason: str
) -> ControlZone:
    scope.require(Perm.ZONE_MANAGE, at=zone.jurisdiction_code)
    zone = _locked_active(zone)
    if planned_end is not None and planned_end < zone.starts_on:
        raise _invalid("planned_end", _("The planned end is before the start."))
    text = _reason(reason)
    before = zone.planned_end
    zone.planned_end = planned_end
    zone.save(update_fields=["planned_end"])
    audit.record(
        scope,
        "control.zone.planned_end_changed",
        zone,
        reason=text,
        data={"from": before, "to": planned_end},
    )
    return zone


@transaction.atomic
def zone_lift(*, scope: Scope, zone: ControlZone, reason: str) -> ControlZone:
    """解封: signed by the officer (who, when, why); the lifted zone is locked."""
    scope.require(Perm.ZONE_MANAGE, at=zone.jurisdiction_code)
    zone = _locked_active(zone)
    text = _reason(reason)
    zone.status = ControlZone.Status.LIFTED
    zone.lifted_at = timezone.now()
    zone.lifted_by_id = scope.actor_id
    zone.lifted_by_name = _actor(scope)
    zone.lift_reason = text
    zone.save(update_fields=["status", "lifted_at", "lifted_by", "lifted_by_name", "lift_reason"])
    audit.record(scope, "control.zone.lifted", zone, reason=text, data={"kind": zone.kind})
    return zone
