"""The push lists' part of the demo district (`fangkong demo`).

Fourteen days of history first: four earlier pushed lists over the demo subdistrict,
received 12, 9, 7 and 5 days ago, matched by identity number, their checks done by the
communities over the following days (a few late, a few never: overdue and escalated at
the end of the day their deadline passed). Then the two latest lists over the demo
communities, imported through the real importer: rows
matched by identity number, by phone and by name and address, ambiguous rows and rows
nobody in the registry matches; some checks done by the demo community worker, one
task re-routed by the subdistrict officer, one awaiting a decision, and the rest of the
older list overdue (and escalated). The second list names two people of the first again,
who join their open checks. Loaded once: a district that has the demo lists is left
alone.

The imports and checks go through the importer and the services, which stamp every row
with the present moment; the demo then moves the tasks' and entries' `created_at`, the
checks' `verified_at` and `closed_at` and their history events back to the moments the
story gives (queryset updates, here only). Audit entries keep today's date.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_places, demo_scope
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry import demo_history as history
from fangkong.registry.demo import resident_id_check_digit
from fangkong.registry.models import Person

from . import services
from .importer import NewList, import_push_list
from .models import PushList, PushListEntry, PushListImport, TaskEvent, VerificationTask

MARK = "【演示】"
FIRST = f"{MARK}省指挥部协查名单（第12批）"
SECOND = f"{MARK}市大数据局通信行程推送"
HEADER = ["序号", "姓名", "证件号码", "联系电话", "推送来源", "推送原因", "现居住地址"]
REASONS = (
    "近14天武汉漫游",
    "近14天途经湖北",
    "与确诊病例同车厢",
    "同航班（CZ3456）",
    "来自中风险地区",
)
SOURCES = ("通信大数据", "铁路12306", "民航", "省卫健委")
# The earlier lists: name, received this many days ago at this hour, people named.
HISTORY = (
    (f"{MARK}省指挥部协查名单（第9批）", 12, 10, 8),
    (f"{MARK}省指挥部协查名单（第10批）", 9, 16, 14),
    (f"{MARK}市大数据局通信行程推送（第3批）", 7, 9, 18),
    (f"{MARK}省指挥部协查名单（第11批）", 5, 14, 12),
)
CHECKERS = ("李桂芝", "王红霞", "赵国庆", "孙丽萍", "周建军", "吴晓燕")


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    if PushList.objects.within(system).filter(name__startswith=MARK).exists():
        say("Push lists: the demo lists are there already.")
        return
    places = demo_places(district)
    people = _people(system, places)
    if not people:
        say("Push lists: the district has no people; no demo lists.")
        return
    rng = random.Random(f"fangkong-demo-pushlists:{seed}")
    admin = demo_scope("district_admin") or Scope.system(reason="demo data")
    worker = demo_scope("community_worker")
    officer = demo_scope("subdistrict_officer")
    now = timezone.now()
    with transaction.atomic(), tempfile.TemporaryDirectory() as tmp:
        earlier = _history(admin, worker, district, places, people, Path(tmp), seed)
        first_rows, again = _first_rows(people, places, rng)
        first = _import(
            admin,
            district,
            Path(tmp) / "first.csv",
            first_rows,
            FIRST,
            now - dt.timedelta(hours=40),
        )
        second_rows = _second_rows(people, places, rng, again)
        second = _import(
            admin,
            district,
            Path(tmp) / "second.csv",
            second_rows,
            SECOND,
            now - dt.timedelta(hours=3),
        )
        done = _work(district, places, worker, officer, rng, [first["list"], second["list"]])
        system = Scope.system(reason="demo data", code=district)
        # Escalated at the end of the day their deadline passed, as the sweep would have.
        escalated = 0
        for day in history.history():
            end = history.at(day, 23, 59)
            escalated += services.escalate_overdue(scope=system, now=end)
    say(
        f"Push lists: {len(HISTORY)} earlier lists ({earlier}); "
        f"{FIRST} ({first['created']} entries, {first['tasks_created']} checks) and "
        f"{SECOND} ({second['created']} entries, {second['tasks_joined']} joined open checks); "
        f"{done} checks worked on, {escalated} overdue and escalated."
    )


def _people(system: Scope, places: dict[str, str]) -> list[dict[str, Any]]:
    """A few hundred people of the demo places (never the whole district: the demo may
    hold two million)."""
    found: list[dict[str, Any]] = []
    for key, limit in (("community", 80), ("subdistrict", 200), ("town_community", 40)):
        if places.get(key):
            found += [
                dict(row)
                for row in Person.objects.within(system)
                .within_code(places[key])
                .filter(status=Person.Status.ACTIVE)
                .order_by("id")
                .values("id", "name", "id_number", "phone", "address", "community_code")[:limit]
            ]
    unique = {p["id"]: p for p in found}
    return [unique[k] for k in sorted(unique)]


def _in(
    people: list[dict[str, Any]], prefix: str, count: int, rng: random.Random
) -> list[dict[str, Any]]:
    found = [p for p in people if prefix and p["community_code"].startswith(prefix)]
    return rng.sample(found, min(count, len(found)))


def _fake_id(rng: random.Random) -> str:
    """Someone from far away whom the registry does not know (乌鲁木齐, 650102)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(20000))
    body = f"650102{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + resident_id_check_digit(body)


