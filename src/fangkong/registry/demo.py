"""The demo district: real division codes, synthetic places and people.

`fangkong demo` builds a district (上街区, 410106, by default) from the packaged
division tables, adds grids, compounds, buildings, units and households, and fills
them with people whose identity numbers, ages, families and vulnerabilities look like
a real registry, so that every page and every benchmark has something true-to-life to
show. `--persons 2000000` is the benchmark size, so the people are not model objects:
rows are tuples made by a small generator (pools of names with their pinyin computed
once, identity numbers with their check digit computed here) and written with COPY on
PostgreSQL and executemany on SQLite, all in one transaction. The same seed on the same
day gives the same rows.

A district that already has people is left alone: running `make run` twice keeps the
data it has.
"""

from __future__ import annotations

import datetime as dt
import math
import queue
import random
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as ChineseNames

from fangkong.accounts.management.commands.demo_accounts import demo_accounts_ensure
from fangkong.accounts.services import roles_sync
from fangkong.core import audit
from fangkong.core.codes import Level
from fangkong.core.divisions import _table as division_table
from fangkong.core.divisions import load_district
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

from . import derive
from .models import Building, Compound, Household, Person, Residence, Unit

DEFAULT_DISTRICT = "410106"
DEFAULT_PERSONS = 20_000
EMPTY_SHARE = 0.08  # households with nobody registered in them
NO_ID_SHARE = 0.01  # people known by name only, to be verified
CHUNK_ROWS = 20_000

Progress = Callable[[str], None]

# --- The shape of the population -----------------------------------------------------
# Household sizes, roughly the 2020 census for urban Henan (mean about 2.5).
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
HOUSEHOLD_SIZE_WEIGHTS = (0.25, 0.30, 0.23, 0.12, 0.08, 0.02)

REGISTERED = Person.Category.REGISTERED.value
RESIDENT = Person.Category.RESIDENT.value
FLOATING = Person.Category.FLOATING.value
RESIDENT_ID = Person.IdType.RESIDENT_ID.value
ACTIVE = Person.Status.ACTIVE.value
COMPOUND, YARD, VILLAGE_GROUP = (
    Compound.Kind.COMPOUND.value,
    Compound.Kind.YARD.value,
    Compound.Kind.VILLAGE_GROUP.value,
)

# Ages of children living with their parents, from babies to unmarried thirty-year-olds.
CHILD_AGE_BANDS = ((0, 5), (6, 11), (12, 17), (18, 24), (25, 32))
CHILD_AGE_WEIGHTS = (0.17, 0.21, 0.22, 0.24, 0.16)

RELATION_HEAD, RELATION_SPOUSE, RELATION_CHILD, RELATION_PARENT, RELATION_GRANDCHILD = (
    "户主",
    "配偶",
    "子女",
    "父母",
    "孙子女",
)

ETHNIC_MINORITIES = ("满族", "蒙古族", "壮族", "土家族")

# Region codes of identity numbers. Most people were born in Zhengzhou, many in other
# Henan counties (read from the division tables), some elsewhere in China; elderly
# people often carry codes that have since been retired.
SHANGJIE = "410106"
ZHENGZHOU = (
    "410102",
    "410103",
    "410104",
    "410105",
    "410108",
    "410122",
    "410181",
    "410182",
    "410183",
    "410184",
    "410185",
)
OTHER_PROVINCES = (
    "110105",
    "130102",
    "130402",
    "140105",
    "320102",
    "340102",
    "370102",
    "371702",
    "420106",
    "440106",
    "510104",
    "610103",
)
RETIRED = ("410111", "410121", "410124", "412301", "412701", "412801")

MOBILE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)

# Compound names as Shangjie has them: an aluminium-works town with old work-unit yards
# (家属院, 生活区) beside newer estates.
COMPOUND_STEMS = (
    "金华",
    "康馨",
    "铝城",
    "汇丰",
    "锦绣",
    "阳光",
    "幸福",
    "和谐",
    "怡园",
    "翠竹",
    "桂园",
    "丽景",
    "天润",
    "鑫苑",
    "碧水",
    "东方",
    "民安",
    "新华",
    "朝阳",
    "嵩山",
    "中原",
    "福泽",
    "瑞祥",
    "兴华",
    "绿城",
    "昌建",
    "美景",
    "明珠",
    "盛世",
    "如意",
    "吉祥",
    "鸿园",
    "颐和",
    "桃源",
    "江南",
    "淮安",
    "香园",
    "通航",
    "金苑",
    "汇才",
    "祥云",
    "博文",
    "蓝天",
    "晨光",
    "振兴",
    "金昌",
    "紫荆",
    "玉兰",
    "银河",
    "安泰",
    "泰和",
    "书香",
    "御景",
    "宏达",
    "万和",
    "永安",
    "长兴",
    "嘉园",
    "龙泉",
    "秀水",
)
COMPOUND_SUFFIXES = (
    "小区",
    "苑",
    "花园",
    "家园",
    "新村",
    "公寓",
    "雅居",
    "名苑",
    "佳苑",
    "华府",
    "新城",
    "嘉园",
)
YARD_NAMES = (
    "铝厂家属院",
    "铝厂生活区",
    "电厂家属院",
    "机务段家属院",
    "汽车站家属院",
    "粮食局家属院",
    "供电局家属院",
    "铝业公司生活区",
    "建材厂家属院",
    "医院家属院",
    "第二中学家属院",
    "耐材厂家属院",
    "税务局家属院",
    "邮政局家属院",
)
ROADS = (
    "济源路",
    "中心路",
    "新安路",
    "工业路",
    "登封路",
    "淮阳路",
    "许昌路",
    "汝南路",
    "安阳路",
    "金华路",
    "峡窝路",
    "西林路",
    "通航路",
    "朝阳路",
    "科学大道",
)

