"""Writes on the risk-area list: add, change, lift, import. Each is one transaction,
checks RISK_AREA_MANAGE at the district, is audited, leaves a notice for the district's
staff and tells the listeners (the arrivals module re-classifies its reports).

Rows are never edited in place (docs/adr/0011-risk-area-history.md): a change marks
the rows it touches superseded and writes new ones. A row of the same region that
began before the change keeps its part before the change's first day, so "medium since
May 1, high from May 10" is two rows, and the history shows what the list said before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError
from fangkong.core.notices import notify_staff
from fangkong.core.permissions import Perm
from fangkong.core.regions import Region
from fangkong.core.scope import Scope

from . import changes
from .models import RiskArea
from .origins import RegionError, resolve

EARLIEST = dt.date(2019, 12, 1)
AHEAD_DAYS = 366
NOTE_MAX = 200
Outcome = Literal["added", "changed", "ended", "unchanged"]
_LOCK_SPACE = 7_106_002  # names the advisory locks of the risk-area lists


def _invalid(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field_name, "invalid", message)])


@dataclass(frozen=True)
class AreaInput:
    """One area as a form or a spreadsheet row gives it, already resolved."""

    region: Region
    level: str
    effective_from: dt.date
    effective_until: dt.date | None = None
    note: str = ""


@dataclass
class Applied:
    outcome: Outcome
    area: RiskArea
    superseded: list[RiskArea] = field(default_factory=list)


def region_of(text: str, code: str = "") -> Region:
    """A region from a form: RegionError becomes a field error of "region"."""
    try:
        return resolve(text, code)
    except RegionError as exc:
        raise _invalid("region", str(exc)) from None


def _require(scope: Scope, district: str) -> None:
    scope.require(Perm.RISK_AREA_MANAGE)
    if len(district) != 6 or not district.isdigit():
        raise _invalid("district", _("A risk-area list belongs to a district (6 digits)."))
    scope.require(Perm.RISK_AREA_MANAGE, at=district)


def _check(data: AreaInput) -> AreaInput:
    if data.level not in RiskArea.Level.values:
        raise _invalid("level", _("The level is high or medium."))
    today = timezone.localdate()
    if not EARLIEST <= data.effective_from <= today + dt.timedelta(days=AHEAD_DAYS):
        raise _invalid(
            "effective_from",
            _("The start date must lie between %(first)s and a year from today.")
            % {"first": EARLIEST.isoformat()},
        )
    if data.effective_until is not None and data.effective_until <= data.effective_from:
        raise _invalid("effective_until", _("The area is lifted after the day it starts."))
    note = " ".join((data.note or "").split())
    if len(note) > NOTE_MAX:
        raise _invalid("note", _("The note is too long (at most 200 characters)."))
    return AreaInput(data.region, data.level, data.effective_from, data.effective_until, note)


def _overlaps(area: RiskArea, start: dt.date, until: dt.date | None) -> bool:
    """Whether [area) and [start, until) share a day (empty periods share none)."""
    a_start, a_until = area.effective_from, area.effective_until
    if a_until is not None and a_until <= a_start:
        return False
    return (until is None or a_start < until) and (a_until is None or start < a_until)


def _current(district: str, region_code: str) -> list[RiskArea]:
    """The current rows of a region, read under the district's lock (PostgreSQL: an
    advisory transaction lock; SQLite serialises writers anyway), so two changes of one
    district's list, even of a region not listed yet, never interleave."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, int(district)])
    return list(
        RiskArea.objects.within_code(district)
        .select_for_update()
        .filter(jurisdiction_code=district, region_code=region_code, superseded_at__isnull=True)
        .order_by("effective_from", "id")
    )


def _supersede(scope: Scope, area: RiskArea, now: dt.datetime) -> None:
    done = RiskArea.objects.filter(pk=area.pk, superseded_at__isnull=True).update(
        superseded_at=now, superseded_by_id=scope.actor_id
    )
    if not done:
        raise Conflict(_("Someone changed this entry a moment ago; open the list again."))
    area.superseded_at, area.superseded_by_id = now, scope.actor_id


def _new(
    scope: Scope,
    district: str,
    *,
    region_code: str,
    region_name: str,
    level: str,
    start: dt.date,
    until: dt.date | None,
    note: str,
    source: str,
    now: dt.datetime,
    replaces: RiskArea | None,
) -> RiskArea:
    return RiskArea.objects.create(
        jurisdiction_code=district,
        region_code=region_code,
        region_name=region_name,
        level=level,
        effective_from=start,
        effective_until=until,
        note=note,
        source=source,
        created_at=now,
        created_by_id=scope.actor_id,
        replaces=replaces,
    )


