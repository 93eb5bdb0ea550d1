"""Every write of the quarantine sites: sites and rooms, check-in, transfer, check-out.

A room is never double-booked (ADR 0015): a bed is taken by one conditional UPDATE,

    UPDATE room SET occupants = occupants + n
     WHERE id = … AND occupants + n <= beds AND NOT out_of_service

whose row count says whether it was won, and the database's check constraint
(`occupants <= beds`) backs it up. Whoever reads a room as free and loses the race gets
zero rows and tries the next room, or the clear "no free room" error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.models import User
from fangkong.control.models import ControlOrder, OrderEvent, QuarantineSite, Room, Stay
from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError, NotFound
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Cell, SpreadsheetError, open_table
from fangkong.registry.models import Person

from . import selectors

MAX_ROOMS_AT_ONCE = 500
SITE_FIELDS = ("name", "address", "phone", "manager_name", "note")


class NoFreeRoom(Conflict):
    """Every room that fits is taken (or the chosen one was taken meanwhile)."""


def _person(obj: ControlOrder | Stay) -> Person:
    return cast(Person, obj.person)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _actor(scope: Scope) -> str:
    if scope.actor_id is None:
        return scope.actor_name
    full = User.objects.filter(pk=scope.actor_id).values_list("full_name", flat=True).first()
    return full or scope.actor_name


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


# --- Sites ------------------------------------------------------------------------------


def _office(scope: Scope, code: str) -> Jurisdiction:
    node = (
        Jurisdiction.objects.within(scope)
        .filter(code=code, level__in=["district", "subdistrict"], is_active=True)
        .first()
    )
    if node is None:
        raise _invalid("jurisdiction_code", _("A site is run by the district or a subdistrict."))
    return node


@transaction.atomic
def site_create(
    *,
    scope: Scope,
    jurisdiction_code: str,
    name: str,
    address: str = "",
    phone: str = "",
    manager_name: str = "",
    note: str = "",
) -> QuarantineSite:
    scope.require(Perm.SITE_MANAGE, at=jurisdiction_code)
    _office(scope, jurisdiction_code)
    name = _text(name, 100)
    if not name:
        raise _invalid("name", _("Give the site's name."))
    if QuarantineSite.objects.filter(jurisdiction_code=jurisdiction_code, name=name).exists():
        raise _invalid("name", _("This office already has a site of that name."))
    site = QuarantineSite.objects.create(
        jurisdiction_code=jurisdiction_code,
        name=name,
        address=_text(address, 200),
        phone=_text(phone, 20),
        manager_name=_text(manager_name, 60),
        note=(note or "").strip(),
    )
    audit.record(scope, "control.site.created", site, data={"name": name})
    return site


@transaction.atomic
def site_update(*, scope: Scope, site: QuarantineSite, **fields: str) -> QuarantineSite:
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    site = QuarantineSite.objects.select_for_update().get(pk=site.pk)
    changed = {}
    for key in SITE_FIELDS:
        if key not in fields:
            continue
        value = (fields[key] or "").strip() if key == "note" else _text(fields[key], 200)
        if key == "name":
            if not value:
                raise _invalid("name", _("Give the site's name."))
            clash = QuarantineSite.objects.filter(
                jurisdiction_code=site.jurisdiction_code, name=value
            ).exclude(pk=site.pk)
            if clash.exists():
                raise _invalid("name", _("This office already has a site of that name."))
        if getattr(site, key) != value:
            changed[key] = value
            setattr(site, key, value)
    if changed:
        site.save(update_fields=list(changed))
        audit.record(scope, "control.site.updated", site, data=changed)
    return site


@transaction.atomic
def site_deactivate(*, scope: Scope, site: QuarantineSite, reason: str) -> QuarantineSite:
    """Close a site (rooms and history stay); refused while anyone is still in."""
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    reason = _text(reason, 200)
    if len(reason) < 2:
        raise _invalid("reason", _("Give the reason."))
    site = QuarantineSite.objects.select_for_update().get(pk=site.pk)
    if Stay.objects.filter(site=site, checked_out_at__isnull=True).exists():
        raise ApplicationError(
            _("People are still checked in at this site: check them out or transfer them first.")
        )
    site.is_active = False
    site.save(update_fields=["is_active"])
    audit.record(scope, "control.site.deactivated", site, reason=reason)
    return site


# --- Rooms ------------------------------------------------------------------------------


def _room_shape(beds: int, is_family: bool) -> None:
    if beds < 1:
        raise _invalid("beds", _("A room has at least one bed."))
    if beds > 1 and not is_family:
        raise _invalid("beds", _("Only a family room has more than one bed (one person per room)."))
    if beds > 12:
        raise _invalid("beds", _("A room has at most 12 beds."))


def _active_site(site: QuarantineSite) -> None:
    if not site.is_active:
        raise ApplicationError(_("This site is closed."))


@transaction.atomic
def room_add(
    *,
    scope: Scope,
    site: QuarantineSite,
    number: str,
    floor: int | None = None,
    beds: int = 1,
    is_family: bool = False,
    note: str = "",
) -> Room:
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    _active_site(site)
    number = _text(number, 20)
    if not number:
        raise _invalid("number", _("Give the room number."))
    _room_shape(beds, is_family)
    if Room.objects.filter(site=site, number=number).exists():
        raise _invalid("number", _("Room %(number)s exists already.") % {"number": number})
    room = Room.objects.create(
        site=site,
        jurisdiction_code=site.jurisdiction_code,
        number=number,
        floor=floor,
        beds=beds,
        is_family=is_family,
        note=_text(note, 200),
    )
    audit.record(scope, "control.room.added", room, data={"number": number, "beds": beds})
    return room


def range_numbers(
    first_floor: int, last_floor: int, first: int, last: int
) -> list[tuple[int, str]]:
    """Floors 2–5 × rooms 01–20 -> (2, "201") … (5, "520")."""
    width = max(2, len(str(last)))
    return [
        (floor, f"{floor}{n:0{width}d}")
        for floor in range(first_floor, last_floor + 1)
        for n in range(first, last + 1)
    ]


@transaction.atomic
def rooms_add_range(
    *,
    scope: Scope,
    site: QuarantineSite,
    first_floor: int,
    last_floor: int,
    first: int,
    last: int,
    beds: int = 1,
    is_family: bool = False,
) -> tuple[int, int]:
    """Add the rooms of a block of floors at once; numbers the site has already are left
    as they are (so the same range can be given twice). Returns (added, already there)."""
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    _active_site(site)
    if first_floor > last_floor:
        raise _invalid("last_floor", _("The last floor is below the first."))
    if first > last:
        raise _invalid("last", _("The last room number is below the first."))
    _room_shape(beds, is_family)
    numbers = range_numbers(first_floor, last_floor, first, last)
    if len(numbers) > MAX_ROOMS_AT_ONCE:
        raise _invalid("last", _("At most %(n)d rooms at once.") % {"n": MAX_ROOMS_AT_ONCE})
    existing = set(Room.objects.filter(site=site).values_list("number", flat=True))
    new = [
        Room(
            site=site,
            jurisdiction_code=site.jurisdiction_code,
            number=number,
            floor=floor,
            beds=beds,
            is_family=is_family,
        )
        for floor, number in numbers
        if number not in existing
    ]
    Room.objects.bulk_create(new)
    audit.record(
        scope,
        "control.room.range_added",
        site,
        data={
            "floors": [first_floor, last_floor],
            "rooms": [first, last],
            "beds": beds,
            "added": len(new),
            "skipped": len(numbers) - len(new),
        },
    )
    return len(new), len(numbers) - len(new)


# --- Rooms from a spreadsheet -----------------------------------------------------------------

# The names offices give the columns; the English ones are for an English interface.
ROOM_ALIASES: dict[str, list[str]] = {
    "number": ["房间号", "房号", "房间", "房间编号", "门牌号", "Room number", "Room"],
    "floor": ["楼层", "层", "所在楼层", "Floor"],
    "beds": ["床位数", "床位", "床数", "床位数量", "Beds"],
    "is_family": ["家庭房", "是否家庭房", "Family room"],
    "out_of_service": ["停用", "是否停用", "Out of service"],
    "note": ["备注", "说明", "Note"],
}
IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_ROWS = 2000
_YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
_NO = {"否", "n", "no", "false", "0", "×", "无", "不是"}
_FLOOR_NOISE = re.compile(r"^第|[楼层fF]$")
_FOOTER = re.compile(r"^(?:填表|制表|填报|审核|负责|联系|注[:：、]|说明|备注|合计|总计|以下空白)")


@dataclass
class RoomsImport:
    """What an import of rooms found: counts, and every rejected row (then nothing was
    written)."""

    rows: int = 0
    added: int = 0
    already: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    applied: bool = False

    def reject(self, row: int, column: str, value: object, reason: str) -> None:
        self.rejected.append(
            {"row": row, "column": column, "value": _shown(value), "reason": reason}
        )


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole(value: Cell) -> int:
    """A whole number from a cell: 2, 2.0, "2", "2楼", "第2层"; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        return int(value)
    text = _FLOOR_NOISE.sub("", _shown(value))
    return int(text)


