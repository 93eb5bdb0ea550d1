"""`fangkong bench NAME …`: benchmarks that print one JSON line each.

`bench/run.sh` (`make bench`) runs them on a private PostgreSQL cluster. A benchmark is
a name with its options and a function returning the line as a dict; this command
holds the registry's `import` benchmark, and any installed app adds its own in a
`benchmarks` module with a `BENCHMARKS = {name: (add_arguments, run)}` dict, so a new
benchmark needs no change here.

`fangkong bench import --persons N` builds an .xlsx ledger of N synthetic people in a
throwaway district (419999, which no real district uses), imports it into an empty
community with `import_persons` in a fresh process (so its peak memory is the import's
alone), loads the same rows, already parsed, into a plain table with a raw COPY, removes
what it made (unless --keep) and prints
`{"bench": "import", "rows": …, "import_rows_per_s": …, "copy_rows_per_s": …,
"ratio": …, "peak_rss_mb": …}`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from stdnum.cn.ric import calc_check_digit

from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import open_table
from fangkong.registry.importer import ALIASES, REQUIRED, import_persons

AddArguments = Callable[[CommandParser], None]
Run = Callable[[dict[str, Any]], dict[str, Any]]

DISTRICT = "419999"
SUBDISTRICT = "419999001"
COMMUNITY = "419999001001"
LEDGER_HEADER = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "出生日期",
    "联系电话",
    "小区",
    "楼栋",
    "单元",
    "房号",
    "人员类别",
    "与户主关系",
]
COPY_COLUMNS = [
    ("name", "text"),
    ("sex", "text"),
    ("id_number", "text"),
    ("birth_date", "date"),
    ("phone", "text"),
    ("compound", "text"),
    ("building", "text"),
    ("unit", "text"),
    ("room", "text"),
    ("category", "text"),
    ("relation_to_head", "text"),
]
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬鹏辉建国"
    "志强海燕文博宇航子涵欣怡梓萱浩然俊杰雨萱晨阳思远佳怡"
)
_COMPOUNDS = [
    "金华",
    "锦绣",
    "阳光",
    "幸福",
    "和谐",
    "康宁",
    "怡园",
    "翠苑",
    "春晖",
    "铁路",
    "钢厂",
    "中原",
    "建业",
    "绿城",
    "正商",
    "鑫苑",
]
_RELATIONS = ["户主", "配偶", "子", "女", "父亲", "母亲"]
_CATEGORIES = ["户籍", "常住", "流动"]


class Command(BaseCommand):
    help = "Run a benchmark and print its result as one JSON line."

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
        for name, (add_arguments, _run) in benchmarks().items():
            add_arguments(subparsers.add_parser(name, help=f"the {name} benchmark"))

    def handle(self, *args: Any, **options: Any) -> None:
        _add, run = benchmarks()[options["benchmark"]]
        result = run(options)
        self.stdout.write(json.dumps(result, ensure_ascii=False))


def benchmarks() -> dict[str, tuple[AddArguments, Run]]:
    """This command's benchmarks plus those of every installed app's `benchmarks` module."""
    found: dict[str, tuple[AddArguments, Run]] = {"import": (_import_arguments, _import_run)}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.benchmarks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.benchmarks":
                raise
            continue
        found.update(getattr(module, "BENCHMARKS", {}))
    return found


# --- bench import -----------------------------------------------------------------------


def _import_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--persons",
        type=int,
        default=1_000_000,
        help="people in the generated ledger (default 1,000,000)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the benchmark district, its people and the ledger file",
    )
    # Internal: the measured import runs in a fresh process through this option.
    parser.add_argument("--import-only", metavar="LEDGER", help="(internal)")


def _say(message: str) -> None:
    print(f"bench import: {message}", file=sys.stderr, flush=True)


def _import_run(options: dict[str, Any]) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise CommandError(
            "The import benchmark measures PostgreSQL (its COPY and its import); "
            "set DATABASE_URL=postgresql://… and run it again."
        )
    if options.get("import_only"):
        return _measure_import(Path(options["import_only"]))
    persons = options["persons"]
    if persons < 1:
        raise CommandError("--persons must be at least 1.")
    _cleanup(drop_tree=True)
    _make_tree()
    workdir = Path(tempfile.mkdtemp(prefix="fangkong-bench-"))
    ledger = workdir / "ledger.xlsx"
    started = time.perf_counter()
    _write_ledger(ledger, persons, options["seed"])
    _say(
        f"wrote {persons:,} people to {ledger} ({ledger.stat().st_size / 1e6:.0f} MB) in "
        f"{time.perf_counter() - started:.0f} s"
    )
    try:
        read_seconds = _measure_read(ledger)
        _say(f"reading the file alone: {read_seconds:.1f} s")
        measured = _import_in_child(ledger)
        _say(f"import: {measured['seconds']:.1f} s, {measured['counts']}")
        copy_seconds = _measure_copy(persons, options["seed"])
        _say(f"raw COPY: {copy_seconds:.1f} s")
        indexed_seconds = _measure_copy_indexed(persons, options["seed"])
        _say(f"raw COPY into a copy of registry_person with its indexes: {indexed_seconds:.1f} s")
    finally:
        if not options["keep"]:
            _cleanup(drop_tree=True)
            ledger.unlink(missing_ok=True)
            workdir.rmdir()
    import_rate = persons / measured["seconds"]
    copy_rate = persons / copy_seconds
    return {
        "bench": "import",
        "rows": persons,
        "import_rows_per_s": round(import_rate),
        "copy_rows_per_s": round(copy_rate),
        "ratio": round(import_rate / copy_rate, 3),
        "peak_rss_mb": measured["peak_rss_mb"],
        # Two floors beside the baseline: reading the .xlsx and nothing else, and
        # a raw COPY that pays for the person table's indexes as the import must.
        "read_rows_per_s": round(persons / read_seconds),
        "copy_indexed_rows_per_s": round(persons / indexed_seconds),
        "ratio_indexed": round(import_rate / (persons / indexed_seconds), 3),
    }


def _make_tree() -> None:
    Jurisdiction.objects.create(
        code=DISTRICT, jurisdiction_code=DISTRICT, level="district", kind="district", name="基准区"
    )
    Jurisdiction.objects.create(
        code=SUBDISTRICT,
        jurisdiction_code=SUBDISTRICT,
        parent_id=DISTRICT,
        level="subdistrict",
        kind="subdistrict",
        name="基准街道",
    )
    Jurisdiction.objects.create(
        code=COMMUNITY,
        jurisdiction_code=COMMUNITY,
        parent_id=SUBDISTRICT,
        level="community",
        kind="community",
        name="基准社区",
    )


def _cleanup(*, drop_tree: bool) -> None:
    """Remove everything under 419999, children before parents (the audit log stays)."""
    like = f"{DISTRICT}%"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "DELETE FROM registry_residence WHERE person_id IN (SELECT id FROM "
            "registry_person WHERE community_code LIKE %s)",
            [like],
        )
        for table in (
            "registry_person",
            "registry_household",
            "registry_unit",
            "registry_building",
            "registry_compound",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE community_code LIKE %s", [like])
        cursor.execute("DROP TABLE IF EXISTS bench_import_copy")
        if drop_tree:
            for code in (COMMUNITY, SUBDISTRICT, DISTRICT):
                cursor.execute("DELETE FROM core_jurisdiction WHERE code = %s", [code])


def _people(count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """Synthetic residents, parsed: valid identity numbers, mobiles, flats in compounds.

    About 1,800 people per compound, 3 per flat; plain `random` (Faker per row would
    take longer than the import it feeds).
    """
    rng = random.Random(seed)
    given = list(_GIVEN)
    start = dt.date(1935, 1, 1).toordinal()
    span = dt.date(2022, 12, 31).toordinal() - start
    for n in range(count):
        flat, member = divmod(n, 3)
        compound_no, in_compound = divmod(flat, 600)
        building, in_building = divmod(in_compound, 60)
        unit, room_no = divmod(in_building, 30)
        floor, door = divmod(room_no, 2)
        # (birth date, sequence) is unique for n below 500 x span (16 million): the date
        # steps through the span in a scattered order, the sequence through 500 values.
        cls, order = divmod(n, 500)
        birth = dt.date.fromordinal(start + (cls * 7919) % span)
        sex = "M" if rng.random() < 0.5 else "F"
        body = f"410106{birth:%Y%m%d}{order * 2 + (sex == 'M'):03d}"
        yield (
            rng.choice(_SURNAMES) + rng.choice(given) + (rng.choice(given) if n % 3 else ""),
            "男" if sex == "M" else "女",
            body + calc_check_digit(body + "0"),  # stdnum wants a check digit slot
            birth,
            f"1{rng.choice('35789')}{rng.randrange(10**9):09d}",
            _compound_name(compound_no),
            f"{building + 1}号楼",
            f"{unit + 1}单元",
            f"{floor + 1}{door + 1:02d}",
            _CATEGORIES[n % 7 % 3],
            _RELATIONS[member if member < 2 else 2 + n % 4],
        )


def _compound_name(number: int) -> str:
    """金华小区1期, 锦绣小区1期, …: about 560 compounds for a million people."""
    word, phase = _COMPOUNDS[number % len(_COMPOUNDS)], number // len(_COMPOUNDS) + 1
    return f"{word}小区{phase}期"


def _write_ledger(path: Path, count: int, seed: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("人员信息")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_string(0, 0, "基准社区居民信息登记表")
    for col, name in enumerate(LEDGER_HEADER):
        sheet.write_string(1, col, name)
    for r, person in enumerate(_people(count, seed), start=2):
        sheet.write_number(r, 0, r - 1)
        for col, value in enumerate(person, start=1):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, col, value, date_format)
            else:
                sheet.write_string(r, col, value)
    book.close()


def _import_in_child(ledger: Path) -> dict[str, Any]:
    """Run the measured import in a fresh interpreter: its peak RSS is the import's own."""
    connection.close()
    result = subprocess.run(
        [sys.executable, "-m", "fangkong", "bench", "import", "--import-only", str(ledger)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CommandError(f"the import process failed:\n{result.stderr[-4000:]}")
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return measured


def _measure_import(ledger: Path) -> dict[str, Any]:
    scope = Scope.system(reason="benchmark: import")
    started = time.perf_counter()
    summary = import_persons(scope=scope, community_code=COMMUNITY, path=ledger)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counts = summary.counts()
    if counts["created"] != summary.rows or counts["rejected"]:
        raise CommandError(f"the benchmark ledger did not import cleanly: {counts}")
    return {"seconds": seconds, "peak_rss_mb": round(peak_kb / 1024), "counts": counts}


def _measure_copy(count: int, seed: int) -> float:
    """A raw COPY of the same rows (parsed values, same columns) into a plain table."""
    rows = list(_people(count, seed))
    columns = ", ".join(f"{name} {kind}" for name, kind in COPY_COLUMNS)
    names = ", ".join(name for name, _kind in COPY_COLUMNS)
    with connection.cursor() as cursor:  # autocommit: the table exists before the clock starts
        cursor.execute(f"CREATE TABLE bench_import_copy ({columns})")
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY bench_import_copy ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_import_copy")
    return seconds


def _measure_read(ledger: Path) -> float:
    """Only open the ledger and walk its rows: what any import of this file must pay."""

    started = time.perf_counter()
    with open_table(ledger, header_aliases=ALIASES, required=REQUIRED) as table:
        for _row in table.rows():
            pass
    return time.perf_counter() - started


_PERSON_COPY = (
    "jurisdiction_code, community_code, name, name_pinyin, name_initials, sex, birth_date, "
    "id_type, id_number, id_last4, phone, ethnicity, address, relation_to_head, category, "
    "is_elderly, is_frail, is_chronically_ill, is_disabled, is_pregnant, is_infant, "
    "lives_alone, needs_verification, status, remarks, source, created_at, updated_at"
)


def _measure_copy_indexed(count: int, seed: int) -> float:
    """A raw COPY of the same people, finished as the import stores them, into a copy of
    registry_person with all its indexes (no foreign keys, no households, no checks)."""
    now = dt.datetime.now(dt.UTC)
    rows = [
        (
            COMMUNITY,
            COMMUNITY,
            name,
            "",
            "",
            "M" if sex == "男" else "F",
            birth,
            "resident_id",
            id_number,
            id_number[-4:],
            phone,
            "",
            f"{compound}{building}{unit}{room}室",
            relation,
            "registered",
            False,
            False,
            False,
            False,
            False,
            False,
            False,
            False,
            "active",
            "",
            "ledger",
            now,
            now,
        )
        for (
            name,
            sex,
            id_number,
            birth,
            phone,
            compound,
            building,
            unit,
            room,
            _category,
            relation,
        ) in _people(count, seed)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_import_copy (LIKE registry_person INCLUDING DEFAULTS "
            "INCLUDING IDENTITY "
            "INCLUDING INDEXES INCLUDING CONSTRAINTS)"
        )
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY bench_import_copy ({_PERSON_COPY}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_import_copy")
    return seconds