def _row(p: dict[str, Any], rng: random.Random, *, by: str) -> list[str]:
    reason, source = rng.choice(REASONS), rng.choice(SOURCES)
    if by == "id":
        return [p["name"], p["id_number"] or "", "", source, reason, ""]
    if by == "phone":
        return [p["name"], "", p["phone"], source, reason, ""]
    # Name and address, written as a caller would: 3栋2单元501 instead of 3号楼2单元501室.
    address = p["address"].replace("号楼", "栋").replace("室", "")
    return [p["name"], "", "", source, reason, f"上街区{address}"]


def _first_rows(
    people: list[dict[str, Any]], places: dict[str, str], rng: random.Random
) -> tuple[list[list[str]], list[dict[str, Any]]]:
    community = places.get("community", "")
    subdistrict = places.get("subdistrict", "")
    home = _in(people, community, 14, rng)
    nearby = [p for p in _in(people, subdistrict, 20, rng) if p["community_code"] != community][:8]
    town = _in(people, places.get("town_community", ""), 4, rng)
    chosen = home + nearby + town
    with_id = [p for p in chosen if p["id_number"]]
    with_phone = [p for p in chosen if p["phone"] and p not in with_id[:16]]
    rows = [_row(p, rng, by="id") for p in with_id[:16]]
    rows += [_row(p, rng, by="phone") for p in with_phone[:5]]
    used = {p["id"] for p in with_id[:16]} | {p["id"] for p in with_phone[:5]}
    rest = [p for p in chosen if p["id"] not in used and p["address"]]
    rows += [_row(p, rng, by="address") for p in rest[:4]]
    # Ambiguous: a name two to five people of the district share, without an address.
    system = Scope.system(reason="demo data", code=community[:6])
    shared = (
        Person.objects.within(system)
        .filter(name__in={p["name"] for p in people}, status=Person.Status.ACTIVE)
        .values("name")
        .annotate(n=Count("id"))
        .filter(n__gte=2, n__lte=5)
        .order_by("name")
        .values_list("name", flat=True)[:2]
    )
    rows += [[name, "", "", "铁路12306", "与确诊病例同车厢", ""] for name in shared]
    # Nobody here: someone from far away, and a phone nobody registered.
    rows.append(["艾力江", _fake_id(rng), "", "民航", "同航班（CZ6901）", "乌鲁木齐市天山区"])
    rows.append(["", "", f"140{rng.randrange(10**8):08d}", "通信大数据", "近14天武汉漫游", ""])
    rng.shuffle(rows)
    return rows, with_id[:2]


def _second_rows(
    people: list[dict[str, Any]],
    places: dict[str, str],
    rng: random.Random,
    again: list[dict[str, Any]],
) -> list[list[str]]:
    """A newer list, by phone mostly, naming two people of the first list again."""
    community = places.get("community", "")
    fresh = [p for p in _in(people, community[:9], 30, rng) if p["phone"]][:12]
    rows = [_row(p, rng, by="phone") for p in fresh]
    rows += [_row(p, rng, by="id") for p in again]
    return rows


def _import(
    scope: Scope,
    district: str,
    path: Path,
    rows: list[list[str]],
    name: str,
    received: dt.datetime,
) -> dict[str, Any]:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number, row in enumerate(rows, start=1):
            writer.writerow([number, *row])
    summary = import_push_list(
        scope=scope,
        district_code=district,
        path=path,
        filename=f"{name}.csv",
        new_list=NewList(
            name=name,
            source=name.removeprefix(MARK)[:6],
            received_at=received,
            deadline_hours=24,
        ),
    )
    _backdate_import(summary.push_list_id, received)
    return summary.as_dict() | {"list": summary.push_list_id}


def _backdate_import(push_list_id: int | None, received: dt.datetime) -> None:
    """The importer stamps the list's rows now; they arrived with the list (each demo
    list is one import)."""
    if push_list_id is None:
        return
    PushListImport.objects.filter(push_list_id=push_list_id).update(imported_at=received)
    VerificationTask.objects.filter(origin_import__push_list_id=push_list_id).update(
        created_at=received
    )
    PushListEntry.objects.filter(push_list_id=push_list_id).update(created_at=received)
    TaskEvent.objects.filter(
        entry__push_list_id=push_list_id,
        kind__in=[TaskEvent.Kind.CREATED, TaskEvent.Kind.JOINED],
    ).update(at=received)