def _yes_no(value: Cell) -> bool:
    if _blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = _shown(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError


def _import_row(
    number: int, cells: dict[str, Cell], head: dict[str, str], report: RoomsImport
) -> Room | None:
    """Check one row; a Room not yet saved, or None when the row was rejected."""
    before = len(report.rejected)
    room_number = _shown(cells.get("number"))
    if not room_number:
        report.reject(number, head["number"], "", _("The room number is required."))
    elif len(room_number) > 20:
        report.reject(number, head["number"], room_number, _("At most 20 characters."))
    floor: int | None = None
    if not _blank(cells.get("floor")):
        try:
            floor = _whole(cells.get("floor"))
            if not -5 <= floor <= 200:
                raise ValueError
        except ValueError:
            report.reject(
                number,
                head["floor"],
                cells.get("floor"),
                _("The floor is a whole number from -5 to 200."),
            )
    beds, beds_read = 1, True
    if not _blank(cells.get("beds")):
        try:
            beds = _whole(cells.get("beds"))
        except ValueError:
            beds_read = False
            report.reject(
                number, head["beds"], cells.get("beds"), _("The beds are a whole number.")
            )
    flags: dict[str, bool] = {}
    for key in ("is_family", "out_of_service"):
        try:
            flags[key] = _yes_no(cells.get(key))
        except ValueError:
            flags[key] = False
            report.reject(number, head[key], cells.get(key), _("Write 是 or 否."))
    try:
        if beds_read:
            _room_shape(beds, flags["is_family"])
    except ApplicationError as exc:
        report.reject(number, head["beds"], cells.get("beds"), exc.message)
    note = _shown(cells.get("note"))
    if len(note) > 200:
        report.reject(number, head["note"], note[:40] + "…", _("At most 200 characters."))
    elif flags["out_of_service"] and not note:
        report.reject(number, head["note"], "", _("Say why the room is out of service."))
    if len(report.rejected) > before:
        return None
    return Room(
        number=room_number,
        floor=floor,
        beds=beds,
        is_family=flags["is_family"],
        out_of_service=flags["out_of_service"],
        note=note,
    )


def _read_rooms(path: str | Path, filename: str, report: RoomsImport) -> list[tuple[int, Room]]:
    rooms: list[tuple[int, Room]] = []
    with open_table(
        path,
        filename=filename,
        header_aliases=ROOM_ALIASES,
        required={"number"},
        max_bytes=IMPORT_MAX_BYTES,
    ) as table:
        head = {
            key: table.header_of(key) if key in table.columns else names[0]
            for key, names in ROOM_ALIASES.items()
        }
        first_row: dict[str, int] = {}
        for number, cells in table:
            others = [v for k, v in cells.items() if k != "number"]
            text = _shown(cells.get("number"))
            if all(_blank(v) for v in others) and _FOOTER.match(text):
                continue  # 填表人：… below the rooms
            report.rows += 1
            if report.rows > IMPORT_MAX_ROWS:
                raise SpreadsheetError(
                    _("The file has more than %(n)d rooms; split it into smaller files.")
                    % {"n": IMPORT_MAX_ROWS}
                )
            room = _import_row(number, cells, head, report)
            if room is None:
                continue
            if room.number in first_row:
                report.reject(
                    number,
                    head["number"],
                    room.number,
                    _("Row %(row)d has this room number already.")
                    % {"row": first_row[room.number]},
                )
                continue
            first_row[room.number] = number
            rooms.append((number, room))
    return rooms


@transaction.atomic
def rooms_import(
    *, scope: Scope, site: QuarantineSite, path: str | Path, filename: str | None = None
) -> RoomsImport:
    """Add a site's rooms from a spreadsheet (房间号, 楼层, 床位数, 家庭房, 停用, 备注).

    All or nothing: every row is checked first, and if any is rejected nothing is
    written and the report lists every rejected row (row, column, value, reason). Rooms
    the site has already are left as they are and counted as already there. Raises
    SpreadsheetError when the file cannot be read at all.
    """
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    site = QuarantineSite.objects.select_for_update().get(pk=site.pk)
    _active_site(site)
    filename = filename or Path(path).name
    report = RoomsImport()
    rooms = _read_rooms(path, filename, report)
    if report.rejected:
        report.rejected.sort(key=lambda e: e["row"])
        return report
    if not report.rows:
        raise SpreadsheetError(_("The file lists no rooms below its header."))
    existing = set(Room.objects.filter(site=site).values_list("number", flat=True))
    new = [room for _row, room in rooms if room.number not in existing]
    for room in new:
        room.site = site
        room.jurisdiction_code = site.jurisdiction_code
    try:
        with transaction.atomic():
            Room.objects.bulk_create(new)
    except IntegrityError:
        raise Conflict(
            _("Rooms were added to this site meanwhile; import the file again.")
        ) from None
    report.added, report.already, report.applied = len(new), len(rooms) - len(new), True
    audit.record(
        scope,
        "control.room.imported",
        site,
        data={
            "filename": filename,
            "rows": report.rows,
            "added": report.added,
            "already": report.already,
        },
    )
    return report


@transaction.atomic
def room_update(
    *,
    scope: Scope,
    room: Room,
    beds: int,
    is_family: bool,
    out_of_service: bool,
    note: str = "",
) -> Room:
    """Change a room: beds, family room, out of service (with a note). A room with people
    in keeps at least their beds and cannot go out of service."""
    scope.require(Perm.SITE_MANAGE, at=room.jurisdiction_code)
    room = Room.objects.select_for_update().get(pk=room.pk)
    _room_shape(beds, is_family)
    note = _text(note, 200)
    if beds < room.occupants:
        raise _invalid(
            "beds",
            _("%(n)d people are in this room: it keeps that many beds.") % {"n": room.occupants},
        )
    if out_of_service and room.occupants:
        raise _invalid(
            "out_of_service", _("People are in this room: check them out or transfer them first.")
        )
    if out_of_service and not note:
        raise _invalid("note", _("Say why the room is out of service."))
    changed = {
        k: v
        for k, v in {
            "beds": beds,
            "is_family": is_family,
            "out_of_service": out_of_service,
            "note": note,
        }.items()
        if getattr(room, k) != v
    }
    if changed:
        for k, v in changed.items():
            setattr(room, k, v)
        room.save(update_fields=list(changed))
        audit.record(scope, "control.room.updated", room, data=changed)
    return room


# --- Allocation -----------------------------------------------------------------------------


def _claim(room_id: int, n: int, *, empty_only: bool = False) -> bool:
    """Take n beds of a room, or nothing: the one statement that decides a race."""
    condition = Q(pk=room_id, out_of_service=False, occupants__lte=F("beds") - n)
    if empty_only:
        condition &= Q(occupants=0)
    return Room.objects.filter(condition).update(occupants=F("occupants") + n) == 1


def _release(room_id: int, n: int = 1) -> None:
    Room.objects.filter(pk=room_id, occupants__gte=n).update(occupants=F("occupants") - n)


def _candidates(site: QuarantineSite, n: int, exclude: int | None) -> list[tuple[int, bool]]:
    """Rooms that look free now, in the order they are offered: (room id, empty only).

    One person: single rooms first, then an empty family room. A household: an empty
    family room with beds for all of them, the smallest first."""
    rooms = Room.objects.filter(site=site, out_of_service=False)
    if exclude is not None:
        rooms = rooms.exclude(pk=exclude)
    if n == 1:
        single = rooms.filter(is_family=False, occupants=0).order_by("floor", "number")
        family = rooms.filter(is_family=True, occupants=0).order_by("beds", "floor", "number")
        return [(pk, False) for pk in single.values_list("pk", flat=True)] + [
            (pk, True) for pk in family.values_list("pk", flat=True)
        ]
    family = rooms.filter(is_family=True, occupants=0, beds__gte=n).order_by(
        "beds", "floor", "number"
    )
    return [(pk, True) for pk in family.values_list("pk", flat=True)]


def _allocate(
    site: QuarantineSite,
    n: int,
    room: Room | None,
    household_id: int | None,
    exclude: int | None = None,
) -> Room:
    if room is not None:
        if room.site_id != site.pk:
            raise NotFound(_("Not found."))
        if n > 1 and not room.is_family:
            raise _invalid("room", _("A household is checked in together in a family room."))
        if room.is_family and room.occupants:
            others = set(
                Stay.objects.filter(room=room, checked_out_at__isnull=True).values_list(
                    "order__household_id", flat=True
                )
            )
            if household_id is None or others != {household_id}:
                raise NoFreeRoom(
                    _("Room %(number)s is taken by another household; choose another.")
                    % {"number": room.number}
                )
        if not _claim(room.pk, n):
            raise NoFreeRoom(
                _("Room %(number)s is no longer free; choose another.") % {"number": room.number}
            )
        return Room.objects.get(pk=room.pk)
    for pk, empty_only in _candidates(site, n, exclude):
        if _claim(pk, n, empty_only=empty_only):
            return Room.objects.get(pk=pk)
    if n > 1:
        raise NoFreeRoom(_("No family room with %(n)d free beds at this site.") % {"n": n})
    raise NoFreeRoom(_("No free room at this site."))


def _event(
    scope: Scope,
    order: ControlOrder,
    kind: str,
    *,
    at: dt.datetime,
    actor: str,
    reason: str = "",
    data: dict[str, object],
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        jurisdiction_code=order.jurisdiction_code,
        kind=kind,
        at=at,
        actor_id=scope.actor_id,
        actor_name=actor,
        reason=reason,
        data=data,
    )


def _where(site: QuarantineSite, room: Room) -> dict[str, object]:
    return {"site": site.pk, "site_name": site.name, "room": room.pk, "room_number": room.number}


def _checkable(scope: Scope, orders: Sequence[ControlOrder], day: dt.date) -> list[ControlOrder]:
    locked = list(
        ControlOrder.objects.select_for_update(of=("self",))
        .filter(pk__in=[o.pk for o in orders])
        .select_related("person")
        .order_by("pk")
    )
    for order in locked:
        if not scope.covers(order.jurisdiction_code):
            raise NotFound(_("Not found."))
    households = {o.household_id or _person(o).household_id for o in locked}
    if len(locked) > 1 and (len(households) != 1 or None in households):
        raise ApplicationError(_("Only members of one household are checked in together."))
    for order in locked:
        if order.status != ControlOrder.Status.ACTIVE:
            raise ApplicationError(
                _("The order of %(name)s is not in force.") % {"name": _person(order).name}
            )
        if not selectors.is_in_central(order=order, day=day):
            raise ApplicationError(
                _("The order of %(name)s does not call for centralised quarantine today.")
                % {"name": _person(order).name}
            )
        if Stay.objects.filter(person_id=order.person_id, checked_out_at__isnull=True).exists():
            raise ApplicationError(
                _("%(name)s is checked in already.") % {"name": _person(order).name}
            )
    return locked


@transaction.atomic
def stay_check_in(
    *,
    scope: Scope,
    orders: Sequence[ControlOrder],
    site: QuarantineSite,
    room: Room | None = None,
    note: str = "",
) -> list[Stay]:
    """Check one person, or the members of one household together, into a room: the
    chosen one, or the first free one (single rooms first; a household in an empty family
    room). Raises NoFreeRoom when none is left."""
    if not orders:
        raise _invalid("orders", _("Choose whom to check in."))
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    site = QuarantineSite.objects.get(pk=site.pk)
    _active_site(site)
    now = timezone.now()
    locked = _checkable(scope, orders, timezone.localdate(now))
    household = locked[0].household_id or _person(locked[0]).household_id
    taken = _allocate(site, len(locked), room, household)
    actor = _actor(scope)
    stays = []
    for order in locked:
        try:
            with transaction.atomic():
                stay = Stay.objects.create(
                    order=order,
                    person_id=order.person_id,
                    site=site,
                    room=taken,
                    jurisdiction_code=site.jurisdiction_code,
                    checked_in_at=now,
                    checked_in_by_id=scope.actor_id,
                    checked_in_by_name=actor,
                    note=_text(note, 200),
                )
        except IntegrityError:
            raise ApplicationError(
                _("%(name)s is checked in already.") % {"name": _person(order).name}
            ) from None
        _event(
            scope, order, OrderEvent.Kind.CHECKED_IN, at=now, actor=actor, data=_where(site, taken)
        )
        audit.record(
            scope,
            "control.stay.checked_in",
            stay,
            data={"order": order.pk, "person": order.person_id, **_where(site, taken)},
        )
        stays.append(stay)
    return stays


def _lock_open(stay: Stay) -> Stay:
    locked = (
        Stay.objects.select_for_update(of=("self",))
        .select_related("site", "room", "order", "person")
        .get(pk=stay.pk)
    )
    if locked.checked_out_at is not None:
        raise ApplicationError(_("This stay has ended already; reload the page."))
    return locked


@transaction.atomic
def stay_transfer(
    *,
    scope: Scope,
    stay: Stay,
    site: QuarantineSite,
    room: Room | None = None,
    reason: str,
) -> Stay:
    """Move a person to another site (or another room): the old stay closes as
    transferred, the new one opens, the beds move, all in one transaction."""
    scope.require(Perm.SITE_MANAGE, at=stay.jurisdiction_code)
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    reason = _text(reason, 200)
    if len(reason) < 2:
        raise _invalid("reason", _("Give the reason."))
    old = _lock_open(stay)
    site = QuarantineSite.objects.get(pk=site.pk)
    _active_site(site)
    if room is not None and room.pk == old.room_id:
        raise _invalid("room", _("The person is in this room already."))
    now = timezone.now()
    actor = _actor(scope)
    _release(old.room_id)
    household = old.order.household_id or _person(old).household_id
    taken = _allocate(site, 1, room, household, exclude=old.room_id)
    old.checked_out_at, old.checked_out_by_id, old.checked_out_by_name = now, scope.actor_id, actor
    old.out_reason = Stay.OutReason.TRANSFERRED
    old.save(
        update_fields=["checked_out_at", "checked_out_by", "checked_out_by_name", "out_reason"]
    )
    new = Stay.objects.create(
        order=old.order,
        person_id=old.person_id,
        site=site,
        room=taken,
        jurisdiction_code=site.jurisdiction_code,
        checked_in_at=now,
        checked_in_by_id=scope.actor_id,
        checked_in_by_name=actor,
        note=reason,
    )
    data = {
        "from_site": old.site_id,
        "from_site_name": old.site.name,
        "from_room": old.room_id,
        "from_room_number": old.room.number,
        **_where(site, taken),
    }
    _event(
        scope, old.order, OrderEvent.Kind.TRANSFERRED, at=now, actor=actor, reason=reason, data=data
    )
    audit.record(
        scope, "control.stay.transferred", new, reason=reason, data={"from_stay": old.pk, **data}
    )
    return new


def check_out_due(stay: Stay, day: dt.date) -> bool:
    return stay.order.status != ControlOrder.Status.ACTIVE or not selectors.is_in_central(
        order=stay.order, day=day
    )


@transaction.atomic
def stay_check_out(*, scope: Scope, stay: Stay, note: str = "") -> Stay:
    """The person leaves the site: the order was released or ended, or its centralised
    phase is over (the next phase is at home). Before that, transfer instead."""
    scope.require(Perm.SITE_MANAGE, at=stay.jurisdiction_code)
    stay = _lock_open(stay)
    now = timezone.now()
    if not check_out_due(stay, timezone.localdate(now)):
        raise ApplicationError(
            _(
                "The order still calls for centralised quarantine today: transfer the person, "
                "or have the order released or ended first."
            )
        )
    actor = _actor(scope)
    _release(stay.room_id)
    stay.checked_out_at, stay.checked_out_by_id, stay.checked_out_by_name = (
        now,
        scope.actor_id,
        actor,
    )
    stay.out_reason = Stay.OutReason.CHECKED_OUT
    if note:
        stay.note = _text(note, 200)
    stay.save(
        update_fields=[
            "checked_out_at",
            "checked_out_by",
            "checked_out_by_name",
            "out_reason",
            "note",
        ]
    )
    _event(
        scope,
        stay.order,
        OrderEvent.Kind.CHECKED_OUT,
        at=now,
        actor=actor,
        reason=_text(note, 200),
        data=_where(stay.site, stay.room),
    )
    audit.record(scope, "control.stay.checked_out", stay, data=_where(stay.site, stay.room))
    return stay
