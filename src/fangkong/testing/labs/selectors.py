"""Reads of the labs area: labs, boxes received, results, the unmatched queue, alarming
pools, a tube with its members (pool -> person) and a person's tubes (person -> pool)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone

from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.masking import mask_name
from fangkong.core.models import AuditEntry, Job, Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404
from fangkong.registry.models import Person

from ..models import (
    ALARMING,
    Campaign,
    Device,
    HomeTask,
    Lab,
    LabResult,
    Sample,
    Target,
    TransportBox,
    Tube,
)

JOB_NAME = "testing.results.import"


def require_any(scope: Scope, *perms: Perm) -> None:
    if not any(scope.has(p) for p in perms):
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("You do not have permission to do this."))


def offices(*, scope: Scope) -> list[tuple[str, str]]:
    """The district and subdistrict offices of the scope a lab may belong to."""
    return [
        (j.code, j.name)
        for j in Jurisdiction.objects.within(scope)
        .annotate(n=Length("code"))
        .filter(n__lte=9, is_active=True)
        .order_by("code")
    ]


def labs(*, scope: Scope) -> QuerySet[Lab]:
    require_any(scope, Perm.TESTING_MANAGE, Perm.TESTING_RESULT)
    return Lab.objects.within(scope).order_by("jurisdiction_code", "name")


def active_labs(*, scope: Scope) -> QuerySet[Lab]:
    return labs(scope=scope).filter(is_active=True)


def lab_get(*, scope: Scope, pk: int) -> Lab:
    require_any(scope, Perm.TESTING_MANAGE, Perm.TESTING_RESULT)
    return get_or_404(Lab.objects.within(scope), pk=pk)


def lab_devices(*, scope: Scope, lab: Lab) -> QuerySet[Device]:
    return Device.objects.within(scope).filter(lab=lab).order_by("revoked_at", "name")


def device_get(*, scope: Scope, pk: int) -> Device:
    scope.require(Perm.TESTING_MANAGE)
    return get_or_404(Device.objects.within(scope).filter(lab__isnull=False), pk=pk)


# --- Boxes ---------------------------------------------------------------------------------


def boxes_received(*, scope: Scope, lab_id: int | None = None) -> QuerySet[TransportBox]:
    scope.require(Perm.TESTING_RESULT)
    boxes = (
        TransportBox.objects.within(scope)
        .filter(status=TransportBox.Status.RECEIVED)
        .select_related("campaign", "site", "lab")
        .order_by("-received_at", "-pk")
    )
    return boxes.filter(lab_id=lab_id) if lab_id else boxes


def boxes_on_the_way(*, scope: Scope) -> QuerySet[TransportBox]:
    scope.require(Perm.TESTING_RESULT)
    return (
        TransportBox.objects.within(scope)
        .filter(
            status__in=[TransportBox.Status.HANDED_OVER, TransportBox.Status.IN_TRANSIT],
            campaign__status=Campaign.Status.OPEN,
        )
        .select_related("campaign", "site")
        .order_by("handed_at", "pk")
    )


# --- Results ---------------------------------------------------------------------------


@dataclass
class ResultFilters:
    lab: int | None = None
    result: str = ""
    barcode: str = ""


def results(*, scope: Scope, filters: ResultFilters | None = None) -> QuerySet[LabResult]:
    scope.require(Perm.TESTING_RESULT)
    f = filters or ResultFilters()
    rows = LabResult.objects.within(scope).select_related("lab", "tube")
    if f.lab:
        rows = rows.filter(lab_id=f.lab)
    if f.result:
        rows = rows.filter(result=f.result)
    if f.barcode:
        rows = rows.filter(barcode__startswith=f.barcode.strip().upper())
    return rows.order_by("-received_at", "-pk")


def unmatched(*, scope: Scope) -> QuerySet[LabResult]:
    scope.require(Perm.TESTING_RESULT)
    return (
        LabResult.objects.within(scope)
        .filter(tube__isnull=True)
        .select_related("lab")
        .order_by("received_at", "pk")
    )


def unmatched_get(*, scope: Scope, pk: int) -> LabResult:
    scope.require(Perm.TESTING_RESULT)
    return get_or_404(LabResult.objects.within(scope).select_related("lab"), pk=pk)


def known_barcodes(*, barcodes: list[str]) -> set[str]:
    """Which of these barcodes a tube has now (for the queue's "tube found" mark)."""
    return set(Tube.objects.filter(barcode__in=barcodes).values_list("barcode", flat=True))


def tube_by_barcode(*, scope: Scope, barcode: str) -> Tube:
    return get_or_404(Tube.objects.within(scope), barcode=barcode.strip().upper())


def import_get(*, scope: Scope, pk: int) -> Job:
    scope.require(Perm.TESTING_RESULT)
    return get_or_404(Job.objects.within(scope).filter(kind=Job.Kind.IMPORT, name=JOB_NAME), pk=pk)


# --- Pools and people ----------------------------------------------------------------------


def _tube_visible(scope: Scope) -> Q:
    """A tube is seen by the office of its site and by those of its members."""
    members = Sample.objects.filter(code_range_q(scope.code)).values("tube_id")
    return code_range_q(scope.code) | Q(pk__in=members)


def tube_get(*, scope: Scope, pk: int) -> Tube:
    require_any(scope, Perm.TESTING_VIEW, Perm.TESTING_RESULT)
    return get_or_404(
        Tube.objects.filter(_tube_visible(scope)).select_related("campaign", "site", "box__lab"),
        pk=pk,
    )


@dataclass
class Member:
    person_id: int
    name: str  # masked
    in_scope: bool
    jurisdiction_code: str
    scanned_at: dt.datetime
    result: str = ""
    locked: bool = False
    locked_reason: str = ""
    retest: str = ""  # the open or closed retest task's status, "" when none
    retest_task: int | None = None


def tube_members(*, scope: Scope, tube: Tube) -> list[Member]:
    """The tube's members, masked; a member of another jurisdiction only as a count."""
    samples = list(
        Sample.objects.filter(tube=tube).values("person_id", "jurisdiction_code", "scanned_at")
    )
    ids = [s["person_id"] for s in samples]
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    targets = {
        t["person_id"]: t
        for t in Target.objects.filter(campaign_id=tube.campaign_id, person_id__in=ids).values(
            "person_id", "result", "locked", "locked_reason"
        )
    }
    tasks = {
        pid: (status, pk)
        for pid, status, pk in HomeTask.objects.filter(
            campaign_id=tube.campaign_id, person_id__in=ids, reason=HomeTask.Reason.RETEST
        )
        .order_by("created_at", "pk")
        .values_list("person_id", "status", "pk")
    }
    out = []
    for s in samples:
        pid = s["person_id"]
        t: dict[str, Any] = dict(targets.get(pid, {}))
        in_scope = scope.covers(s["jurisdiction_code"])
        task = tasks.get(pid)
        out.append(
            Member(
                person_id=pid,
                name=mask_name(names.get(pid, "")) if in_scope else "",
                in_scope=in_scope,
                jurisdiction_code=s["jurisdiction_code"],
                scanned_at=s["scanned_at"],
                result=t.get("result", ""),
                locked=t.get("locked", False),
                locked_reason=t.get("locked_reason", "") if in_scope else "",
                retest=task[0] if task else "",
                retest_task=task[1] if task else None,
            )
        )
    return out


@dataclass
class Event:
    at: dt.datetime
    what: str
    who: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def tube_results(*, tube: Tube) -> QuerySet[LabResult]:
    return LabResult.objects.filter(tube=tube).select_related("lab").order_by("received_at", "pk")


def tube_alarm(*, tube: Tube) -> dict[str, Any] | None:
    """What the alarm of the pool did (audited): members, orders proposed or refused."""
    entry = (
        AuditEntry.objects.filter(
            object_type="testing.tube", object_id=str(tube.pk), action="testing.tube.alarm"
        )
        .order_by("-at", "-pk")
        .values("at", "data")
        .first()
    )
    return dict(entry) if entry else None


def tube_history(*, tube: Tube) -> list[Event]:
    events = [Event(tube.opened_at, "opened")]
    if tube.closed_at:
        events.append(Event(tube.closed_at, "closed"))
    box = tube.box
    if box is not None:
        events.append(Event(box.packed_at, "packed", data={"box": box.barcode}))
        if box.handed_at:
            events.append(Event(box.handed_at, "handed_over", box.transporter))
        if box.received_at:
            events.append(Event(box.received_at, "received", box.lab.name if box.lab else ""))
    for r in tube_results(tube=tube):
        events.append(
            Event(r.received_at, "result", r.lab.name, {"result": r.result, "ct": r.ct_values})
        )
    for entry in AuditEntry.objects.filter(
        object_type="testing.tube", object_id=str(tube.pk)
    ).values("at", "action", "actor_name"):
        events.append(Event(entry["at"], entry["action"], entry["actor_name"]))
    events.sort(key=lambda e: e.at)
    return events


@dataclass
class Pool:
    tube: Tube
    members: int = 0
    retested: int = 0  # members no longer locked (a single-tube retest came back)
    tasks_open: int = 0


def alarming_pools(*, scope: Scope) -> QuerySet[Tube]:
    require_any(scope, Perm.TESTING_VIEW, Perm.TESTING_RESULT)
    return (
        Tube.objects.filter(_tube_visible(scope), result__in=ALARMING)
        .select_related("campaign", "site")
        .order_by("-resulted_at", "-pk")
    )


def pool_counts(*, tubes: list[Tube]) -> list[Pool]:
    """Members, retested and open retest tasks of a page of pools (three queries)."""
    ids = [t.pk for t in tubes]
    members: dict[int, list[tuple[int, int]]] = {}
    for tube_id, campaign_id, person_id in Sample.objects.filter(tube_id__in=ids).values_list(
        "tube_id", "campaign_id", "person_id"
    ):
        members.setdefault(tube_id, []).append((campaign_id, person_id))
    people = {p for ms in members.values() for p in ms}
    locked = set(
        Target.objects.filter(
            campaign_id__in={c for c, _p in people},
            person_id__in={p for _c, p in people},
            locked=True,
        ).values_list("campaign_id", "person_id")
    )
    open_tasks = set(
        HomeTask.objects.filter(
            source_tube_id__in=ids,
            reason=HomeTask.Reason.RETEST,
            status=HomeTask.Status.OPEN,
        ).values_list("source_tube_id", "person_id")
    )
    out = []
    for t in tubes:
        ms = members.get(t.pk, [])
        out.append(
            Pool(
                tube=t,
                members=len(ms),
                retested=sum(1 for m in ms if m not in locked),
                tasks_open=sum(1 for _c, p in ms if (t.pk, p) in open_tasks),
            )
        )
    return out


def person_samples(person_id: int, *, campaign_id: int | None = None) -> list[dict[str, Any]]:
    """A person's samples, newest first, with their tube (person -> pool): for the
    person file's timeline and the person's page. Not scoped: the caller has checked
    that the person is within its scope."""
    rows = Sample.objects.filter(person_id=person_id).select_related("tube", "site", "campaign")
    if campaign_id is not None:
        rows = rows.filter(campaign_id=campaign_id)
    return [
        {
            "campaign_id": s.campaign_id,
            "campaign": s.campaign.name,
            "site": s.site.name,
            "tube_id": s.tube_id,
            "tube": s.tube.barcode,
            "pool_size": s.tube.pool_size,
            "is_retest": s.tube.is_retest,
            "scanned_at": s.scanned_at,
            "result": s.tube.result,
            "resulted_at": s.tube.resulted_at,
        }
        for s in rows.order_by("-scanned_at", "-pk")
    ]


def box_started(box: TransportBox) -> dt.datetime:
    """When the box left the site: handed over (or picked up, or packed)."""
    return box.handed_at or box.picked_up_at or box.packed_at


def box_is_late(box: TransportBox, late_hours: int, now: dt.datetime | None = None) -> bool:
    """Received (or, not yet received, still on its way) more than the campaign's
    late_box_hours after it left the site."""
    end = box.received_at or now or timezone.now()
    return end - box_started(box) > dt.timedelta(hours=late_hours)


def late_flags(boxes: list[TransportBox], now: dt.datetime | None = None) -> dict[int, bool]:
    now = now or timezone.now()
    return {b.pk: box_is_late(b, b.campaign.late_box_hours, now) for b in boxes}


def person_get(*, scope: Scope, pk: int) -> Person:
    require_any(scope, Perm.TESTING_VIEW, Perm.TESTING_RESULT)
    person = Person.objects.within(scope).filter(pk=pk).first()
    if person is None:
        raise NotFound("person")
    return person