def _checker(name: str, district: str) -> Scope:
    """A community's staff member who recorded checks (the demo's records carry a name)."""
    return Scope(
        actor_id=None,
        actor_name=name,
        code=district,
        perms=frozenset(Perm),
        reason="demo data",
        is_system=True,
    )


def _history(
    admin: Scope,
    worker: Scope | None,
    district: str,
    places: dict[str, str],
    people: list[dict[str, Any]],
    tmp: Path,
    seed: int,
) -> str:
    """The earlier lists, each worked on over the days after it arrived."""
    rng = random.Random(f"fangkong-demo-pushlists-history:{seed}")
    subdistrict = places.get("subdistrict", "~")
    pool = [p for p in people if p["community_code"].startswith(subdistrict) and p["id_number"]]
    rng.shuffle(pool)
    made = checked = 0
    for number, (name, ago, hour, count) in enumerate(HISTORY):
        chosen, pool = pool[:count], pool[count:]
        if not chosen:
            break
        rows = [_row(p, rng, by="id") for p in chosen]
        rows.append(["艾力江", _fake_id(rng), "", "民航", "同航班（CZ6901）", "乌鲁木齐市天山区"])
        received = history.at(history.day(ago), hour, rng.randrange(60))
        summary = _import(admin, district, tmp / f"history{number}.csv", rows, name, received)
        made += summary["tasks_created"]
        tasks = list(
            VerificationTask.objects.filter(
                origin_import__push_list_id=summary["list"], status=VerificationTask.Status.OPEN
            ).order_by("id")
        )
        for task in tasks:
            roll = rng.random()
            if roll < 0.12:
                continue  # never checked: overdue
            # Most within the day (the deadline is 24 hours), a few late.
            hours = rng.randrange(2, 22) if roll < 0.85 else rng.randrange(26, 60)
            when = received + dt.timedelta(hours=hours, minutes=rng.randrange(60))
            if when > timezone.now():
                continue
            actor = (
                worker
                if worker is not None and task.community_code == worker.code[:12]
                else _checker(rng.choice(CHECKERS), district)
            )
            if roll < 0.78:
                services.task_record(
                    scope=actor,
                    task=task,
                    outcome="found_at_home",
                    measure=rng.choice(("health_monitoring", "home_quarantine", "testing")),
                )
            else:
                services.task_record(
                    scope=actor,
                    task=task,
                    outcome="lives_elsewhere",
                    where_text="已回郑州市金水区居住",
                    where_code="410105",
                )
            # Backdated: recorded when the story says (the service stamped it now).
            found = VerificationTask.objects.filter(pk=task.pk)
            found.filter(closed_at__isnull=False).update(closed_at=when)
            found.update(verified_at=when)
            TaskEvent.objects.filter(
                task_id=task.pk, kind__in=[TaskEvent.Kind.RECORDED, TaskEvent.Kind.CLOSED]
            ).update(at=when)
            checked += 1
    return f"{made} checks, {checked} done"


def _work(
    district: str,
    places: dict[str, str],
    worker: Scope | None,
    officer: Scope | None,
    rng: random.Random,
    lists: list[int],
) -> int:
    """The demo community worker has checked some people; the subdistrict officer has
    re-routed one task that landed in the wrong community."""
    system = Scope.system(reason="demo data", code=district)
    community = places.get("community", "")
    mine = list(
        VerificationTask.objects.within(system)
        .within_code(community)
        .filter(status=VerificationTask.Status.OPEN, origin_import__push_list_id__in=lists)
        .order_by("id")
    )
    done = 0
    actor = worker or system
    measures = ("health_monitoring", "home_quarantine", "testing")
    for task in mine[:4]:
        services.task_record(
            scope=actor, task=task, outcome="found_at_home", measure=rng.choice(measures)
        )
        done += 1
    if len(mine) > 4:
        services.task_record(
            scope=actor,
            task=mine[4],
            outcome="lives_elsewhere",
            where_text="已回郑州市金水区居住",
            where_code="410105",
        )
        done += 1
    elsewhere = (
        VerificationTask.objects.within(system)
        .within_code(places.get("subdistrict", "~"))
        .exclude(community_code=community)
        .filter(status=VerificationTask.Status.OPEN, origin_import__push_list_id__in=lists)
        .order_by("id")
        .first()
    )
    if elsewhere is not None and community:
        services.task_reroute(
            scope=officer or system,
            task=elsewhere,
            to_code=community,
            reason="推送地址在中安街社区，本人实际居住在此",
        )
        done += 1
    return done
