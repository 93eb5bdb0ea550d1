"""Labs (检测机构), their devices, boxes received, and results matched by hand.

The results themselves (stored once per (lab, key), applied set-based, the alarm of a
positive pool) are in `results.py` (ADR 0019).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from .. import devices
from ..codes import clean_barcode
from ..models import Device, Lab, LabResult, TransportBox, Tube
from . import results as lab_results
from .selectors import box_is_late


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def device_scope(device: Device) -> Scope:
    """The scope a lab's device acts with: its lab's district, results only."""
    lab = device.lab
    assert lab is not None
    return Scope(
        actor_id=None,
        actor_name=f"{lab.name} · {device.name}"[:150],
        code=lab.jurisdiction_code[:6],
        perms=frozenset({Perm.TESTING_RESULT}),
        can_export=False,
    )


# --- Labs and their devices -------------------------------------------------------------


def lab_create(
    *, scope: Scope, jurisdiction_code: str, name: str, address: str = "", phone: str = ""
) -> Lab:
    scope.require(Perm.TESTING_MANAGE, at=jurisdiction_code)
    if not Jurisdiction.objects.within(scope).filter(code=jurisdiction_code).exists():
        raise _invalid("jurisdiction_code", _("Choose one of your jurisdictions."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    with transaction.atomic():
        lab = Lab.objects.create(
            jurisdiction_code=jurisdiction_code,
            name=name[:100],
            address=address.strip()[:200],
            phone=phone.strip()[:20],
        )
        audit.record(scope, "testing.lab.created", lab)
    return lab


def lab_device_create(*, scope: Scope, lab: Lab, name: str) -> tuple[Device, str]:
    """A phone or PC of the lab (boxes, results); its token is shown this once."""
    return devices.device_create(scope=scope, lab=lab, name=name)


def lab_device_revoke(*, scope: Scope, device: Device) -> Device:
    scope.require(Perm.TESTING_MANAGE, at=device.jurisdiction_code)
    if device.lab_id is None:
        raise Conflict(_("This is not a lab's device."))
    return devices.device_revoke(scope=scope, device=device)


# --- Boxes received -----------------------------------------------------------------------


@dataclass
class Receipt:
    barcode: str
    status: str  # received, duplicate, rejected
    code: str = ""
    message: str = ""
    late: bool = False
    tubes: int = 0
    box: TransportBox | None = None


def box_receive(*, scope: Scope, lab: Lab, barcode: str) -> Receipt:
    """The lab scans a box: the box and its tubes received by the lab. Scanning it
    again is the same receipt (`duplicate`); a box another lab received is refused."""
    scope.require(Perm.TESTING_RESULT, at=lab.jurisdiction_code)
    code = clean_barcode(barcode)
    if code is None:
        return Receipt(
            barcode,
            "rejected",
            "bad_barcode",
            _("This barcode cannot be read: 4 to 40 letters, digits or '-'."),
        )
    now = timezone.now()
    with transaction.atomic():
        boxes = TransportBox.objects.within(scope).filter(barcode=code)
        if connection.features.has_select_for_update:
            boxes = boxes.select_for_update(of=("self",))
        # The same barcode in two rounds: the one still on its way, else the newest.
        candidates = list(boxes.select_related("campaign").order_by("-packed_at", "-pk"))
        if not candidates:
            return Receipt(code, "rejected", "unknown_box", _("No box with this barcode."))
        pending = [b for b in candidates if b.status != TransportBox.Status.RECEIVED]
        box = pending[0] if pending else candidates[0]
        late_hours = box.campaign.late_box_hours
        if box.status == TransportBox.Status.RECEIVED:
            if box.lab_id != lab.pk:
                return Receipt(
                    code,
                    "rejected",
                    "received_elsewhere",
                    _("Another lab has received this box."),
                    box=box,
                )
            return Receipt(
                code,
                "duplicate",
                late=box_is_late(box, late_hours),
                tubes=box.tube_count,
                box=box,
            )
        box.status = TransportBox.Status.RECEIVED
        box.lab = lab
        box.received_at = now
        box.save(update_fields=["status", "lab", "received_at"])
        tubes = Tube.objects.filter(
            box=box, status__in=[Tube.Status.OPEN, Tube.Status.CLOSED, Tube.Status.PACKED]
        ).update(status=Tube.Status.RECEIVED)
        late = box_is_late(box, late_hours)
        audit.record(
            scope,
            "testing.box.received",
            box,
            data={"lab": lab.pk, "late": late, "tubes": tubes, "handed_over": bool(box.handed_at)},
        )
    message = (
        _("Late: more than %(h)d hours after it left the site.") % {"h": late_hours} if late else ""
    )
    return Receipt(code, "received", "late" if late else "", message, late, box.tube_count, box)


# --- Results matched by hand ----------------------------------------------------------------


def result_match(*, scope: Scope, result: LabResult, tube: Tube, reason: str) -> LabResult:
    """Give an unmatched result its tube (a barcode mis-keyed by the lab, a tube found
    later), with a reason; the result is applied to the tube at once."""
    scope.require(Perm.TESTING_RESULT, at=result.jurisdiction_code)
    if not scope.covers(tube.jurisdiction_code):
        raise _invalid("tube", _("This tube is not in your jurisdiction."))
    reason = " ".join(reason.split())
    if len(reason) < 2:
        raise _invalid("reason", _("Give the reason for matching by hand."))
    with transaction.atomic():
        rows = LabResult.objects.filter(pk=result.pk, tube__isnull=True)
        if connection.features.has_select_for_update:
            rows = rows.select_for_update()
        locked = list(rows)
        if not locked:
            raise Conflict(_("This result has been matched already."))
        tubes = Tube.objects.filter(pk=tube.pk)
        if connection.features.has_select_for_update:
            tubes = tubes.select_for_update()
        tube = tubes.get()
        now = timezone.now()
        LabResult.objects.filter(pk=result.pk).update(
            tube=tube, matched_at=now, matched_by_id=scope.actor_id
        )
        applied = lab_results.apply_results([(tube, result.result, result.tested_at)], now=now)
        audit.record(
            scope,
            "testing.result.matched",
            result,
            reason=reason,
            data={"barcode": result.barcode, "tube": tube.barcode, **applied.counts()},
        )
    result.refresh_from_db()
    return result


def results_match_known(*, scope: Scope, limit: int = 500) -> int:
    """Match the unmatched results whose barcode a tube now has (the tube was scanned
    after the lab's result came in) and apply them; returns how many."""
    scope.require(Perm.TESTING_RESULT)
    with transaction.atomic():
        waiting = list(
            LabResult.objects.within(scope)
            .filter(tube__isnull=True)
            .order_by("pk")
            .values_list("pk", "barcode", "result", "tested_at")[:limit]
        )
        if not waiting:
            return 0
        tubes = lab_results._tubes_locked({b for _pk, b, _r, _t in waiting})
        found = [(pk, tubes[b], r, t) for pk, b, r, t in waiting if b in tubes]
        if not found:
            return 0
        now = timezone.now()
        table = LabResult._meta.db_table
        values, params = lab_results._values(
            [(pk, tube.pk) for pk, tube, _r, _t in found], ("bigint", "bigint")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v(id, tube_id) AS (VALUES {values}) UPDATE {table} "
                "SET tube_id = v.tube_id, matched_at = %s, matched_by_id = %s "
                f"FROM v WHERE {table}.id = v.id AND {table}.tube_id IS NULL "
                f"RETURNING {table}.id",
                [*params, lab_results._adapt(now), scope.actor_id],
            )
            matched = len(cursor.fetchall())
        applied = lab_results.apply_results([(t, r, at) for _pk, t, r, at in found], now=now)
        audit.record(
            scope,
            "testing.results.matched_known",
            object_type="testing.labresult",
            object_id="",
            jurisdiction_code=scope.code,
            data={"matched": matched, **applied.counts()},
        )
    return matched