# Given names by generation and sex. The older ones are Faker's (张建国, 王秀英); the
# younger ones are built from the characters parents chose after 1990.
_OLD_MALE = (
    "建国",
    "建军",
    "建华",
    "国强",
    "志强",
    "德明",
    "国庆",
    "振华",
    "永福",
    "长顺",
    "文革",
    "卫东",
    "跃进",
    "保国",
    "玉山",
    "金生",
    "春生",
    "富贵",
    "守信",
    "广田",
)
_OLD_FEMALE = (
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "淑珍",
    "凤英",
    "玉珍",
    "玉梅",
    "兰英",
    "桂芝",
    "秀珍",
    "素芳",
    "凤兰",
    "淑英",
    "玉芬",
    "秀荣",
    "翠花",
    "桂香",
    "春梅",
)
_YOUNG_MALE = (
    (
        "子",
        "浩",
        "宇",
        "俊",
        "梓",
        "博",
        "思",
        "一",
        "嘉",
        "明",
        "睿",
        "天",
        "奕",
        "泽",
        "皓",
        "文",
        "昊",
        "雨",
        "家",
        "沐",
    ),
    (
        "轩",
        "涵",
        "然",
        "宇",
        "辰",
        "杰",
        "睿",
        "阳",
        "铭",
        "泽",
        "哲",
        "航",
        "博",
        "豪",
        "洋",
        "凯",
        "霖",
        "川",
        "晨",
        "诚",
    ),
)
_YOUNG_FEMALE = (
    (
        "欣",
        "梓",
        "子",
        "雨",
        "诗",
        "佳",
        "可",
        "思",
        "一",
        "语",
        "若",
        "紫",
        "梦",
        "晨",
        "嘉",
        "艺",
        "佳",
        "静",
        "雅",
        "书",
    ),
    (
        "怡",
        "萱",
        "涵",
        "彤",
        "琪",
        "妍",
        "悦",
        "瑶",
        "琳",
        "桐",
        "诺",
        "汐",
        "晴",
        "雯",
        "菲",
        "然",
        "宁",
        "冉",
        "溪",
        "瑶",
    ),
)

_CN_NUMERALS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 23 -> 二十三 (for 第一网格 and 十二组)."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_NUMERALS[ones]
    return (_CN_NUMERALS[tens] if tens > 1 else "") + "十" + (_CN_NUMERALS[ones] if ones else "")


# --- Identity numbers ------------------------------------------------------------------
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _weighted(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True))


# The sequence part (digits 15-17) with its share of the weighted sum.
_SEQUENCES = [(f"{n:03d}", _weighted(f"{n:03d}", _WEIGHTS[14:])) for n in range(1000)]


def resident_id_check_digit(first17: str) -> str:
    """GB 11643 check digit (ISO 7064 MOD 11-2)."""
    return _CHECK[_weighted(first17, _WEIGHTS) % 11]


@dataclass(frozen=True)
class CommunityInfo:
    code: str
    name: str
    kind: str  # Jurisdiction.Kind.COMMUNITY or VILLAGE
    grids: tuple[str, ...]


@dataclass
class DemoResult:
    district: str
    already_loaded: bool
    counts: dict[str, int] = field(default_factory=dict)
    accounts_created: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column
    return field.column


