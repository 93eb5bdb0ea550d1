"""The scans' ingest: one idempotent, set-based transaction per batch (ADR 0018).

`scans_ingest(device=…, campaign=…, scans=[…])` stores a device's batch and answers every
scan, in the order sent, only once the transaction has committed:

1. claim the batch's client ids (`INSERT … ON CONFLICT DO NOTHING RETURNING`): the ids
   already stored are duplicates and are answered from their receipt; a second copy of
   the batch sent at the same moment waits on the first one's rows and then finds them;
2. read, for the whole batch at once, the tubes (locked), the people behind the codes,
   their targets and who of them is already in these tubes;
3. decide every scan in order, in Python, against that state (the rules below);
4. write, one statement each: new tubes, samples, tube counts, targets marked sampled,
   people sampled outside the population, the coverage counters, samples per site and
   hour, boxes, and the outcome of the scans that were refused or warned.

About a dozen statements whether the batch has 1 scan or 200. Locks are taken in one
order (receipts, tubes, targets, counters, site hours), each set sorted, so that two
batches never wait on each other in a circle.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.registry.models import Person

from ..codes import CodeError, clean_barcode, parse_person_code
from ..models import (
    DOOR_TO_DOOR_EXEMPTIONS,
    Campaign,
    Card,
    Coverage,
    Device,
    Sample,
    ScanReceipt,
    SiteHour,
    Target,
    TransportBox,
    Tube,
    Zone,
)
from ..rules import one_household_per_tube, pool_size

MAX_SCANS = 200
# A device's clock may run ahead a little; a scan further in the future is refused.
CLOCK_SKEW = dt.timedelta(minutes=10)
KIND_ORDER = ("open", "sample", "close", "pack", "handover", "pickup")


@dataclass
class ScanIn:
    id: str
    kind: str
    at: dt.datetime
    tube: str = ""
    code: str = ""
    box: str = ""
    single: bool = False
    repeat_reason: str = ""
    transporter: str = ""


@dataclass
class ScanAnswer:
    id: str
    status: str  # stored, duplicate, rejected
    outcome: str  # stored, warned, rejected
    code: str = ""
    message: str = ""
    tube: str = ""
    count: int | None = None


@dataclass
class _Batch:
    """What the batch reads once and then decides against."""

    campaign: Campaign
    device: Device
    now: dt.datetime
    tubes: dict[str, Tube] = field(default_factory=dict)  # by barcode
    new_tubes: list[Tube] = field(default_factory=list)
    tube_delta: Counter[int] = field(default_factory=Counter)
    # By id() of the Tube object (new tubes have no pk yet): person ids, households.
    members: dict[int, set[int]] = field(default_factory=dict)
    households: dict[int, set[int | None]] = field(default_factory=dict)
    persons: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    targets: dict[int, dict[str, Any]] = field(default_factory=dict)  # person id -> row
    samples: list[Sample] = field(default_factory=list)
    sampled: dict[int, dt.datetime] = field(default_factory=dict)  # targets to mark
    outside: list[dict[str, Any]] = field(default_factory=list)
    coverage: Counter[tuple[str, int, int | None, str]] = field(default_factory=Counter)
    hours: Counter[dt.datetime] = field(default_factory=Counter)
    closed: dict[int, dt.datetime] = field(default_factory=dict)
    boxes: dict[str, TransportBox] = field(default_factory=dict)
    changed_boxes: set[str] = field(default_factory=set)
    packed: dict[int, str] = field(default_factory=dict)  # tube id -> box barcode


class _No(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


def _messages() -> dict[str, str]:
    return {
        "bad_id_number": _("The identity number is not valid."),
        "bad_card": _("This is not a testing card's code."),
        "unknown_card": _("This card is not valid (voided or unknown): issue a new card."),
        "unknown_person": _("Nobody with this identity number is registered."),
        "already_sampled": _("Already sampled in this round."),
        "already_in_tube": _("Already in this tube."),
        "tube_used": _("This tube has been used already."),
        "tube_not_open": _("This tube is not open: scan the tube first."),
        "tube_full": _("The tube is full."),
        "other_household": _("This tube is for one household only."),
        "sealed_zone_single": _("A resident of a sealed zone is sampled in a single tube."),
        "bad_barcode": _("This barcode cannot be read: 4 to 40 letters, digits or '-'."),
        "unknown_box": _("No box with this barcode."),
        "box_received": _("This box has already been handed over or received."),
        "campaign_not_open": _("The campaign is not open for sampling."),
        "bad_time": _("The device's clock is wrong: set the date and time and scan again."),
        "bad_kind": _("Unknown kind of scan."),
        "outside_target": _("Not in this round's population: sampled and marked."),
    }


def scans_ingest(*, device: Device, campaign: Campaign, scans: list[ScanIn]) -> list[ScanAnswer]:
    """Store a batch; answers in the order sent (after COMMIT when called outside a
    transaction, as the API does)."""
    if len(scans) > MAX_SCANS:
        raise ValueError(f"at most {MAX_SCANS} scans per batch")
    now = timezone.now()
    messages = _messages()
    first: dict[str, ScanIn] = {}
    for scan in scans:
        first.setdefault(scan.id, scan)
    with transaction.atomic():
        claimed = _claim(campaign, device, list(first.values()), now)
        answers: dict[str, ScanAnswer] = {}
        dup_ids = [i for i in first if i not in claimed]
        if dup_ids:
            for cid, outcome, code, message in ScanReceipt.objects.filter(
                campaign=campaign, client_id__in=dup_ids
            ).values_list("client_id", "outcome", "code", "message"):
                answers[cid] = ScanAnswer(cid, "duplicate", outcome, code, message)
        new = [first[i] for i in first if i in claimed]
        if new:
            batch = _Batch(campaign=campaign, device=device, now=now)
            decided = _decide(batch, new, messages)
            _write(batch)
            refused = [a for a in decided.values() if a.outcome != ScanReceipt.Outcome.STORED]
            if refused:
                _mark_receipts(campaign, refused)
            answers.update(decided)
    out = []
    for scan in scans:
        answer = answers[scan.id]
        if scan is not first[scan.id]:  # the same id twice in one batch
            answer = ScanAnswer(scan.id, "duplicate", answer.outcome, answer.code, answer.message)
        if not answer.tube:
            answer.tube = scan.tube
        out.append(answer)
    return out


def _claim(campaign: Campaign, device: Device, scans: list[ScanIn], now: dt.datetime) -> set[str]:
    table = ScanReceipt._meta.db_table
    rows = sorted(scans, key=lambda s: s.id)
    values = ", ".join(["(%s, %s, %s, %s, 'stored', '', '', %s)"] * len(rows))
    params: list[Any] = []
    for scan in rows:
        kind = scan.kind if scan.kind in ScanReceipt.Kind.values else "sample"
        params += [campaign.pk, scan.id, kind, device.pk, _adapt(now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, client_id, kind, device_id, outcome, code, "
            f"message, stored_at) VALUES {values} "
            "ON CONFLICT (campaign_id, client_id) DO NOTHING RETURNING client_id",
            params,
        )
        return {row[0] for row in cursor.fetchall()}


def _mark_receipts(campaign: Campaign, answers: list[ScanAnswer]) -> None:
    table = ScanReceipt._meta.db_table
    rows = sorted(answers, key=lambda a: a.id)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for a in rows:
        params += [a.id, a.outcome, a.code, a.message[:200]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v(cid, outcome, code, message) AS (VALUES {values}) "
            f"UPDATE {table} SET outcome = v.outcome, code = v.code, message = v.message "
            f"FROM v WHERE {table}.campaign_id = %s AND {table}.client_id = v.cid",
            [*params, campaign.pk],
        )


# --- Reading the batch's state ------------------------------------------------------------


def _in(values: Any) -> str:
    return ", ".join(["%s"] * len(values))


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Raw SQL on the hot path: an ORM query costs more Python to compile than the
    database spends on these indexed lookups (ADR 0020)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


_TUBE_COLUMNS = (
    "id", "campaign_id", "barcode", "site_id", "jurisdiction_code", "pool_size", "count",
    "status", "box_id",
)  # fmt: skip
_TARGET_COLUMNS = (
    "person_id", "jurisdiction_code", "building_id", "compound_id", "household_id",
    "exemption", "zone", "outside", "sampled_at",
)  # fmt: skip


def _read(batch: _Batch, scans: list[ScanIn]) -> None:
    campaign_id = batch.campaign.pk
    barcodes = sorted({b for s in scans if (b := clean_barcode(s.tube))})
    if barcodes:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        for row in _rows(
            f"SELECT {', '.join(_TUBE_COLUMNS)} FROM {Tube._meta.db_table} "
            f"WHERE barcode IN ({_in(barcodes)}) ORDER BY barcode{lock}",
            barcodes,
        ):
            tube = Tube(**dict(zip(_TUBE_COLUMNS, row, strict=True)))
            tube._state.adding = False
            batch.tubes[tube.barcode] = tube
        mine = {t.pk: t for t in batch.tubes.values() if t.campaign_id == campaign_id}
        if mine and any(s.kind == "sample" for s in scans):
            for tube_id, person_id in _rows(
                f"SELECT tube_id, person_id FROM {Sample._meta.db_table} "
                f"WHERE tube_id IN ({_in(mine)})",
                list(mine),
            ):
                batch.members.setdefault(id(mine[tube_id]), set()).add(person_id)
    box_codes = sorted({b for s in scans if (b := clean_barcode(s.box))})
    if box_codes:
        boxes = TransportBox.objects.filter(campaign=batch.campaign, barcode__in=box_codes)
        if connection.features.has_select_for_update:
            boxes = boxes.select_for_update()
        batch.boxes = {b.barcode: b for b in boxes.order_by("barcode")}
    # People behind the codes: identity numbers on their unique index, cards on theirs.
    id_numbers: set[str] = set()
    tokens: set[str] = set()
    for scan in scans:
        if scan.kind != "sample":
            continue
        try:
            code = parse_person_code(scan.code)
        except CodeError:
            continue
        (id_numbers if code.kind == "id" else tokens).add(code.value)
    by_card: dict[str, int] = {}
    if tokens:
        by_card = dict(
            _rows(
                f"SELECT token, person_id FROM {Card._meta.db_table} "
                f"WHERE token IN ({_in(tokens)}) AND voided_at IS NULL",
                sorted(tokens),
            )
        )
    if id_numbers or by_card:
        where = []
        params: list[Any] = []
        if id_numbers:
            where.append(f"id_number IN ({_in(id_numbers)})")
            params += sorted(id_numbers)
        if by_card:
            where.append(f"id IN ({_in(by_card)})")
            params += list(by_card.values())
        by_pk: dict[int, dict[str, Any]] = {
            row[0]: {
                "pk": row[0],
                "id_number": row[1],
                "jurisdiction_code": row[2],
                "household_id": row[3],
            }
            for row in _rows(
                "SELECT id, id_number, jurisdiction_code, household_id FROM "
                f"{Person._meta.db_table} WHERE {' OR '.join(where)}",
                params,
            )
        }
        for p in by_pk.values():
            if p["id_number"]:
                batch.persons[("id", p["id_number"])] = p
        for token, person_id in by_card.items():
            if person_id in by_pk:
                batch.persons[("card", token)] = by_pk[person_id]
        if by_pk:
            batch.targets = {
                row[0]: dict(zip(_TARGET_COLUMNS, row, strict=True))
                for row in _rows(
                    f"SELECT {', '.join(_TARGET_COLUMNS)} FROM {Target._meta.db_table} "
                    f"WHERE campaign_id = %s AND person_id IN ({_in(by_pk)})",
                    [campaign_id, *by_pk],
                )
            }
    # Households already in the batch's tubes (one-household tubes of sealed zones).
    if batch.members and one_household_per_tube(batch.campaign.rules, Zone.SEALED):
        all_members = sorted({p for ms in batch.members.values() for p in ms})
        households = dict(
            _rows(
                f"SELECT person_id, household_id FROM {Target._meta.db_table} "
                f"WHERE campaign_id = %s AND person_id IN ({_in(all_members)})",
                [campaign_id, *all_members],
            )
        )
        for key, ms in batch.members.items():
            batch.households[key] = {households.get(p) for p in ms}


# --- Deciding -------------------------------------------------------------------------------


def _decide(batch: _Batch, scans: list[ScanIn], messages: dict[str, str]) -> dict[str, ScanAnswer]:
    _read(batch, scans)
    answers: dict[str, ScanAnswer] = {}
    campaign = batch.campaign
    is_open = campaign.status == Campaign.Status.OPEN
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    for scan in sorted(scans, key=lambda s: order.get(s.kind, len(order))):
        try:
            if scan.kind not in order:
                raise _No("bad_kind", messages["bad_kind"])
            if not is_open and scan.kind in ("open", "sample"):
                raise _No("campaign_not_open", messages["campaign_not_open"])
            too_late = scan.at > batch.now + CLOCK_SKEW
            if too_late or scan.at < campaign.starts_at - dt.timedelta(days=1):
                raise _No("bad_time", messages["bad_time"])
            answer = _HANDLERS[scan.kind](batch, scan, messages)
        except _No as no:
            answer = ScanAnswer(scan.id, "rejected", "rejected", no.code, no.message)
        answers[scan.id] = answer
    return answers


def _tube_of(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> Tube:
    barcode = clean_barcode(scan.tube)
    if barcode is None:
        raise _No("bad_barcode", messages["bad_barcode"])
    tube = batch.tubes.get(barcode)
    if tube is None:
        raise _No("tube_not_open", messages["tube_not_open"])
    if tube.campaign_id != batch.campaign.pk:
        raise _No("tube_used", messages["tube_used"])
    return tube


def _open(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> ScanAnswer:
    barcode = clean_barcode(scan.tube)
    if barcode is None:
        raise _No("bad_barcode", messages["bad_barcode"])
    site = batch.device.site
    assert site is not None
    tube = batch.tubes.get(barcode)
    if tube is not None:
        # Opening again the tube this site has open (a reloaded page) is harmless.
        if (
            tube.campaign_id == batch.campaign.pk
            and tube.site_id == site.pk
            and tube.status == Tube.Status.OPEN
        ):
            return ScanAnswer(scan.id, "stored", "stored", tube=barcode, count=_count(batch, tube))
        raise _No("tube_used", messages["tube_used"])
    size = 1 if scan.single else pool_size(batch.campaign.rules, site.area)
    tube = Tube(
        campaign=batch.campaign,
        barcode=barcode,
        site=site,
        jurisdiction_code=site.jurisdiction_code,
        pool_size=size,
        count=0,
        status=Tube.Status.OPEN,
        opened_at=scan.at,
        is_retest=scan.single,
    )
    batch.tubes[barcode] = tube
    batch.new_tubes.append(tube)
    return ScanAnswer(scan.id, "stored", "stored", tube=barcode, count=0)


def _count(batch: _Batch, tube: Tube) -> int:
    return tube.count + batch.tube_delta[id(tube)]


def _sample(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> ScanAnswer:
    try:
        code = parse_person_code(scan.code)
    except CodeError as exc:
        if exc.code == "bad_id_number":
            raise _No(exc.code, f"{messages['bad_id_number']} {exc.message}") from None
        raise _No(exc.code, messages.get(exc.code, messages["bad_card"])) from None
    tube = _tube_of(batch, scan, messages)
    if tube.status != Tube.Status.OPEN:
        raise _No("tube_not_open", messages["tube_not_open"])
    person = batch.persons.get((code.kind, code.value))
    if person is None:
        key = "unknown_card" if code.kind == "card" else "unknown_person"
        raise _No(key, messages[key])
    pid = person["pk"]
    members = batch.members.setdefault(id(tube), set())
    if pid in members:
        raise _No("already_in_tube", messages["already_in_tube"])
    target = batch.targets.get(pid)
    reason = scan.repeat_reason.strip()[:200]
    already = (target is not None and target["sampled_at"] is not None) or pid in batch.sampled
    if already and not reason:
        raise _No("already_sampled", messages["already_sampled"])
    rules = batch.campaign.rules
    zone = target["zone"] if target else ""
    if zone == Zone.SEALED and tube.pool_size > pool_size(rules, Zone.SEALED):
        raise _No("sealed_zone_single", messages["sealed_zone_single"])
    household = target["household_id"] if target else person["household_id"]
    if zone == Zone.SEALED and one_household_per_tube(rules, Zone.SEALED):
        hhs = batch.households.setdefault(id(tube), set())
        if hhs and hhs != {household}:
            raise _No("other_household", messages["other_household"])
        hhs.add(household)
    count = _count(batch, tube)
    if count + 1 > tube.pool_size:
        raise _No("tube_full", messages["tube_full"])
    # Accepted.
    batch.tube_delta[id(tube)] += 1
    members.add(pid)
    site = batch.device.site
    assert site is not None
    outside = target is None or target["outside"]
    counted = target is not None and (
        target["exemption"] == "" or target["exemption"] in DOOR_TO_DOOR_EXEMPTIONS
    )
    batch.samples.append(
        Sample(
            campaign=batch.campaign,
            client_id=scan.id,
            tube=tube,
            person_id=pid,
            jurisdiction_code=(target or person)["jurisdiction_code"],
            site_id=site.pk,
            device_id=batch.device.pk,
            code_kind=code.kind,
            outside=outside,
            repeat_reason=reason if already else "",
            scanned_at=scan.at,
            stored_at=batch.now,
        )
    )
    hour = timezone.localtime(scan.at).replace(minute=0, second=0, microsecond=0)
    batch.hours[hour] += 1
    if not already:
        if target is None:
            batch.outside.append({"person": person, "at": scan.at})
            batch.coverage[(person["jurisdiction_code"], 0, None, "outside")] += 1
        else:
            batch.sampled[pid] = scan.at
            kind = "sampled" if counted and not target["outside"] else "outside"
            batch.coverage[
                (target["jurisdiction_code"], target["building_id"], target["compound_id"], kind)
            ] += 1
        batch.sampled.setdefault(pid, scan.at)
    if target is None:
        return ScanAnswer(
            scan.id,
            "stored",
            "warned",
            "outside_target",
            messages["outside_target"],
            tube=tube.barcode,
            count=count + 1,
        )
    return ScanAnswer(scan.id, "stored", "stored", tube=tube.barcode, count=count + 1)


def _close(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> ScanAnswer:
    tube = _tube_of(batch, scan, messages)
    if tube.status == Tube.Status.OPEN and id(tube) not in batch.closed:
        batch.closed[id(tube)] = scan.at
    return ScanAnswer(scan.id, "stored", "stored", tube=tube.barcode, count=_count(batch, tube))


def _box(batch: _Batch, scan: ScanIn, messages: dict[str, str], *, create: bool) -> TransportBox:
    barcode = clean_barcode(scan.box)
    if barcode is None:
        raise _No("bad_barcode", messages["bad_barcode"])
    box = batch.boxes.get(barcode)
    if box is None:
        if not create:
            raise _No("unknown_box", messages["unknown_box"])
        site = batch.device.site
        assert site is not None
        box = TransportBox(
            campaign=batch.campaign,
            barcode=barcode,
            site=site,
            jurisdiction_code=site.jurisdiction_code,
            packed_at=scan.at,
        )
        batch.boxes[barcode] = box
    batch.changed_boxes.add(barcode)
    return box


def _pack(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> ScanAnswer:
    tube = _tube_of(batch, scan, messages)
    box = _box(batch, scan, messages, create=True)
    if box.status != TransportBox.Status.PACKING:
        raise _No("box_received", messages["box_received"])
    if tube.status not in (Tube.Status.OPEN, Tube.Status.CLOSED) or tube.box_id:
        if batch.packed.get(id(tube)) == box.barcode or tube.box_id == box.pk:
            return ScanAnswer(scan.id, "stored", "stored", tube=tube.barcode)
        raise _No("tube_used", messages["tube_used"])
    if id(tube) in batch.packed:
        if batch.packed[id(tube)] == box.barcode:
            return ScanAnswer(scan.id, "stored", "stored", tube=tube.barcode)
        raise _No("tube_used", messages["tube_used"])
    batch.packed[id(tube)] = box.barcode
    if tube.status == Tube.Status.OPEN:
        batch.closed.setdefault(id(tube), scan.at)
    box.tube_count += 1
    return ScanAnswer(scan.id, "stored", "stored", tube=tube.barcode)


def _handover(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> ScanAnswer:
    box = _box(batch, scan, messages, create=False)
    if box.status in (TransportBox.Status.RECEIVED,):
        raise _No("box_received", messages["box_received"])
    if box.handed_at is None:
        box.handed_at = scan.at
        box.transporter = scan.transporter.strip()[:60]
        box.status = (
            TransportBox.Status.IN_TRANSIT if box.picked_up_at else TransportBox.Status.HANDED_OVER
        )
    return ScanAnswer(scan.id, "stored", "stored")


def _pickup(batch: _Batch, scan: ScanIn, messages: dict[str, str]) -> ScanAnswer:
    box = _box(batch, scan, messages, create=False)
    if box.status == TransportBox.Status.RECEIVED:
        raise _No("box_received", messages["box_received"])
    if box.picked_up_at is None:
        box.picked_up_at = scan.at
        if box.handed_at is not None:
            box.status = TransportBox.Status.IN_TRANSIT
    return ScanAnswer(scan.id, "stored", "stored")


_HANDLERS = {
    "open": _open,
    "sample": _sample,
    "close": _close,
    "pack": _pack,
    "handover": _handover,
    "pickup": _pickup,
}


# --- Writing ----------------------------------------------------------------------------------


def _values(
    rows: list[tuple[Any, ...]], types: tuple[str, ...] | None = None
) -> tuple[str, list[Any]]:
    """A VALUES list and its parameters; on PostgreSQL each placeholder is cast to its
    type (a column of NULLs in VALUES would otherwise be text)."""
    width = len(rows[0])
    if types and connection.vendor == "postgresql":
        one = "(" + ", ".join(f"CAST(%s AS {t})" for t in types) + ")"
    else:
        one = "(" + ", ".join(["%s"] * width) + ")"
    params = [_adapt(v) for row in rows for v in row]
    return ", ".join([one] * len(rows)), params


def _adapt(value: Any) -> Any:
    """Datetimes as the backend stores them (naive UTC text on SQLite)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _write(batch: _Batch) -> None:
    campaign = batch.campaign
    if batch.new_tubes:
        new = sorted(batch.new_tubes, key=lambda t: t.barcode)
        values, params = _values(
            [
                (
                    t.campaign_id,
                    t.barcode,
                    t.site_id,
                    t.jurisdiction_code,
                    t.pool_size,
                    0,
                    t.status,
                    t.opened_at,
                    "",
                    t.is_retest,
                )
                for t in new
            ]
        )
        by_barcode = {t.barcode: t for t in new}
        for pk, barcode in _rows(
            f"INSERT INTO {Tube._meta.db_table} (campaign_id, barcode, site_id, "
            "jurisdiction_code, pool_size, count, status, opened_at, result, is_retest) "
            f"VALUES {values} RETURNING id, barcode",
            params,
        ):
            by_barcode[barcode].pk = pk
            by_barcode[barcode]._state.adding = False
    # Tube counts and closes, one statement.
    by_obj = {id(t): t for t in batch.tubes.values()}
    changes = []
    for key, tube in by_obj.items():
        delta = batch.tube_delta.get(key, 0)
        closed_at = batch.closed.get(key)
        box_code = batch.packed.get(key)
        if delta or closed_at or box_code:
            changes.append((tube, delta, closed_at, box_code))
    # Boxes first (tubes point at them).
    for barcode in sorted(batch.changed_boxes):
        box = batch.boxes[barcode]
        box.save()
    if batch.samples:
        values, params = _values(
            [
                (
                    campaign.pk,
                    x.client_id,
                    x.tube.pk,
                    x.person_id,
                    x.jurisdiction_code,
                    x.site_id,
                    x.device_id,
                    x.code_kind,
                    x.outside,
                    x.repeat_reason,
                    x.scanned_at,
                    x.stored_at,
                )
                for x in batch.samples
            ]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Sample._meta.db_table} (campaign_id, client_id, tube_id, "
                "person_id, jurisdiction_code, site_id, device_id, code_kind, outside, "
                f"repeat_reason, scanned_at, stored_at) VALUES {values}",
                params,
            )
    if changes:
        rows = []
        for tube, delta, closed_at, box_code in sorted(changes, key=lambda c: c[0].pk):
            status = (
                Tube.Status.PACKED
                if box_code
                else (Tube.Status.CLOSED if closed_at else tube.status)
            )
            box_id = batch.boxes[box_code].pk if box_code else None
            rows.append((tube.pk, delta, status, closed_at, box_id))
        table = Tube._meta.db_table
        values, params = _values(rows, ("bigint", "integer", "varchar", "timestamptz", "bigint"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH v(id, n, status, closed_at, box_id) AS (VALUES {values}) "
                f"UPDATE {table} SET count = {table}.count + v.n, status = v.status, "
                f"closed_at = COALESCE(v.closed_at, {table}.closed_at), "
                f"box_id = COALESCE(v.box_id, {table}.box_id) "
                f"FROM v WHERE {table}.id = v.id",
                params,
            )
    if batch.sampled:
        marked = sorted((pid, at) for pid, at in batch.sampled.items() if pid in batch.targets)
        if marked:
            table = Target._meta.db_table
            values, params = _values(marked, ("bigint", "timestamptz"))
            with connection.cursor() as cursor:
                cursor.execute(
                    f"WITH v(pid, at) AS (VALUES {values}) "
                    f"UPDATE {table} SET sampled_at = v.at FROM v "
                    f"WHERE {table}.campaign_id = %s AND {table}.person_id = v.pid "
                    f"AND {table}.sampled_at IS NULL",
                    [*params, campaign.pk],
                )
    if batch.outside:
        Target.objects.bulk_create(
            [
                Target(
                    campaign=campaign,
                    person_id=o["person"]["pk"],
                    jurisdiction_code=o["person"]["jurisdiction_code"],
                    building_id=0,
                    household_id=o["person"]["household_id"],
                    outside=True,
                    sampled_at=o["at"],
                )
                for o in sorted(batch.outside, key=lambda o: o["person"]["pk"])
            ],
            ignore_conflicts=True,
        )
    if batch.coverage:
        cells: dict[tuple[str, int], list[Any]] = defaultdict(lambda: [None, 0, 0])
        for (code, building, compound, kind), n in batch.coverage.items():
            cell = cells[(code, building)]
            cell[0] = cell[0] or compound
            cell[1 if kind == "sampled" else 2] += n
        cover_rows: list[tuple[Any, ...]] = [
            (campaign.pk, code, building, compound, sampled, outside, 0, 0, 0, 0)
            for (code, building), (compound, sampled, outside) in sorted(cells.items())
        ]
        table = Coverage._meta.db_table
        values, params = _values(cover_rows)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} AS c (campaign_id, jurisdiction_code, building_id, "
                "compound_id, sampled, outside, target, exempt, resulted, positive) "
                f"VALUES {values} "
                "ON CONFLICT (campaign_id, jurisdiction_code, building_id) DO UPDATE SET "
                "sampled = c.sampled + EXCLUDED.sampled, outside = c.outside + EXCLUDED.outside",
                params,
            )
    if batch.hours:
        site = batch.device.site
        assert site is not None
        hour_rows: list[tuple[Any, ...]] = [
            (campaign.pk, site.pk, site.jurisdiction_code, hour, n)
            for hour, n in sorted(batch.hours.items())
        ]
        table = SiteHour._meta.db_table
        values, params = _values(hour_rows)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} AS h (campaign_id, site_id, jurisdiction_code, hour, "
                f"samples) VALUES {values} "
                "ON CONFLICT (campaign_id, site_id, hour) DO UPDATE SET "
                "samples = h.samples + EXCLUDED.samples",
                params,
            )