def _same(area: RiskArea, data: AreaInput) -> bool:
    return (
        area.level == data.level
        and area.effective_from == data.effective_from
        and area.effective_until == data.effective_until
        and area.note == data.note
    )


def _put(
    scope: Scope,
    district: str,
    data: AreaInput,
    *,
    source: str,
    replacing: RiskArea | None = None,
    others: Literal["trim", "refuse"] = "trim",
) -> Applied:
    """Make the list say `data` for its region and period.

    The current rows of the region that share a day with the period (and `replacing`,
    the row a change form edits) are superseded; those that began earlier keep their
    part before the period as a new row. With others="refuse", any other row sharing a
    day is an error instead.
    """
    now = timezone.now()
    start, until = data.effective_from, data.effective_until
    current = _current(district, data.region.code)
    targets = [a for a in current if _overlaps(a, start, until)]
    if replacing is not None:
        if replacing.pk not in {a.pk for a in current}:
            raise Conflict(_("This entry has been replaced; open the list again."))
        if replacing.pk not in {a.pk for a in targets} and start <= replacing.effective_from:
            targets.append(replacing)
    if others == "refuse":
        clashing = [a for a in targets if replacing is None or a.pk != replacing.pk]
        if clashing:
            first = clashing[0]
            raise _invalid(
                "effective_from",
                _(
                    "%(region)s is already listed as %(level)s from %(start)s; change or lift "
                    "that entry instead."
                )
                % {
                    "region": first.region_name,
                    "level": first.get_level_display(),
                    "start": first.effective_from.isoformat(),
                },
            )
    if len(targets) == 1 and _same(targets[0], data):
        return Applied("unchanged", targets[0])
    for old in targets:
        _supersede(scope, old, now)
        if old.effective_from < start:
            kept_until = start if old.effective_until is None else min(old.effective_until, start)
            _new(
                scope,
                district,
                region_code=old.region_code,
                region_name=old.region_name,
                level=old.level,
                start=old.effective_from,
                until=kept_until,
                note=old.note,
                source=source,
                now=now,
                replaces=old,
            )
    area = _new(
        scope,
        district,
        region_code=data.region.code,
        region_name=data.region.path,
        level=data.level,
        start=start,
        until=until,
        note=data.note,
        source=source,
        now=now,
        replaces=targets[-1] if targets else None,
    )
    outcome: Outcome = "added"
    if targets:
        old = targets[0]
        ended = (
            len(targets) == 1
            and old.level == data.level
            and old.effective_from == start
            and until is not None
            and (old.effective_until is None or until < old.effective_until)
        )
        outcome = "ended" if ended else "changed"
    return Applied(outcome, area, targets)


def _span(applied: Iterable[Applied]) -> tuple[dt.date, dt.date | None] | None:
    """The days whose classification a set of changes may have altered."""
    starts: list[dt.date] = []
    ends: list[dt.date | None] = []
    for item in applied:
        if item.outcome == "unchanged":
            continue
        for area in [item.area, *item.superseded]:
            starts.append(area.effective_from)
            ends.append(area.effective_until)
    if not starts:
        return None
    until = None if any(e is None for e in ends) else max(e for e in ends if e is not None)
    return min(starts), until


def _line(item: Applied) -> str:
    area = item.area
    values = {
        "region": area.region_name,
        "level": area.get_level_display(),
        "start": area.effective_from.isoformat(),
        "until": area.effective_until.isoformat() if area.effective_until else "",
    }
    if item.outcome == "ended":
        return _("Lifted: %(region)s (%(level)s) on %(until)s") % values
    if area.effective_until:
        text = _("%(region)s: %(level)s from %(start)s, lifted on %(until)s") % values
    else:
        text = _("%(region)s: %(level)s from %(start)s") % values
    if item.outcome == "added":
        return _("Added: %(text)s") % {"text": text}
    return _("Changed: %(text)s") % {"text": text}


def _after(scope: Scope, district: str, applied: Sequence[Applied]) -> None:
    """The notice for the district's staff and the listeners, for what changed."""
    span = _span(applied)
    if span is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_line(a) for a in applied if a.outcome != "unchanged"]
        shown = lines[:20]
        if len(lines) > len(shown):
            shown.append(_("… and %(n)d more.") % {"n": len(lines) - len(shown)})
        notify_staff(
            jurisdiction_code=district,
            title=_("The risk areas have changed"),
            body="\n".join(shown),
            link=reverse("riskareas:list"),
            source="riskareas",
            scope=scope,
        )
    changes.changed(scope=scope, district=district, since=span[0], until=span[1])


