"""`fangkong bench pushlists --entries N`: import and match a pushed list of N entries
against the people already in the database (load them first with
`fangkong demo --persons 2000000`), and print one JSON line with a raw-SQL baseline
beside it: the staged identity numbers loaded and joined to registry_person.

`bench_push_match(entries, seed)` is the measurement itself, for other benchmarks
(`fangkong bench screening` prints its push_entries and push_match_s).

The list is made the way pushed lists look: mostly identity numbers of people in the
district, some phones with a name, some names with an address written differently
(3栋2单元501 for 3号楼2单元501室, the district in front), and some people the registry
does not know. It is imported with a system scope into a new list, timed from the file
to the committed cases, and removed again (unless --keep): its entries, the cases it
opened and their history.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Count

from fangkong.core.codes import Level, next_prefix
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import open_table
from fangkong.registry.demo import resident_id_check_digit
from fangkong.registry.models import Person
from fangkong.screening import benchmarks as screening_benchmarks

from .importer import ALIASES, NewList, import_push_list
from .models import PushList, PushListEntry, PushListImport, TaskEvent, VerificationTask

NAME = "基准推送名单"
HEADER = ["序号", "姓名", "身份证号", "手机号", "推送来源", "推送原因", "现住址"]
SHARES = {"id": 0.80, "phone": 0.08, "address": 0.07}  # the rest: people nobody knows


def _district(code: str | None) -> str:
    """The given district, else the one with the most people."""
    if code:
        return code
    scope = Scope.system(reason="benchmark: push lists")
    best = (
        Person.objects.within(scope)
        .values("community_code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if best is None:
        raise CommandError("The database holds no people; run `fangkong demo --persons N` first.")
    return str(best["community_code"])[:6]


def _sample(district: str, count: int, seed: int) -> list[tuple[Any, ...]]:
    """`count` people of the district, the same ones for the same seed, as (name,
    id_number, phone, address): random ids between the district's first and last, read
    in chunks by primary key."""
    low, high = district, next_prefix(district) or "~"
    where = "jurisdiction_code >= %s AND jurisdiction_code < %s AND status = 'active'"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM registry_person WHERE {where}", [low, high])
        first, last = cursor.fetchone()
        if first is None:
            return []
        rng = random.Random(seed)
        span = last - first + 1
        wanted = rng.sample(range(first, last + 1), min(span, int(count * 1.3) + 10))
        found: dict[int, tuple[Any, ...]] = {}
        for start in range(0, len(wanted), 500):
            ids = wanted[start : start + 500]
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"SELECT id, name, id_number, phone, address FROM registry_person WHERE "
                f"id IN ({marks}) AND {where}",
                [*ids, low, high],
            )
            found.update((row[0], row[1:]) for row in cursor.fetchall())
            if len(found) >= count:
                break
    return [found[pk] for pk in wanted if pk in found][:count]


def _rows(district: str, entries: int, seed: int) -> Iterator[list[Any]]:
    rng = random.Random(seed)
    people = _sample(district, entries, seed)
    for n in range(entries):
        pick = rng.random()
        reason = rng.choice(("近14天武汉漫游", "与确诊病例同车厢", "同航班", "来自中风险地区"))
        source = rng.choice(("通信大数据", "铁路", "民航"))
        person = people[n % len(people)] if people else None
        if person and pick < SHARES["id"] and person[1]:
            yield [person[0], person[1], "", source, reason, ""]
        elif person and pick < SHARES["id"] + SHARES["phone"] and person[2]:
            yield [person[0], "", person[2], source, reason, ""]
        elif person and pick < sum(SHARES.values()) and person[3]:
            written = str(person[3]).replace("号楼", "栋").replace("室", "")
            yield [person[0], "", "", source, reason, f"上街区{written}"]
        else:  # someone from far away (乌鲁木齐), a phone prefix the registry never has
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25000))
            body = f"650102{birth:%Y%m%d}{rng.randrange(1000):03d}"
            phone = f"140{rng.randrange(10**8):08d}"
            yield [f"旅客{n}", body + resident_id_check_digit(body), phone, source, reason, ""]


def _write(path: Path, rows: Iterator[list[Any]]) -> list[str]:
    """The list as an .xlsx (identity numbers as text); returns the identity numbers."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("协查名单")
    sheet.write_string(0, 0, f"{NAME}（基准测试）")
    for col, name in enumerate(HEADER):
        sheet.write_string(1, col, name)
    ids: list[str] = []
    for r, values in enumerate(rows, start=2):
        sheet.write_number(r, 0, r - 1)
        for col, value in enumerate(values, start=1):
            if value:
                sheet.write_string(r, col, value)
        if values[1]:
            ids.append(values[1])
    book.close()
    return ids