class _Writer:
    """Buffers rows per table and writes them in chunks, in the caller's transaction.

    PostgreSQL gets COPY, from a second thread: while the server takes in one chunk the
    generator makes the next, so the two cores work at once. The thread uses the raw
    connection only while the main thread leaves the database alone, and `close()`
    always waits for it. SQLite gets executemany in the calling thread.
    """

    def __init__(
        self,
        columns: dict[type[models.Model], list[str]],
        rows: dict[type[models.Model], list[tuple[Any, ...]]],
    ):
        self.vendor = connection.vendor
        self.statements: dict[type[models.Model], str] = {}
        for model, fields in columns.items():
            table = connection.ops.quote_name(model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(_column(model, f)) for f in fields)
            if self.vendor == "postgresql":
                self.statements[model] = f"COPY {table} ({cols}) FROM STDIN"
            else:
                marks = ", ".join("?" * len(fields))
                self.statements[model] = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        self.rows = rows
        connection.ensure_connection()
        self.raw = connection.connection
        self.queue: queue.Queue[tuple[type[models.Model], list[tuple[Any, ...]]] | None] = (
            queue.Queue(maxsize=3)
        )
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = None
        if self.vendor == "postgresql":
            self.thread = threading.Thread(target=self._work, name="demo-copy", daemon=True)
            self.thread.start()

    def _write(self, model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
        if self.vendor != "postgresql":
            self.raw.executemany(self.statements[model], rows)
            return
        with self.raw.cursor() as cursor, cursor.copy(self.statements[model]) as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    self._write(*item)
                except BaseException as exc:  # handed to the main thread
                    self.error = exc

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def flush(self, model: type[models.Model]) -> None:
        rows = self.rows[model]
        if not rows:
            return
        self.rows[model] = []
        if self.thread is not None:
            self._raise()
            self.queue.put((model, rows))
        else:
            self._write(model, rows)

    def flush_full(self) -> None:
        for model, rows in self.rows.items():
            if len(rows) >= CHUNK_ROWS:
                self.flush(model)

    def close(self, *, flush: bool = True) -> None:
        """Write what is left (unless the load failed) and wait for the writer thread."""
        if flush:
            for model in self.rows:
                self.flush(model)
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        self._raise()


PLACE_FIELDS = [
    "id",
    "jurisdiction_code",
    "community_code",
    "name",
    "is_active",
    "created_at",
    "updated_at",
]
COLUMNS: dict[type[models.Model], list[str]] = {
    Compound: [*PLACE_FIELDS, "kind", "address"],
    Building: [*PLACE_FIELDS, "compound", "sort_key"],
    Unit: [*PLACE_FIELDS, "building", "sort_key"],
    Household: [*PLACE_FIELDS, "compound", "building", "unit", "address", "sort_key"],
    Person: [
        "id",
        "jurisdiction_code",
        "community_code",
        "household",
        "name",
        "name_pinyin",
        "name_initials",
        "sex",
        "birth_date",
        "id_type",
        "id_number",
        "id_last4",
        "phone",
        "ethnicity",
        "address",
        "relation_to_head",
        "category",
        "is_elderly",
        "is_frail",
        "is_chronically_ill",
        "is_disabled",
        "is_pregnant",
        "is_infant",
        "lives_alone",
        "needs_verification",
        "status",
        "remarks",
        "source",
        "created_at",
        "updated_at",
    ],
    Residence: [
        "id",
        "person",
        "jurisdiction_code",
        "household",
        "address",
        "started_at",
        "reason",
    ],
}


class _Names:
    """Full names with their pinyin, from a bounded pool per surname, sex and generation.

    pypinyin costs about 0.1 ms a name, so computing it for two million people would
    take minutes. Names are drawn from pools capped at about one name per twelve people
    (two million people share some 75,000 names, as real districts share 张伟 and 王芳),
    and each name's pinyin is computed once, by the same function as every other path.
    """

    def __init__(self, rng: random.Random, pool_size: int):
        self.rng = rng
        weights = ChineseNames.last_names
        self.surnames = list(weights)
        total = sum(weights.values())
        self.surname_cum = list(_accumulate([weights[s] / total for s in self.surnames]))
        self.caps = {s: max(3, int(pool_size * weights[s] / total / 6)) for s in self.surnames}
        self.pool: dict[tuple[str, str, int], list[tuple[str, str, str]]] = {}
        self.fields: dict[str, tuple[str, str]] = {}
        self.mid_male = [n for n in ChineseNames.first_names_male if n not in _OLD_MALE]
        self.mid_female = [n for n in ChineseNames.first_names_female if n not in _OLD_FEMALE]

    def surname(self) -> str:
        return self.surnames[bisect_left(self.surname_cum, self.rng.random())]

    def _given(self, sex: str, era: int) -> str:
        rng = self.rng
        male = sex == "M"
        if era == 0:
            if rng.random() < 0.5:
                return rng.choice(_OLD_MALE if male else _OLD_FEMALE)
            return rng.choice(self.mid_male if male else self.mid_female)
        if era == 1:
            given = rng.choice(self.mid_male if male else self.mid_female)
            if len(given) == 1 and rng.random() < 0.5:
                given += rng.choice(self.mid_male if male else self.mid_female)[-1]
            return given
        first, second = _YOUNG_MALE if male else _YOUNG_FEMALE
        if rng.random() < 0.12:
            return rng.choice(second)
        return rng.choice(first) + rng.choice(second)

    def name(self, surname: str, sex: str, birth_year: int) -> tuple[str, str, str]:
        era = 0 if birth_year < 1960 else (1 if birth_year < 1990 else 2)
        key = (surname, sex, era)
        pool = self.pool.get(key)
        if pool is None:
            pool = self.pool[key] = []
        if len(pool) >= self.caps[surname]:
            return pool[int(self.rng.random() * len(pool))]
        full = surname + self._given(sex, era)
        cached = self.fields.get(full)
        if cached is None:
            search = derive.person_search_fields(full, None)
            cached = self.fields[full] = (search["name_pinyin"], search["name_initials"])
        entry = (full, *cached)
        pool.append(entry)
        return entry


def _accumulate(values: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for v in values:
        total += v
        out.append(total)
    out[-1] = 1.0
    return out


class _ResidentIds:
    """Unique 18-digit identity numbers that match a birth date and sex.

    Uniqueness is by construction: each (region, birth date, sex) slot hands out its
    499 sequence numbers in a scrambled order, so only a counter per slot is kept (an
    array of 16-bit integers), not the numbers. Numbers that already exist in the
    database (another district) are skipped.
    """

    FIRST_DAY = dt.date(1900, 1, 1).toordinal()

    def __init__(self, today: dt.date, regions: Sequence[str], existing: set[str]):
        self.regions = list(regions)
        self.index = {code: i for i, code in enumerate(self.regions)}
        self.days = today.toordinal() - self.FIRST_DAY + 1
        self.counters = array("H", bytes(2 * len(self.regions) * self.days * 2))
        self.region_sums = [_weighted(code, _WEIGHTS[:6]) for code in self.regions]
        self.date_sums: dict[str, int] = {}
        self.existing = existing

    def make(self, region: str, birth_ordinal: int, birth_digits: str, male: bool) -> str:
        r = self.index[region]
        slot = ((r * self.days) + birth_ordinal - self.FIRST_DAY) * 2 + (1 if male else 0)
        date_sum = self.date_sums.get(birth_digits)
        if date_sum is None:
            date_sum = self.date_sums[birth_digits] = _weighted(birth_digits, _WEIGHTS[6:14])
        base = self.region_sums[r] + date_sum
        while True:
            k = self.counters[slot]
            if k >= 499:
                raise OverflowError("no sequence numbers left for this region and birth date")
            self.counters[slot] = k + 1
            # 0..498 scrambled by a multiplier prime to 499; odd numbers for men.
            digits, weight = _SEQUENCES[((slot * 131 + k * 197) % 499) * 2 + (1 if male else 2)]
            number = f"{region}{birth_digits}{digits}{_CHECK[(base + weight) % 11]}"
            if not self.existing or number not in self.existing:
                return number


Member = tuple[str, str, int, str]  # relation to the head, sex, age, surname


class DemoGenerator:
    """Makes the rows of the demo district; knows nothing of the database.

    `rows` receives (model, row) pairs in the order of COLUMNS; ids are given here
    (starting after the largest existing ids) so that rows can refer to each other
    without reading anything back.
    """

    def __init__(
        self,
        *,
        persons: int,
        seed: int,
        today: dt.date,
        communities: Sequence[CommunityInfo],
        first_ids: dict[type[models.Model], int],
        existing_id_numbers: set[str],
        now_text: str,
        sink: Callable[[type[models.Model], tuple[Any, ...]], None],
        reserved_compound_names: dict[str, set[str]] | None = None,
        timestamp_suffix: str = "",
    ):
        self.persons = persons
        self.rng = random.Random(f"fangkong-demo:{seed}")
        self.today = today
        self.today_ordinal = today.toordinal()
        self.communities = list(communities)
        self.next_id = dict(first_ids)
        self.now = now_text
        self.sink = sink
        self.reserved = reserved_compound_names or {}
        henan = sorted(
            code for code in division_table(6) if not code.startswith("4101") and int(code[4:]) < 70
        )
        self.other_henan = henan
        regions = [SHANGJIE, *ZHENGZHOU, *henan, *OTHER_PROVINCES, *RETIRED]
        self.ids = _ResidentIds(today, list(dict.fromkeys(regions)), existing_id_numbers)
        self.names = _Names(self.rng, min(persons, max(20_000, persons // 12)))
        self.size_cum = _accumulate(HOUSEHOLD_SIZE_WEIGHTS)
        self.child_age_cum = _accumulate(CHILD_AGE_WEIGHTS)
        self.birth_cache: dict[int, tuple[int, str, str, int, bool, bool]] = {}
        self.timestamps: dict[int, str] = {}
        self.timestamp_suffix = timestamp_suffix
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "grids",
                "compounds",
                "buildings",
                "units",
                "households",
                "empty_households",
                "persons",
                "residences",
                "without_id_number",
            ),
            0,
        )
        self.compound_names = self._compound_names()
        self.compound_round = 1

    # -- helpers ----------------------------------------------------------------------
    def _id(self, model: type[models.Model]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def _compound_names(self) -> list[tuple[str, str]]:
        combos = [
            (f"{stem}{suffix}", COMPOUND) for stem in COMPOUND_STEMS for suffix in COMPOUND_SUFFIXES
        ]
        self.rng.shuffle(combos)
        yards = [(name, YARD) for name in YARD_NAMES]
        # About one compound in eight is an old work-unit yard.
        names: list[tuple[str, str]] = []
        while combos or yards:
            if yards and (not combos or self.rng.random() < 0.12):
                names.append(yards.pop())
            else:
                names.append(combos.pop())
        return names

    def _birth(self, age: int) -> tuple[int, str, str, int, bool, bool]:
        """(ordinal, ISO date, YYYYMMDD, year, is_elderly, is_infant) for an age in years."""
        ordinal = self.today_ordinal - int((age + self.rng.random()) * 365.2425)
        ordinal = min(ordinal, self.today_ordinal)
        cached = self.birth_cache.get(ordinal)
        if cached is None:
            date = dt.date.fromordinal(ordinal)
            flags = derive.age_flags(date, self.today)
            cached = self.birth_cache[ordinal] = (
                ordinal,
                date.isoformat(),
                date.isoformat().replace("-", ""),
                date.year,
                flags["is_elderly"],
                flags["is_infant"],
            )
        return cached

    def _region(self, category: str, birth_year: int) -> str:
        """The region code of someone's identity number: where they were registered at birth."""
        random_ = self.rng.random
        r = random_()
        if birth_year < 1994 and random_() < 0.03:
            codes: Sequence[str] = RETIRED
        elif category == REGISTERED:
            if r < 0.72:
                return SHANGJIE
            codes = ZHENGZHOU if r < 0.90 else (self.other_henan if r < 0.98 else OTHER_PROVINCES)
        elif r < 0.05:
            return SHANGJIE
        else:
            codes = ZHENGZHOU if r < 0.30 else (self.other_henan if r < 0.80 else OTHER_PROVINCES)
        return codes[int(random_() * len(codes))]

    # -- households -------------------------------------------------------------------
    def household_size(self) -> int:
        return HOUSEHOLD_SIZES[bisect_left(self.size_cum, self.rng.random())]

    def members(self, size: int) -> list[Member]:
        """Who lives together: a plausible family of `size`, as (relation, sex, age, surname).

        Children's ages are drawn first and parents are placed a generation above them,
        with the mix of family types tuned so that the district's age pyramid comes out
        like the 2020 census: about 19 % aged 60 or more and 5-6 % under six.
        """
        random_ = self.rng.random
        surname = self.names.surname
        child_cum = self.child_age_cum

        def between(low: int, high: int) -> int:
            return low + int(random_() * (high - low + 1))

        def child_age() -> int:
            low, high = CHILD_AGE_BANDS[bisect_left(child_cum, random_())]
            return between(low, high)

        def couple(head_age: int) -> list[Member]:
            if random_() < 0.75:
                return [
                    (RELATION_HEAD, "M", head_age, surname()),
                    (RELATION_SPOUSE, "F", max(20, head_age - between(0, 5)), surname()),
                ]
            return [
                (RELATION_HEAD, "F", head_age, surname()),
                (RELATION_SPOUSE, "M", head_age + between(0, 5), surname()),
            ]

        def with_children(count: int, single: bool = False) -> list[Member]:
            """Parents and `count` children; the eldest child's age decides the parents'."""
            eldest = child_age()
            mother = eldest + between(23, 34)
            if single:
                people = [(RELATION_HEAD, "F" if random_() < 0.65 else "M", mother, surname())]
                family = people[0][3]
            else:
                people = couple(mother + between(0, 3))
                family = people[0][3] if people[0][1] == "M" else people[1][3]
            age = eldest
            for _ in range(count):
                people.append((RELATION_CHILD, "M" if random_() < 0.515 else "F", age, family))
                age = max(0, age - between(2, 7))
            return people

        def parents(head: Member, count: int) -> list[Member]:
            age = min(98, head[2] + between(24, 34))
            father = (RELATION_PARENT, "M", age, head[3])
            mother = (RELATION_PARENT, "F", max(head[2] + 20, age - between(0, 4)), surname())
            if count == 2:
                return [father, mother]
            # Widowed parents living with a child are mostly mothers.
            return [mother if random_() < 0.65 else father]

        r = random_()
        if size == 1:
            if r < 0.27:
                age = int(self.rng.triangular(60, 96, 66))
                sex = "F" if random_() < 0.62 else "M"
            elif r < 0.72:
                age, sex = between(19, 39), "M" if random_() < 0.56 else "F"
            else:
                age, sex = between(40, 59), "M" if random_() < 0.52 else "F"
            return [(RELATION_HEAD, sex, age, surname())]
        if size == 2:
            if r < 0.23:
                return couple(int(self.rng.triangular(60, 90, 63)))
            if r < 0.70:
                return couple(between(24, 35) if random_() < 0.4 else between(45, 59))
            if r < 0.90:
                return with_children(1, single=True)
            head = (RELATION_HEAD, "M" if random_() < 0.6 else "F", between(36, 60), surname())
            return [head, *parents(head, 1)]
        if size == 3:
            if r < 0.80:
                return with_children(1)
            if r < 0.93:
                people = couple(between(26, 50))
                return people + parents(people[0], 1)
            people = couple(between(56, 72))
            family = people[0][3] if people[0][1] == "M" else people[1][3]
            return [
                *people,
                (RELATION_GRANDCHILD, "M" if random_() < 0.515 else "F", between(0, 15), family),
            ]
        if size == 4:
            if r < 0.70:
                return with_children(2)
            people = with_children(1)
            return people + parents(people[0], 1)
        if size == 5:
            people = with_children(2) if r < 0.55 else with_children(1)
            return people + parents(people[0], 1 if len(people) == 4 else 2)
        people = with_children(2)
        return people + parents(people[0], 2)

    # -- places -----------------------------------------------------------------------
    def _split(self, total: int, parts: int) -> list[int]:
        """total split into `parts` positive, uneven shares."""
        parts = max(1, min(parts, total)) if total else 1
        weights = [0.5 + self.rng.random() for _ in range(parts)]
        scale = total / sum(weights)
        shares = [int(w * scale) for w in weights]
        for i in range(total - sum(shares)):
            shares[i % parts] += 1
        return shares

    def _building_shape(self, style: int, remaining: int) -> tuple[int, int, int]:
        """(floors, units, rooms per floor) of the next building of a compound."""
        rng = self.rng
        if style == 0:  # old walk-ups
            shape = (rng.randint(6, 7), rng.randint(2, 4), 2)
        else:  # high-rises
            shape = (rng.randint(11, 18), rng.randint(1, 2), rng.randint(2, 4))
        size = shape[0] * shape[1] * shape[2]
        if remaining - size < 12:
            return _best_fit(remaining)
        return shape

    def community(self, info: CommunityInfo, people: int) -> None:
        """All places and people of one community."""
        rng = self.rng
        sizes = self._household_sizes(people)
        occupied = len(sizes)
        target = max(occupied, math.ceil(occupied / (1 - EMPTY_SHARE)))
        is_village = info.kind == Jurisdiction.Kind.VILLAGE
        # (jurisdiction code, compound id, building id, unit id, room, address, sort key)
        slots: list[tuple[str, int, int | None, int | None, str, str, int]] = []
        grids = info.grids or (info.code,)
        reserved = self.reserved.get(info.code, set())
        if is_village:
            groups = max(2, min(30, round(people / 350)))
            quotas = self._split(target, groups)
            number = 0
            for index, quota in enumerate(quotas):
                number += 1
                name = f"{chinese_number(number)}组"
                while name in reserved:
                    number += 1
                    name = f"{chinese_number(number)}组"
                code = grids[index * len(grids) // len(quotas)]
                compound_id = self._id(Compound)
                self.sink(
                    Compound,
                    (
                        compound_id,
                        code,
                        info.code,
                        name,
                        True,
                        self.now,
                        self.now,
                        VILLAGE_GROUP,
                        f"{info.name}{name}",
                    ),
                )
                self.counts["compounds"] += 1
                for house in range(1, quota + 1):
                    room = str(house)
                    address = derive.household_address(f"{info.name}{name}", None, None, room)
                    slots.append((code, compound_id, None, None, room, address, house))
        else:
            n_compounds = max(1 if people < 150 else 2, round(people / 1500))
            quotas = self._split(target, n_compounds)
            plans = []  # (compound id, name, kind, [(floors, units, rooms per floor)])
            for quota in quotas:
                name, kind = self._next_compound_name(reserved)
                style = 0 if kind == YARD or rng.random() < 0.35 else 1
                buildings, remaining = [], quota
                while remaining > 0:
                    shape = self._building_shape(style, remaining)
                    buildings.append(shape)
                    remaining -= shape[0] * shape[1] * shape[2]
                plans.append((self._id(Compound), name, kind, buildings))
            total_buildings = sum(len(p[3]) for p in plans)
            index = 0
            for compound_id, name, kind, buildings in plans:
                codes = set()
                for number, (floors, units, rooms) in enumerate(buildings, start=1):
                    code = grids[index * len(grids) // total_buildings]
                    codes.add(code)
                    index += 1
                    building_id = self._id(Building)
                    building = f"{number}号楼"
                    self.sink(
                        Building,
                        (
                            building_id,
                            code,
                            info.code,
                            building,
                            True,
                            self.now,
                            self.now,
                            compound_id,
                            number,
                        ),
                    )
                    self.counts["buildings"] += 1
                    for u in range(1, units + 1):
                        unit_id = self._id(Unit)
                        unit = f"{u}单元"
                        self.sink(
                            Unit,
                            (
                                unit_id,
                                code,
                                info.code,
                                unit,
                                True,
                                self.now,
                                self.now,
                                building_id,
                                u,
                            ),
                        )
                        self.counts["units"] += 1
                        prefix = f"{name}{building}{unit}"
                        for floor in range(1, floors + 1):
                            for r in range(1, rooms + 1):
                                room = f"{floor}{r:02d}"
                                slots.append(
                                    (
                                        code,
                                        compound_id,
                                        building_id,
                                        unit_id,
                                        room,
                                        f"{prefix}{room}室",
                                        floor * 100 + r,
                                    )
                                )
                compound_code = codes.pop() if len(codes) == 1 else info.code
                address = f"{rng.choice(ROADS)}{rng.randint(1, 299)}号"
                self.sink(
                    Compound,
                    (
                        compound_id,
                        compound_code,
                        info.code,
                        name,
                        True,
                        self.now,
                        self.now,
                        kind,
                        address,
                    ),
                )
                self.counts["compounds"] += 1
        chosen = sorted(rng.sample(range(len(slots)), occupied))
        size_of = dict(zip(chosen, sizes, strict=True))
        category = self._categories(is_village)
        for index, (
            code,
            compound_ref,
            building_ref,
            unit_ref,
            room,
            address,
            sort_key,
        ) in enumerate(slots):
            household_id = self._id(Household)
            self.sink(
                Household,
                (
                    household_id,
                    code,
                    info.code,
                    room,
                    True,
                    self.now,
                    self.now,
                    compound_ref,
                    building_ref,
                    unit_ref,
                    address,
                    sort_key,
                ),
            )
            self.counts["households"] += 1
            size = size_of.get(index)
            if size is None:
                self.counts["empty_households"] += 1
                continue
            self._people(household_id, code, info.code, address, size, category())

    def _next_compound_name(self, reserved: set[str]) -> tuple[str, str]:
        """A compound name not yet used in the district, nor in this community.

        When the list runs out (very large districts) it starts again with 二期, 三期 ...,
        as developers do.
        """
        while True:
            if not self.compound_names:
                self.compound_round += 1
                phase = f"{chinese_number(min(self.compound_round, 99))}期"
                self.compound_names = [
                    (f"{name}{phase}", kind) for name, kind in self._compound_names()
                ]
            name, kind = self.compound_names.pop()
            if name not in reserved:
                reserved.add(name)
                return name, kind

    def _household_sizes(self, people: int) -> list[int]:
        """Household sizes that add up to exactly `people`."""
        sizes: list[int] = []
        left = people
        while left > 0:
            size = min(self.household_size(), left)
            sizes.append(size)
            left -= size
        self.rng.shuffle(sizes)
        return sizes

    def _categories(self, is_village: bool) -> Callable[[], str]:
        floating = 0.03 if is_village else 0.08
        rng = self.rng

        def pick() -> str:
            r = rng.random()
            if r < floating:
                return FLOATING
            if r < floating + 0.06:
                return RESIDENT
            return REGISTERED

        return pick

    # -- people -----------------------------------------------------------------------
    def _people(
        self, household_id: int, code: str, community: str, address: str, size: int, category: str
    ) -> None:
        rng = self.rng
        random_ = rng.random
        members = self.members(size)
        r = random_()
        if r >= 0.017:
            ethnicity = "汉族"
        elif r < 0.015:
            ethnicity = "回族"
        else:
            ethnicity = ETHNIC_MINORITIES[int(random_() * len(ETHNIC_MINORITIES))]
        if category == REGISTERED:
            moved_in = self.today_ordinal - int(random_() * 35 * 365)
        else:
            moved_in = self.today_ordinal - 30 - int(random_() * 1500)
        alone_elderly = size == 1 and members[0][2] >= derive.ELDERLY_AGE
        sink, birth, name_of, region_of = self.sink, self._birth, self.names.name, self._region
        make_id, timestamp, now = self.ids.make, self._timestamp, self.now
        person_id, residence_id = self.next_id[Person], self.next_id[Residence]
        without_id = 0
        for relation, sex, age, surname in members:
            ordinal, iso, digits, year, is_elderly, is_infant = birth(age)
            name, pinyin, initials = name_of(surname, sex, year)
            if random_() < NO_ID_SHARE:
                id_type, id_number, last4, verify = "", None, "", True
                without_id += 1
            else:
                id_number = make_id(region_of(category, year), ordinal, digits, sex == "M")
                id_type, last4, verify = RESIDENT_ID, id_number[-4:], False
            phone_share = 0.05 if age < 14 else (0.5 if age >= 80 else 0.95)
            if random_() < phone_share:
                phone = (
                    f"{MOBILE_PREFIXES[int(random_() * len(MOBILE_PREFIXES))]}"
                    f"{int(random_() * 100_000_000):08d}"
                )
            else:
                phone = ""
            if is_elderly:
                ill, disabled = random_() < 0.30, random_() < 0.085
            elif age >= 18:
                ill, disabled = random_() < 0.05, random_() < 0.03
            else:
                ill, disabled = False, random_() < 0.03
            frail = age >= 75 and random_() < 0.10
            pregnant = sex == "F" and 20 <= age <= 40 and random_() < 0.015
            lives_alone = alone_elderly and random_() < 1 / 3
            sink(
                Person,
                (
                    person_id,
                    code,
                    community,
                    household_id,
                    name,
                    pinyin,
                    initials,
                    sex,
                    iso,
                    id_type,
                    id_number,
                    last4,
                    phone,
                    ethnicity,
                    address,
                    relation,
                    category,
                    is_elderly,
                    frail,
                    ill,
                    disabled,
                    pregnant,
                    is_infant,
                    lives_alone,
                    verify,
                    ACTIVE,
                    "",
                    "demo",
                    now,
                    now,
                ),
            )
            sink(
                Residence,
                (
                    residence_id,
                    person_id,
                    code,
                    household_id,
                    address,
                    timestamp(max(moved_in, ordinal)),
                    "",
                ),
            )
            person_id += 1
            residence_id += 1
        self.next_id[Person], self.next_id[Residence] = person_id, residence_id
        counts = self.counts
        counts["persons"] += size
        counts["residences"] += size
        counts["without_id_number"] += without_id

    def _timestamp(self, ordinal: int) -> str:
        """Midnight UTC (08:00 in Beijing) of a day, as the backend reads timestamps."""
        text = self.timestamps.get(ordinal)
        if text is None:
            text = self.timestamps[ordinal] = (
                f"{dt.date.fromordinal(ordinal).isoformat()} 00:00:00{self.timestamp_suffix}"
            )
        return text

    # -- the district -----------------------------------------------------------------
    def community_people(self) -> list[int]:
        """How many people live in each community: villages are smaller than towns."""
        weights = []
        for info in self.communities:
            base = 0.45 if info.kind == Jurisdiction.Kind.VILLAGE else 1.0
            weights.append(base * self.rng.lognormvariate(0, 0.35))
        return self._split_exact(self.persons, weights)

    @staticmethod
    def _split_exact(total: int, weights: Sequence[float]) -> list[int]:
        scale = total / sum(weights)
        shares = [int(w * scale) for w in weights]
        order = sorted(range(len(weights)), key=lambda i: -(weights[i] * scale - shares[i]))
        for i in order[: total - sum(shares)]:
            shares[i] += 1
        return shares

    def run(
        self, progress: Progress | None = None, flush: Callable[[], None] | None = None
    ) -> dict[str, int]:
        started = time.monotonic()
        per_community = self.community_people()
        done = 0
        next_report = self.persons / 10
        for info, people in zip(self.communities, per_community, strict=True):
            self.community(info, people)
            done += people
            if flush is not None:
                flush()
            if progress is not None and (done >= next_report or done == self.persons):
                elapsed = time.monotonic() - started
                progress(
                    f"  persons {done:>10,} / {self.persons:,} "
                    f"({done * 100 // max(1, self.persons)}%)  {elapsed:6.1f} s"
                )
                while next_report <= done:
                    next_report += self.persons / 10
        return self.counts


def _best_fit(remaining: int) -> tuple[int, int, int]:
    """The smallest building (6-18 floors, 1-4 units, 2-4 rooms) holding `remaining`."""
    best: tuple[int, int, int] | None = None
    for floors in range(6, 19):
        for units in range(1, 5):
            for rooms in range(2, 5):
                size = floors * units * rooms
                if size >= remaining and (best is None or size < best[0] * best[1] * best[2]):
                    best = (floors, units, rooms)
    return best or (18, 4, 4)


# --- Loading ---------------------------------------------------------------------------
# From this many people on, PostgreSQL loads into bare tables and builds the indexes and
# constraints afterwards: sorting once is several times faster than maintaining a dozen
# indexes (one of them a trigram GIN) row by row.
BULK_MIN_PERSONS = 100_000


@contextmanager
def _indexes_deferred(tables: Sequence[str], say: Progress) -> Iterator[None]:
    """PostgreSQL: drop the tables' secondary indexes, unique and foreign-key constraints,
    and create them again from their catalogue definitions when the block ends.

    All of it happens inside the caller's transaction, so a failure restores everything;
    recreating the constraints checks every row that was loaded.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') "
            "ORDER BY contype, conname",
            [list(tables)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
            "  AND c.conrelid = i.indrelid) ORDER BY 1",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for table, name, _, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    say(f"Building {len(indexes)} indexes and {len(constraints)} constraints")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        # Unique constraints ('u') before the foreign keys ('f') that may lean on them.
        for table, name, definition, _ in sorted(constraints, key=lambda c: c[3], reverse=True):
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def district_has_people(district: str) -> bool:
    scope = Scope.system(reason="demo data", code=district)
    return Person.objects.within(scope).exists()


def ensure_grids(district: str, seed: int) -> tuple[list[CommunityInfo], int]:
    """2-4 grids (第一网格 ...) under each community that has none; returns the communities."""
    scope = Scope.system(reason="demo data", code=district)
    rng = random.Random(f"fangkong-demo-grids:{seed}")
    nodes = list(Jurisdiction.objects.within(scope).order_by("code"))
    by_parent: dict[str, list[Jurisdiction]] = {}
    for node in nodes:
        if node.parent_id:
            by_parent.setdefault(node.parent_id, []).append(node)
    new: list[Jurisdiction] = []
    communities = []
    for node in nodes:
        if node.level != Level.COMMUNITY or not node.is_active:
            continue
        grids = [
            g.code for g in by_parent.get(node.code, []) if g.level == Level.GRID and g.is_active
        ]
        count = rng.randint(2, 4)
        if not grids:
            for n in range(1, count + 1):
                code = f"{node.code}{n:03d}"
                new.append(
                    Jurisdiction(
                        code=code,
                        jurisdiction_code=code,
                        parent=node,
                        level=Level.GRID.value,
                        kind=Jurisdiction.Kind.GRID,
                        name=f"第{chinese_number(n)}网格",
                        official_name=f"{node.name}第{chinese_number(n)}网格",
                    )
                )
                grids.append(code)
        communities.append(CommunityInfo(node.code, node.name, node.kind, tuple(grids)))
    Jurisdiction.objects.bulk_create(new)
    return communities, len(new)


def demo_load(
    *,
    persons: int = DEFAULT_PERSONS,
    seed: int = 1,
    district: str = DEFAULT_DISTRICT,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Load the demo district unless it already has people; one transaction, one audit entry."""
    say = progress or (lambda message: None)
    started = time.monotonic()
    if persons < 1:
        raise ValueError("the demo needs at least one person")
    if district_has_people(district):
        return DemoResult(district=district, already_loaded=True)
    today = today or timezone.localdate()
    scope = Scope.system(reason="demo data", code=district)
    with transaction.atomic():
        roles_sync()
        divisions = load_district(district)
        say(
            f"Divisions of {district}: {divisions['subdistrict'] + divisions['town']} "
            f"subdistricts and towns, {divisions['community'] + divisions['village']} "
            f"communities and villages"
        )
        communities, grids = ensure_grids(district, seed)
        say(f"Grids: {grids} created")
        models_ = list(COLUMNS)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Keep other writers out while ids are handed out here.
                tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        everything = Scope.system(reason="demo data")
        first_ids = {
            m: (
                m.objects.within(everything).aggregate(top=models.Max("id"))["top"]  # type: ignore[attr-defined]
                or 0
            )
            + 1
            for m in models_
        }
        existing = {
            number
            for number in Person.objects.within(everything)
            .exclude(id_number=None)
            .values_list("id_number", flat=True)
            if number
        }
        reserved: dict[str, set[str]] = {}
        for community, name in Compound.objects.within(scope).values_list("community_code", "name"):
            reserved.setdefault(community, set()).add(name)
        now = timezone.now().astimezone(dt.UTC).replace(tzinfo=None)
        postgres = connection.vendor == "postgresql"
        now_text = f"{now.isoformat(sep=' ')}{'+00:00' if postgres else ''}"
        buffers: dict[type[models.Model], list[tuple[Any, ...]]] = {m: [] for m in COLUMNS}

        def sink(
            model: type[models.Model],
            row: tuple[Any, ...],
            rows: dict[type[models.Model], list[tuple[Any, ...]]] = buffers,
        ) -> None:
            rows[model].append(row)

        generator = DemoGenerator(
            persons=persons,
            seed=seed,
            today=today,
            communities=communities,
            first_ids=first_ids,
            existing_id_numbers=existing,
            now_text=now_text,
            sink=sink,
            reserved_compound_names=reserved,
            timestamp_suffix="+00:00" if postgres else "",
        )
        say(f"People: {persons:,} in {len(communities)} communities (seed {seed})")
        bulk = postgres and persons >= BULK_MIN_PERSONS
        with _indexes_deferred([m._meta.db_table for m in models_], say) if bulk else nullcontext():
            writer = _Writer(COLUMNS, buffers)
            try:
                counts = generator.run(progress=say, flush=writer.flush_full)
            except BaseException:
                writer.close(flush=False)
                raise
            writer.close()
        counts["grids"] = grids
        if postgres:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), models_):
                    cursor.execute(sql)
                say("Analyzing tables")
                for model in models_:
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        accounts = demo_accounts_ensure(district=district)
        audit.record(
            scope,
            "registry.demo.loaded",
            object_type="core.jurisdiction",
            object_id=district,
            jurisdiction_code=district,
            data={
                "persons": persons,
                "seed": seed,
                "counts": counts,
                "divisions": divisions,
                "accounts_created": accounts,
            },
        )
        say("Committing")
    return DemoResult(
        district=district,
        already_loaded=False,
        counts=counts,
        accounts_created=accounts,
        seconds=time.monotonic() - started,
    )