def _audit_data(item: Applied) -> dict[str, object]:
    area = item.area
    return {
        "region": area.region_code,
        "level": area.level,
        "from": area.effective_from.isoformat(),
        "until": area.effective_until.isoformat() if area.effective_until else None,
        "superseded": [a.pk for a in item.superseded],
    }


@transaction.atomic
def area_add(
    *, scope: Scope, district: str, data: AreaInput, source: str = RiskArea.Source.FORM
) -> RiskArea:
    """A new entry; an entry of the same region sharing a day with it is an error (the
    form says to change or lift that one)."""
    _require(scope, district)
    data = _check(data)
    applied = _put(scope, district, data, source=source, others="refuse")
    audit.record(scope, "riskareas.area.added", applied.area, data=_audit_data(applied))
    _after(scope, district, [applied])
    return applied.area


@transaction.atomic
def area_change(*, scope: Scope, area: RiskArea, data: AreaInput) -> RiskArea:
    """New values for an entry from `data.effective_from` on: its part before that day
    stays as it was (a start on or before its own start replaces it all)."""
    _require(scope, area.jurisdiction_code)
    if data.region.code != area.region_code:
        raise _invalid("region", _("A change keeps the region; add the other region instead."))
    data = _check(data)
    applied = _put(
        scope,
        area.jurisdiction_code,
        data,
        source=RiskArea.Source.FORM,
        replacing=area,
        others="refuse",
    )
    if applied.outcome == "unchanged":
        return applied.area
    audit.record(scope, "riskareas.area.changed", applied.area, data=_audit_data(applied))
    _after(scope, area.jurisdiction_code, [applied])
    return applied.area


@transaction.atomic
def area_end(
    *,
    scope: Scope,
    area: RiskArea,
    on: dt.date,
    note: str = "",
    source: str = RiskArea.Source.FORM,
) -> RiskArea:
    """Lift an entry: it is in force up to the day before `on` (the day itself lifts an
    entry that has not begun: it never was in force)."""
    _require(scope, area.jurisdiction_code)
    if area.superseded_at is not None:
        raise Conflict(_("This entry has been replaced; open the list again."))
    if on < area.effective_from:
        raise _invalid("on", _("An area is lifted on or after the day it starts."))
    if area.effective_until is not None and on >= area.effective_until:
        raise _invalid(
            "on",
            _("This entry is already lifted on %(day)s.")
            % {"day": area.effective_until.isoformat()},
        )
    if on > timezone.localdate() + dt.timedelta(days=AHEAD_DAYS):
        raise _invalid("on", _("The lifting date is more than a year ahead."))
    note = " ".join((note or area.note).split())[:NOTE_MAX]
    now = timezone.now()
    _current(area.jurisdiction_code, area.region_code)  # lock the region's rows
    _supersede(scope, area, now)
    lifted = _new(
        scope,
        area.jurisdiction_code,
        region_code=area.region_code,
        region_name=area.region_name,
        level=area.level,
        start=area.effective_from,
        until=on,
        note=note,
        source=source,
        now=now,
        replaces=area,
    )
    applied = Applied("ended", lifted, [area])
    audit.record(scope, "riskareas.area.ended", lifted, data=_audit_data(applied))
    _after(scope, area.jurisdiction_code, [applied])
    return lifted


@dataclass
class ImportCounts:
    added: int = 0
    changed: int = 0
    ended: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@transaction.atomic
def areas_import_apply(
    *,
    scope: Scope,
    district: str,
    rows: Sequence[AreaInput],
    filename: str = "",
    dry_run: bool = False,
) -> ImportCounts:
    """Apply the checked rows of a spreadsheet, all or none: the sheet is the list as
    the office sends it, so each row replaces what the list said for its region and
    period, and a row already there changes nothing (a re-import is a no-op)."""
    _require(scope, district)
    checked = [_check(row) for row in rows]
    counts = ImportCounts()
    applied: list[Applied] = []
    for row in sorted(checked, key=lambda r: (r.region.code, r.effective_from)):
        item = _put(scope, district, row, source=RiskArea.Source.IMPORT)
        setattr(counts, item.outcome, getattr(counts, item.outcome) + 1)
        applied.append(item)
    if dry_run:
        transaction.set_rollback(True)
        return counts
    audit.record(
        scope,
        "riskareas.areas.imported",
        object_type="riskareas.riskarea",
        object_id=district,
        jurisdiction_code=district,
        data={
            "file": filename,
            "counts": counts.as_dict(),
            "regions": sorted({a.area.region_code for a in applied if a.outcome != "unchanged"}),
        },
    )
    _after(scope, district, applied)
    return counts