def _baseline(ids: list[str]) -> float:
    """The raw floor: load the identity numbers into a temp table (COPY on PostgreSQL)
    and join them to registry_person."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_push_ids")
        cursor.execute("CREATE TEMP TABLE bench_push_ids (id_number TEXT)")
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_push_ids (id_number) FROM STDIN") as copy:
                for number in ids:
                    copy.write_row((number,))
            cursor.execute("ANALYZE bench_push_ids")
        else:
            cursor.executemany("INSERT INTO bench_push_ids VALUES (%s)", [(n,) for n in ids])
        cursor.execute(
            "SELECT COUNT(*) FROM bench_push_ids b JOIN registry_person p ON "
            "p.id_number = b.id_number"
        )
        cursor.fetchone()
        cursor.execute("DROP TABLE bench_push_ids")
    return time.perf_counter() - started


def cleanup(push_list_id: int) -> None:
    """Remove a benchmark list: its entries (with the history they wrote into other
    cases), the cases its imports opened, and the list."""
    imports = list(
        PushListImport.objects.filter(push_list_id=push_list_id).values_list("pk", flat=True)
    )
    with transaction.atomic():
        tasks = VerificationTask.objects.filter(origin_import_id__in=imports)
        TaskEvent.objects.filter(entry__push_list_id=push_list_id).delete()
        PushListEntry.objects.filter(push_list_id=push_list_id).delete()
        TaskEvent.objects.filter(task__in=tasks).delete()
        tasks.delete()
        PushListImport.objects.filter(pk__in=imports).delete()
        PushList.objects.filter(pk=push_list_id).delete()


def bench_push_match(
    entries: int, seed: int = 1, *, district: str | None = None, keep: bool = False
) -> dict[str, Any]:
    """Import and match a pushed list of `entries` rows; return the measurements."""
    if entries < 1:
        raise CommandError("--entries must be at least 1.")
    code = _district(district)
    if not Jurisdiction.objects.filter(code=code, level=Level.DISTRICT).exists():
        raise CommandError(f"No district {code} in the database.")
    scope = Scope.system(reason="benchmark: push lists")
    persons = Person.objects.within(scope).within_code(code).count()
    workdir = Path(tempfile.mkdtemp(prefix="fangkong-bench-push-"))
    path = workdir / "list.xlsx"
    try:
        ids = _write(path, _rows(code, entries, seed))
        started = time.perf_counter()
        with open_table(path, header_aliases=ALIASES, required=set()) as table:
            for _row in table.rows():
                pass
        read_s = time.perf_counter() - started
        started = time.perf_counter()
        summary = import_push_list(
            scope=scope,
            district_code=code,
            path=path,
            new_list=NewList(name=f"{NAME} {entries}", source="基准测试", deadline_hours=24),
        )
        match_s = time.perf_counter() - started
        baseline_s = _baseline(ids)
    finally:
        path.unlink(missing_ok=True)
        workdir.rmdir()
    if not keep and summary.push_list_id is not None:
        cleanup(summary.push_list_id)
    result = summary.as_dict()
    return {
        "bench": "pushlists",
        "district": code,
        "persons": persons,
        "push_entries": entries,
        "push_match_s": round(match_s, 3),
        "push_read_s": round(read_s, 3),
        "baseline_join_s": round(baseline_s, 3),
        "ratio": round(match_s / baseline_s, 1) if baseline_s else None,
        "matched": result["matched"],
        "ambiguous": result["ambiguous"],
        "unmatched": result["unmatched"],
        "rejected": len(result["rejected"]),
        "tasks_created": result["tasks_created"],
        "tasks_joined": result["tasks_joined"],
        "database": connection.vendor,
    }


def _arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--entries", type=int, default=100_000, help="entries in the pushed list (default 100,000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--district", help="district code (default: the one with most people)")
    parser.add_argument("--keep", action="store_true", help="keep the list and its cases")


def _run(options: dict[str, Any]) -> dict[str, Any]:
    return bench_push_match(
        options["entries"], options["seed"], district=options.get("district"), keep=options["keep"]
    )


def _screening_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--persons", type=int, default=2_000_000, help="people in the demo district (2,000,000)"
    )
    parser.add_argument(
        "--entries", type=int, default=100_000, help="entries in the pushed list (100,000)"
    )
    parser.add_argument("--seed", type=int, default=1)


def _screening(options: dict[str, Any]) -> dict[str, Any]:
    """The issue's line: a round opened over the district and its coverage (with the raw
    baselines), then a pushed list matched against the same people."""
    rounds = screening_benchmarks.measure_rounds(options["persons"], options["seed"])
    push = bench_push_match(
        options["entries"], options["seed"], district=screening_benchmarks.DISTRICT
    )
    return {
        "bench": "screening",
        **rounds,
        "push_entries": push["push_entries"],
        "push_match_s": push["push_match_s"],
        "push_baseline_join_s": push["baseline_join_s"],
        "push_matched": push["matched"],
        "push_ambiguous": push["ambiguous"],
        "push_unmatched": push["unmatched"],
        "database": connection.vendor,
    }


BENCHMARKS = {"pushlists": (_arguments, _run), "screening": (_screening_arguments, _screening)}

__all__ = ["BENCHMARKS", "bench_push_match", "cleanup"]
