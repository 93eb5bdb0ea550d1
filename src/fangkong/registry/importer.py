"""Import a community's resident ledger (台账) into the registry.

The rules come from how ledgers really look (issue 2, item 5): title rows, any column
order, footer lines, identity numbers Excel turned into numbers, people without an
identity number, the same person twice, people registered in another community.

How it is built, and why:

- Rows are read and checked in Python one at a time (the only per-row Python work), and
  the accepted ones go in chunks into a TEMP staging table: COPY on PostgreSQL,
  executemany on SQLite. Nothing of the file is held in memory but the current chunk.
- Everything else is set-based SQL over the staging table: duplicates inside the file,
  people registered elsewhere, missing places, matching existing people, updates and
  inserts. A million-row ledger never becomes a million Python objects or a Python set
  of a million identity numbers.
- Reading runs outside the registry transaction (the staging table is private to the
  connection), so a job's progress updates are visible while it reads; applying the
  staged rows is one transaction: any error leaves the registry as it was, and a dry
  run rolls it back after counting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from fangkong.core import audit
from fangkong.core.codes import Level
from fangkong.core.errors import NotFound
from fangkong.core.identifiers import (
    IdentifierError,
    clean_text,
    looks_like_excel_number,
    normalize_phone,
    parse_date,
    parse_resident_id,
)
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.search import SURNAME_READINGS
from fangkong.core.spreadsheets import Cell, Column, Table, open_table, write_xlsx
from fangkong.core.staging import Staging, temp

from .addresses import parse_address
from .derive import (
    age_flags,
    canonical_building,
    canonical_room,
    canonical_unit,
    household_address,
    person_search_fields,
)
from .models import Person

# Column names offices use; the first is the one shown when a column is missing.
ALIASES: dict[str, list[str]] = {
    "serial": ["序号", "编号"],
    "name": ["姓名", "居民姓名", "人员姓名"],
    "sex": ["性别"],
    "id_type": ["证件类型"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证"],
    "birth_date": ["出生日期", "出生年月"],
    "ethnicity": ["民族"],
    "phone": ["联系电话", "手机号", "手机号码", "电话", "联系方式"],
    "compound": ["小区", "小区名称", "楼院"],
    "building": ["楼栋", "楼号", "栋"],
    "unit": ["单元"],
    "room": ["房号", "门牌号", "室"],
    "address": ["现住址", "住址", "居住地址"],
    "category": ["人员类别"],
    "relation_to_head": ["与户主关系"],
    "remarks": ["备注"],
}
REQUIRED = {"name"}
SOURCE = "ledger"
_PLACE_KEYS = ("compound", "building", "unit", "room", "address")
_PERSON_KEYS = ("name", "id_number", "phone", *_PLACE_KEYS)

_FOOTER = re.compile(
    r"^(?:(?:填表人|填报人|制表人|审核人|审批人|负责人|联系人|联系电话|统计人|核对人|签字|签名|"
    r"盖章|填表日期|制表日期|填报日期|审核日期|日期|填报单位|单位|注|备注|说明|合计|总计|小计)"
    r"\s*:|(?:注|说明)\s*[0-9一1、.]|以下(?:空白|无内容|无数据)|(?:合计|总计|小计)$)"
)
_FOOTER_FIRST = frozenset("填制审负联统核签盖日单注备说合总小以")
_SEXES = {
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
    "1": "M",
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
    "2": "F",
}
_ID_TYPES = [
    (("身份证", "居民身份证", "二代身份证", "身份证号"), Person.IdType.RESIDENT_ID),
    (("护照",), Person.IdType.PASSPORT),
    (("港澳", "台湾", "台胞", "回乡", "通行证"), Person.IdType.HK_MACAO_TAIWAN),
    (("外国人永久居留", "永久居留"), Person.IdType.FOREIGN_PERMANENT),
]
_CATEGORIES = [
    (("户籍",), Person.Category.REGISTERED),
    (("常住",), Person.Category.RESIDENT),
    (("流动", "暂住"), Person.Category.FLOATING),
]
_LEADING_NUMBER = re.compile(r"^(\d+)")
# An identity number, however mangled (spaces, dashes, 4.1E+17): digits and little else.
# "联系电话：138…" written into that column by a footer line is not one.
_ID_LIKE = re.compile(r"(?=(?:\D*\d){8})[0-9xX\s\-'.eE+]+\Z")


@dataclass
class ImportSummary:
    """What an import did, in the shape the command line and the result page show."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    places: dict[str, int] = field(
        default_factory=lambda: {"compounds": 0, "buildings": 0, "units": 0, "households": 0}
    )
    # The file's own headers of the identity number and phone columns.
    id_column: str = ""
    phone_column: str = ""

    def as_dict(self, *, masked: bool = False) -> dict[str, Any]:
        """The summary; `masked` for what is kept and shown on the web (the result page
        and the stored job): identity numbers and phones masked as everywhere else."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [self._masked(e) for e in self.rejected] if masked else self.rejected,
            "warnings": [self._masked(e) for e in self.warnings] if masked else self.warnings,
            "places": dict(self.places),
        }

    def _masked(self, entry: dict[str, Any]) -> dict[str, Any]:
        if entry["column"] == self.id_column:
            return entry | {"value": mask_id_number(entry["value"])}
        if entry["column"] == self.phone_column:
            return entry | {"value": mask_phone(entry["value"])}
        return entry

    def counts(self) -> dict[str, Any]:
        """For the audit log: numbers only, never a name or an identity number."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "warnings": len(self.warnings),
            "places": dict(self.places),
        }

    def reject(self, row: int, column: str, value: object, reason: str) -> None:
        self.rejected.append(_entry(row, column, value, reason))

    def warn(self, row: int, column: str, value: object, reason: str) -> None:
        self.warnings.append(_entry(row, column, value, reason))

    def sort(self) -> None:
        self.rejected.sort(key=lambda e: e["row"])
        self.warnings.sort(key=lambda e: e["row"])


def _entry(row: int, column: str, value: object, reason: str) -> dict[str, Any]:
    return {"row": row, "column": column, "value": _display(value), "reason": reason}


def _display(value: object) -> str:
    """A cell as the user sees it: 13800000000, not 13800000000.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if (value.hour or value.minute) else f"{value:%Y-%m-%d}"
    return str(value)


# --- The public entry points -----------------------------------------------------------


def import_persons(
    *,
    scope: Scope,
    community_code: str,
    path: str | Path,
    filename: str | None = None,
    dry_run: bool = False,
    max_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import a ledger into one community; return what happened, row by row.

    Raises NotFound for a community outside the scope, PermissionDenied without the
    import permission and SpreadsheetError when the file cannot be read. `progress(done,
    total)` is called between chunks while reading (outside any COPY, so it may use the
    database) and once at the end.
    """
    scope.require(Perm.PERSON_IMPORT, at=community_code)
    community = _community(scope, community_code)
    summary = ImportSummary()
    with open_table(
        path, filename=filename, header_aliases=ALIASES, required=REQUIRED, max_bytes=max_bytes
    ) as table:
        own = {reason_header(), "错误原因"}  # our rejected-rows file, fixed and sent back
        for _index, header in table.extra:
            if header in own:
                continue
            summary.warn(
                table.header_row,
                header,
                "",
                _("This column is not part of the registry and was ignored."),
            )
        reader = _RowReader(table, _place_names(community), summary)
        summary.id_column, summary.phone_column = reader.head["id_number"], reader.head["phone"]
        staging = _staging()
        try:
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                staging.create()
                staging.load(reader.staged_rows(), progress, table.total_rows)
                with transaction.atomic():
                    _Apply(scope, community, summary, reader.head).run()
                    if dry_run:
                        transaction.set_rollback(True)
                    else:
                        _audit(scope, community, summary, dry_run=False)
                if dry_run:  # after the rollback, so that the check itself is on record
                    _audit(scope, community, summary, dry_run=True)
        finally:
            staging.drop()
    if progress is not None:
        progress(summary.rows, summary.rows)
    summary.sort()
    return summary


def _audit(scope: Scope, community: Jurisdiction, summary: ImportSummary, *, dry_run: bool) -> None:
    audit.record(
        scope,
        "registry.persons.import_checked" if dry_run else "registry.persons.imported",
        object_type="jurisdiction",
        object_id=community.code,
        jurisdiction_code=community.code,
        data=summary.counts() | {"dry_run": dry_run},
    )


def reason_header() -> str:
    """The column the rejected-rows file adds (错误原因), which a re-import ignores."""
    return pgettext("ledger column", "Reason for rejection")


def rejected_workbook(
    path: str | Path,
    summary: ImportSummary | Mapping[str, Any],
    target: Any,
    *,
    filename: str | None = None,
) -> int:
    """The rejected rows in the user's own layout plus 错误原因, to fix and re-import.

    The header row is the user's, so the file imports again as it is; values are the
    cells as they were (an identity number that Excel stored as a number stays one, and
    the reason says to format the column as text: every column of this file already is,
    so what the user types in is kept as typed).
    """
    data = summary.as_dict() if isinstance(summary, ImportSummary) else summary
    reasons: dict[int, list[str]] = {}
    for entry in data["rejected"]:
        reasons.setdefault(entry["row"], []).append(f"{entry['column']}：{entry['reason']}")
    with open_table(path, filename=filename, header_aliases=ALIASES, required=REQUIRED) as table:
        width = len(table.headers)
        columns = [Column(f"c{i}", h, 16, "text") for i, h in enumerate(table.headers)]
        columns.append(Column("reason", reason_header(), 48, "text"))

        def rows() -> Iterator[list[Any]]:
            for number, cells in table.rows():
                if number in reasons:
                    padded = [_as_written(c) for c in cells[:width]]
                    padded += [None] * (width - len(padded))
                    yield [*padded, "；".join(reasons[number])]

        return write_xlsx(
            target,
            sheet_name=_("Rejected rows"),
            title=_("Rejected rows"),
            meta=[(_("File"), table.filename)],
            columns=columns,
            rows=rows(),
        )


def _as_written(cell: Cell) -> Any:
    if cell is None or cell == "":
        return None
    if isinstance(cell, dt.time | dt.timedelta):
        return str(cell)
    return cell


def _community(scope: Scope, code: str) -> Jurisdiction:
    community = (
        Jurisdiction.objects.within(scope)
        .filter(code=code, level=Level.COMMUNITY)
        .select_related("parent")
        .first()
    )
    if community is None:
        raise NotFound(_("Community not found."))
    return community


def _place_names(community: Jurisdiction) -> list[str]:
    """Names an address may start with: the community's and those of the offices above."""
    names: list[str] = []
    node: Jurisdiction | None = community
    while node is not None:
        names += [n for n in (node.name, node.official_name) if n]
        node = node.parent
    return names


# --- Reading and checking rows -----------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    compound: str | None
    building: str | None
    unit: str | None
    room: str | None
    hh_address: str | None
    key: str | None
    sorts: tuple[int, int, int]
    problem: str | None


_NO_PLACE = _Place(None, None, None, None, None, None, (0, 0, 0), None)
STAGE_COLUMNS: list[tuple[str, str]] = [
    ("row_no", "INTEGER"),
    ("match_key", "TEXT"),
    ("name", "TEXT"),
    ("name_pinyin", "TEXT"),
    ("name_initials", "TEXT"),
    ("id_last4", "TEXT"),
    ("sex", "TEXT"),
    ("birth_date", "DATE"),
    ("id_type", "TEXT"),
    ("id_number", "TEXT"),
    ("phone", "TEXT"),
    ("ethnicity", "TEXT"),
    ("address", "TEXT"),
    ("relation_to_head", "TEXT"),
    ("category", "TEXT"),
    ("remarks", "TEXT"),
    ("place_key", "TEXT"),
    ("compound", "TEXT"),
    ("building", "TEXT"),
    ("unit", "TEXT"),
    ("room", "TEXT"),
    ("hh_address", "TEXT"),
    ("b_sort", "INTEGER"),
    ("u_sort", "INTEGER"),
    ("r_sort", "INTEGER"),
    ("is_elderly", "BOOLEAN"),
    ("is_infant", "BOOLEAN"),
    ("needs_verification", "BOOLEAN"),
]


class _RowReader:
    """Turns ledger rows into staging rows, reporting what it rejects or doubts.

    Hot loop for big ledgers: column positions are looked up once, pinyin and address
    parsing are cached per distinct value, plain mobiles skip phonenumbers.
    """

    def __init__(self, table: Table, names: list[str], summary: ImportSummary) -> None:
        self.table, self.names, self.summary = table, names, summary
        self.col = {key: table.columns.get(key) for key in ALIASES}
        self.text_at = [
            (key, index)
            for key, index in table.columns.items()
            if key not in ("birth_date", "serial")
        ]
        self.head = {
            key: table.header_of(key) if key in table.columns else ALIASES[key][0]
            for key in ALIASES
        }
        self.width = len(table.headers)
        self.remarks_at = table.columns.get("remarks")
        self.name_aliases = {clean_text(a) for a in ALIASES["name"]}
        self.today = dt.date.today()  # one "today" per import: rows agree on ages
        self.search_cache: dict[str, tuple[str, str]] = {}
        self.place_cache: dict[tuple[str, ...], _Place] = {}
        self.clean_cache: dict[str, str] = {}

    def staged_rows(self) -> Iterator[tuple[Any, ...]]:
        for number, cells in self.table.rows():
            if len(cells) < self.width:
                cells = cells + [""] * (self.width - len(cells))
            texts = {key: self._text(cells, index) for key, index in self.text_at}
            if not self._is_person(cells, texts):
                continue
            self.summary.rows += 1
            staged = self._stage(number, cells, texts)
            if staged is not None:
                yield staged

    def _get(self, cells: list[Cell], key: str) -> Cell:
        index = self.col[key]
        return cells[index] if index is not None else ""

    def _text(self, cells: list[Cell], index: int) -> str:
        value = cells[index]
        if isinstance(value, str):
            if not value:
                return ""
            # Most columns repeat (sex, compound, building, category…): clean each value once.
            cleaned = self.clean_cache.get(value)
            if cleaned is None:
                if len(self.clean_cache) > 100_000:  # names and numbers do not repeat
                    self.clean_cache.clear()
                cleaned = self.clean_cache[value] = _clean(value)
            return cleaned
        return "" if value is None else clean_text(_display(value))

    def _is_person(self, cells: list[Cell], texts: dict[str, str]) -> bool:
        """Footer lines, notes, repeated headers and half-filled template rows are not people."""
        name = texts.get("name", "")
        if name and (name in self.name_aliases or _FOOTER.match(name)):
            return False
        if not any(texts.get(key) for key in _PERSON_KEYS):
            return False
        if _ID_LIKE.match(texts.get("id_number", "")):
            return True
        for index, cell in enumerate(cells):
            if (
                isinstance(cell, str)
                and cell
                and index != self.remarks_at
                and cell.lstrip()[:1] in _FOOTER_FIRST
                and _FOOTER.match(clean_text(cell))
            ):
                return False
        return True

    def _stage(
        self, number: int, cells: list[Cell], texts: dict[str, str]
    ) -> tuple[Any, ...] | None:
        name = texts.get("name", "")
        if not name:
            self.summary.reject(number, self.head["name"], "", _("The name is empty."))
            return None
        if len(name) > 60:
            self.summary.reject(
                number, self.head["name"], name, _("A name has at most 60 characters.")
            )
            return None
        identity = self._identity(number, cells, texts)
        if identity is None:
            return None
        id_type, id_number, id_sex, id_birth = identity
        sex = self._sex(number, texts, id_sex)
        birth = self._birth_date(number, cells, id_birth)
        phone = self._phone(number, cells)
        place = self._place(number, texts)
        pinyin, initials = self._search(name)
        flags = age_flags(birth, self.today) if birth else None
        household_key = place.key if place.room else ""
        match_key = id_number or f"~{name}\x1f{phone or ''}\x1f{household_key}"
        get = texts.get
        return (
            number,
            match_key,
            name,
            pinyin,
            initials,
            (id_number or "")[-4:] or None,
            sex,
            birth,
            id_type,
            id_number,
            phone,
            get("ethnicity", "")[:20] or None,
            (place.hh_address or get("address", ""))[:200] or None,
            get("relation_to_head", "")[:20] or None,
            _category(get("category", "")),
            get("remarks") or None,
            place.key,
            place.compound,
            place.building,
            place.unit,
            place.room,
            place.hh_address,
            *place.sorts,
            flags["is_elderly"] if flags else None,
            flags["is_infant"] if flags else None,
            id_number is None,
        )

    def _identity(
        self, number: int, cells: list[Cell], texts: dict[str, str]
    ) -> tuple[str | None, str | None, str | None, dt.date | None] | None:
        """(id_type, id_number, sex, birth date), or None when the row is rejected."""
        raw = self._get(cells, "id_number")
        declared = _id_type(texts.get("id_type", ""))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return (declared, None, None, None)
        if declared not in (None, Person.IdType.RESIDENT_ID):
            text = re.sub(r"\s+", "", clean_text(_display(raw))).upper()
            if looks_like_excel_number(raw) or len(text) > 32:
                self.summary.reject(
                    number,
                    self.head["id_number"],
                    raw,
                    _(
                        "Excel stored this identity number as a number and lost its last digits; "
                        "format the column as text and enter the numbers again."
                    )
                    if looks_like_excel_number(raw)
                    else _("An identity number has at most 32 characters."),
                )
                return None
            return (declared, text, None, None)
        quick = _quick_resident_id(raw, self.today)
        if quick is not None:
            return (Person.IdType.RESIDENT_ID, *quick)
        try:
            resident = parse_resident_id(raw)
        except IdentifierError as exc:
            self.summary.reject(number, self.head["id_number"], raw, str(exc))
            return None
        return (Person.IdType.RESIDENT_ID, resident.number, resident.sex, resident.birth_date)

    def _sex(self, number: int, texts: dict[str, str], from_id: str | None) -> str | None:
        text = texts.get("sex", "")
        written = _SEXES.get(text.lower()) if text else None
        if text and written is None:
            self.summary.warn(
                number,
                self.head["sex"],
                text,
                _("Write the sex as 男 or 女; this value was ignored."),
            )
        if from_id and written and written != from_id:
            self.summary.warn(
                number,
                self.head["sex"],
                text,
                _("The sex does not match the identity number; the identity number's was kept."),
            )
        return from_id or written

    def _birth_date(
        self, number: int, cells: list[Cell], from_id: dt.date | None
    ) -> dt.date | None:
        raw = self._get(cells, "birth_date")
        if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
            return from_id
        try:
            written = parse_date(raw)
        except IdentifierError as exc:
            self.summary.warn(number, self.head["birth_date"], raw, str(exc))
            return from_id
        if from_id and written != from_id:
            self.summary.warn(
                number,
                self.head["birth_date"],
                raw,
                _(
                    "The birth date does not match the identity number; the identity number's "
                    "was kept."
                ),
            )
            return from_id
        if not from_id and not (dt.date(1880, 1, 1) <= written <= self.today):
            self.summary.warn(
                number,
                self.head["birth_date"],
                raw,
                _("This birth date is impossible; it was ignored."),
            )
            return None
        return from_id or written

    def _phone(self, number: int, cells: list[Cell]) -> str | None:
        raw = self._get(cells, "phone")
        if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
            return None
        try:
            return normalize_phone(raw)
        except IdentifierError:
            pass
        for part in re.split(r"[/、,，;；\s]+", clean_text(_display(raw))):
            with contextlib.suppress(IdentifierError):
                if part:
                    return normalize_phone(part)
        self.summary.warn(
            number,
            self.head["phone"],
            raw,
            _("This is not a phone number; the person was kept without a phone."),
        )
        return None

    def _search(self, name: str) -> tuple[str, str]:
        found = self.search_cache.get(name)
        if found is None:
            if len(self.search_cache) > 200_000:
                self.search_cache.clear()
            found = _quick_search_fields(name)
            if found is None:
                fields = person_search_fields(name, None)
                found = (fields["name_pinyin"], fields["name_initials"])
            self.search_cache[name] = found
        return found

    def _place(self, number: int, texts: dict[str, str]) -> _Place:
        get = texts.get
        raw = (
            get("compound", ""),
            get("building", ""),
            get("unit", ""),
            get("room", ""),
            get("address", ""),
        )
        if not any(raw):
            return _NO_PLACE
        place = self.place_cache.get(raw)
        if place is None:
            if len(self.place_cache) > 200_000:
                self.place_cache.clear()
            place = self.place_cache[raw] = self._resolve_place(*raw)
        if place.problem:
            column = self.head["address"] if raw[4] else self.head["room"]
            self.summary.warn(
                number, column, raw[4] or "/".join(p for p in raw[:4] if p), place.problem
            )
        return place

    def _resolve_place(
        self, compound: str, building: str, unit: str, room: str, address: str
    ) -> _Place:
        if address and not (compound and (building or room)):
            # The address fills what the separate columns leave empty: a 小区 column with
            # 3-2-501 in 现住址 is as good as 金华小区3号楼2单元501室; the columns win.
            parsed = parse_address(address, community_names=self.names)
            if parsed is not None:
                compound = compound or parsed.compound or ""
                building = building or parsed.building or ""
                unit = unit or parsed.unit or ""
                room = room or parsed.room or ""
        if not compound:
            return _Place(
                None,
                None,
                None,
                None,
                None,
                None,
                (0, 0, 0),
                _(
                    "The compound (小区) could not be read from this address; the person was kept "
                    "without a household."
                )
                if (address or room)
                else None,
            )
        compound = compound[:100]
        b = canonical_building(building)[:100] if building else None
        u = canonical_unit(unit)[:100] if unit and b else None
        r = canonical_room(room)[:100] if room else None
        problem = None if (b or not unit) else _("A unit needs a building; the unit was ignored.")
        hh_address = household_address(compound, b, u, r or "")[:200]
        key = "\x1f".join((compound, b or "", u or "", r or ""))
        return _Place(
            compound, b, u, r, hh_address, key, (_sort_key(b), _sort_key(u), _sort_key(r)), problem
        )


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PLAIN = re.compile(r"[0-9]{17}[0-9X]\Z")


def _quick_resident_id(raw: Cell, today: dt.date) -> tuple[str, str, dt.date] | None:
    """(number, sex, birth date) of a plain, valid 18-character number; else None.

    The same GB 11643 checks as `parse_resident_id`, without its normalising, for the
    common case only: anything unusual (spaces, full-width digits, 15 digits, an error)
    goes to `parse_resident_id`, which also writes the message. A test proves the two
    agree; at a million rows this saves a third of the checking time.
    """
    if raw.__class__ is not str or len(raw) != 18 or not _ID_PLAIN.match(raw):  # type: ignore[arg-type]
        return None
    text: str = raw  # type: ignore[assignment]
    total = sum(map(operator.mul, _ID_WEIGHTS, map(int, text[:17])))
    if _ID_CHECK[total % 11] != text[17]:
        return None
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    if birth.year < 1880 or birth > today:
        return None
    return text, "M" if int(text[16]) % 2 else "F", birth


@cache
def _syllable(char: str) -> str | None:
    words = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return words[0].lower() if len(words) == 1 and words[0] else None


def _quick_search_fields(name: str) -> tuple[str, str] | None:
    """(pinyin, initials) from per-character readings when that is what pypinyin would give.

    pypinyin reads a name character by character unless part of it is a phrase of its
    dictionary, so names without such a phrase are read from a per-character cache
    (about 4,000 characters make up nearly every name) instead of a full conversion per
    name, which costs more than every other check of a row together. Anything else goes
    to `derive.person_search_fields`; a test proves the two agree.
    """
    head = SURNAME_READINGS.get(name[0]) if name else None
    rest = name[1:] if head else name
    size = len(rest)
    for start in range(size - 1):
        for end in range(start + 2, size + 1):
            if rest[start:end] in PHRASES_DICT:
                return None
    words = [head] if head else []
    for char in rest:
        syllable = _syllable(char)
        if syllable is None:
            return None
        words.append(syllable)
    return "".join(words)[:120], "".join(w[0] for w in words)[:30]


def _clean(text: str) -> str:
    """`clean_text` for a str, skipping NFKC when the text is already in that form."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def _id_type(text: str) -> str | None:
    if not text:
        return None
    for words, id_type in _ID_TYPES:
        if any(w in text for w in words):
            return id_type
    return Person.IdType.OTHER


def _category(text: str) -> str | None:
    """户籍 -> registered, 常住 -> resident, 流动/暂住 -> floating, anything else -> other."""
    if not text:
        return None
    for words, category in _CATEGORIES:
        if text.startswith(words):
            return category
    return Person.Category.OTHER


def _sort_key(name: str | None) -> int:
    m = _LEADING_NUMBER.match(name or "")
    return min(int(m[1]), 2_000_000_000) if m else 0


# --- Staging -----------------------------------------------------------------------------


def _staging() -> Staging:
    """The TEMP table the checked rows go to, and the import's other temp tables."""
    return Staging(
        table="fk_import_stage",
        columns=STAGE_COLUMNS,
        temp_tables=(
            "fk_import_stage",
            "fk_import_place",
            "fk_import_match",
            "fk_import_dup",
            "fk_import_moved",
            "fk_import_new",
        ),
        indexes=("match_key", "id_number", "place_key", "row_no"),
        # The joins need these columns' statistics.
        analyze=("match_key", "id_number", "place_key", "row_no", "name", "phone"),
    )


# --- Applying the staged rows --------------------------------------------------------------

_MERGED = [
    "name",
    "name_pinyin",
    "name_initials",
    "id_last4",
    "sex",
    "birth_date",
    "id_type",
    "phone",
    "ethnicity",
    "address",
    "relation_to_head",
    "category",
    "remarks",
    "is_elderly",
    "is_infant",
]
_MERGED_PLACE = [
    "place_key",
    "compound",
    "building",
    "unit",
    "room",
    "hh_address",
    "b_sort",
    "u_sort",
    "r_sort",
]
# (person column, staging expression, nullable in the registry)
_UPDATED = [
    ("name", "s.name", False),
    ("sex", "s.sex", False),
    ("birth_date", "s.birth_date", True),
    ("id_type", "s.id_type", False),
    ("id_number", "s.id_number", True),
    ("phone", "s.phone", False),
    ("ethnicity", "s.ethnicity", False),
    ("address", "s.address", False),
    ("relation_to_head", "s.relation_to_head", False),
    ("category", "s.category", False),
    ("remarks", "s.remarks", False),
    ("household_id", "pl.household_id", True),
    ("is_elderly", "s.is_elderly", False),
    ("is_infant", "s.is_infant", False),
]
_IMPORT_LOCK = 7_106_002  # pg_advisory_xact_lock key: one person import at a time


class _Apply:
    """The set-based part: every statement works on the whole staging table at once."""

    def __init__(
        self, scope: Scope, community: Jurisdiction, summary: ImportSummary, head: dict[str, str]
    ) -> None:
        self.scope, self.community, self.summary = scope, community, summary
        self.code = community.code
        self.pg = connection.vendor == "postgresql"
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.head_id, self.head_name = head["id_number"], head["name"]

    def run(self) -> None:
        with connection.cursor() as cursor:
            self.cursor = cursor
            if self.pg:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_IMPORT_LOCK])
            self._reject_other_communities()
            self._merge_duplicates()
            self._places()
            self._match()
            self._update()
            self._insert()

    def _same(self, a: str, b: str) -> str:
        """NULL-safe equality that each engine can still answer from an index or a hash."""
        return f"{a} IS {b}" if not self.pg else f"COALESCE({a}, 0) = COALESCE({b}, 0)"

    def _fetch(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        while batch := self.cursor.fetchmany(2000):
            yield from batch

    def _reject_other_communities(self) -> None:
        sql = (
            "SELECT s.row_no, s.id_number, j.name, p.community_code "
            "FROM fk_import_stage s JOIN registry_person p ON p.id_number = s.id_number "
            "LEFT JOIN core_jurisdiction j ON j.code = p.community_code "
            "WHERE s.id_number IS NOT NULL AND p.community_code <> %s ORDER BY s.row_no"
        )
        rejected = 0
        for row_no, id_number, name, code in self._fetch(sql, [self.code]):
            rejected += 1
            self.summary.reject(
                row_no,
                self.head_id,
                id_number,
                _(
                    "Registered in another community (%(community)s); ask the subdistrict to "
                    "transfer the person."
                )
                % {"community": name or code},
            )
        if rejected:
            self.cursor.execute(
                "DELETE FROM fk_import_stage WHERE id_number IN (SELECT p.id_number FROM "
                "registry_person p WHERE p.id_number IN (SELECT id_number FROM fk_import_stage) "
                "AND p.community_code <> %s)",
                [self.code],
            )

    def _merge_duplicates(self) -> None:
        """The same person twice in the file: one person, later non-empty cells win."""
        c = self.cursor
        c.execute(
            "CREATE TEMP TABLE fk_import_dup AS SELECT match_key, MIN(row_no) AS first_row "
            "FROM fk_import_stage GROUP BY match_key HAVING COUNT(*) > 1"
        )
        sql = (
            "SELECT s.row_no, d.first_row, s.id_number, s.name FROM fk_import_stage s "
            "JOIN fk_import_dup d ON d.match_key = s.match_key "
            "WHERE s.row_no <> d.first_row ORDER BY s.row_no"
        )
        merged = 0
        for row_no, first, id_number, name in self._fetch(sql, []):
            merged += 1
            self.summary.warn(
                row_no,
                self.head_id if id_number else self.head_name,
                id_number or name,
                _("The same person as row %(row)d; the two rows were merged.") % {"row": first},
            )
        if not merged:
            return
        latest = (
            "(SELECT d.{col} FROM fk_import_stage d WHERE d.match_key = "
            "fk_import_stage.match_key AND d.{test} IS NOT NULL ORDER BY d.row_no DESC "
            "LIMIT 1)"
        )
        sets = [f"{col} = COALESCE({latest.format(col=col, test=col)}, {col})" for col in _MERGED]
        sets += [f"{col} = {latest.format(col=col, test='place_key')}" for col in _MERGED_PLACE]
        c.execute(
            f"UPDATE fk_import_stage SET {', '.join(sets)} "
            "WHERE row_no IN (SELECT first_row FROM fk_import_dup)"
        )
        c.execute(
            "DELETE FROM fk_import_stage WHERE match_key IN (SELECT match_key FROM "
            "fk_import_dup) AND row_no NOT IN (SELECT first_row FROM fk_import_dup)"
        )

    def _places(self) -> None:
        c, code = self.cursor, self.code
        c.execute(
            "CREATE TEMP TABLE fk_import_place (place_key TEXT PRIMARY KEY, compound TEXT, "
            "building TEXT, unit TEXT, room TEXT, hh_address TEXT, b_sort INTEGER, "
            "u_sort INTEGER, r_sort INTEGER, compound_id BIGINT, building_id BIGINT, "
            "unit_id BIGINT, household_id BIGINT, household_code TEXT)"
        )
        c.execute(
            "INSERT INTO fk_import_place (place_key, compound, building, unit, room, "
            "hh_address, b_sort, u_sort, r_sort) SELECT place_key, MIN(compound), "
            "MIN(building), MIN(unit), MIN(room), MIN(hh_address), MIN(b_sort), "
            "MIN(u_sort), MIN(r_sort) FROM fk_import_stage WHERE place_key IS NOT NULL "
            "GROUP BY place_key"
        )
        c.execute("ANALYZE fk_import_place")
        self.summary.places["compounds"] = self._insert_missing(
            "registry_compound",
            "jurisdiction_code, community_code, name, is_active, created_at, "
            "updated_at, kind, address",
            "%s, %s, x.compound, TRUE, %s, %s, CASE WHEN x.compound LIKE '%%组' THEN "
            "'village_group' ELSE 'compound' END, ''",
            "SELECT DISTINCT compound FROM fk_import_place x WHERE NOT EXISTS (SELECT 1 FROM "
            "registry_compound o WHERE o.community_code = %s AND o.name = x.compound)",
            [code],
        )
        c.execute(
            "UPDATE fk_import_place SET compound_id = o.id FROM registry_compound o "
            "WHERE o.community_code = %s AND o.name = fk_import_place.compound",
            [code],
        )
        self._children("registry_building", "building", "compound_id", "b_sort", "buildings")
        self._children("registry_unit", "unit", "building_id", "u_sort", "units")
        c.execute("ANALYZE fk_import_place")  # now with its ids, for the household joins
        self.summary.places["households"] = self._insert_missing(
            "registry_household",
            "jurisdiction_code, community_code, name, is_active, "
            "created_at, updated_at, address, sort_key, compound_id, building_id, unit_id",
            "%s, %s, x.room, TRUE, %s, %s, x.hh_address, x.r_sort, x.compound_id, x.building_id, "
            "x.unit_id",
            "SELECT x.compound_id, x.building_id, x.unit_id, x.room, x.hh_address, x.r_sort FROM "
            "(SELECT compound_id, building_id, unit_id, room, MIN(hh_address) AS hh_address, "
            "MIN(r_sort) AS r_sort FROM fk_import_place WHERE room IS NOT NULL GROUP BY "
            "compound_id, building_id, unit_id, room) x WHERE NOT EXISTS (SELECT 1 FROM "
            "registry_household h WHERE h.compound_id = x.compound_id AND "
            f"{self._same('h.building_id', 'x.building_id')} AND "
            f"{self._same('h.unit_id', 'x.unit_id')} AND h.name = x.room)",
            [],
        )
        c.execute(
            "UPDATE fk_import_place SET household_id = h.id, household_code = h.jurisdiction_code "
            "FROM registry_household h WHERE fk_import_place.room IS NOT NULL AND "
            "h.compound_id = fk_import_place.compound_id AND "
            f"{self._same('h.building_id', 'fk_import_place.building_id')} AND "
            f"{self._same('h.unit_id', 'fk_import_place.unit_id')} AND "
            "h.name = fk_import_place.room"
        )

    def _insert_missing(
        self, table: str, columns: str, values: str, missing: str, params: list[Any]
    ) -> int:
        """Insert the rows `missing` finds, found first and inserted second.

        Found in one go into a temp table, so the NOT EXISTS never reads the table being
        filled: PostgreSQL plans a just-emptied table as tiny, and a nested loop over a
        table that grows under it is quadratic (a minute for 30,000 households).
        `values` computes each row from the found row `x`.
        """
        c = self.cursor
        c.execute(f"DROP TABLE IF EXISTS {temp('fk_import_new')}")
        c.execute(f"CREATE TEMP TABLE fk_import_new AS {missing}", params)
        c.execute(
            f"INSERT INTO {table} ({columns}) SELECT {values} FROM fk_import_new x",
            [self.code, self.code, self.now, self.now],
        )
        count = c.rowcount
        c.execute(f"DROP TABLE {temp('fk_import_new')}")
        if self.pg and count >= 1000:
            # The next statements join this table: plan them with its new size, not with
            # the statistics of before (a just-filled table looks empty to the planner).
            c.execute(f"ANALYZE {table}")
        return count

    def _children(self, table: str, column: str, parent: str, sort: str, counter: str) -> None:
        """Buildings under compounds, units under buildings: create the missing, link all."""
        c = self.cursor
        self.summary.places[counter] = self._insert_missing(
            table,
            "jurisdiction_code, community_code, name, is_active, created_at, updated_at, "
            f"sort_key, {parent}",
            f"%s, %s, x.{column}, TRUE, %s, %s, x.s, x.{parent}",
            f"SELECT x.{parent}, x.{column}, x.s FROM (SELECT {parent}, {column}, MIN({sort}) AS s "
            f"FROM fk_import_place WHERE {column} IS NOT NULL AND {parent} IS NOT NULL GROUP BY "
            f"{parent}, {column}) x WHERE NOT EXISTS (SELECT 1 FROM {table} o WHERE "
            f"o.{parent} = x.{parent} AND o.name = x.{column})",
            [],
        )
        c.execute(
            f"UPDATE fk_import_place SET {column}_id = o.id FROM {table} o WHERE "
            f"o.{parent} = fk_import_place.{parent} AND o.name = fk_import_place.{column}"
        )

    def _match(self) -> None:
        """Staged rows that are people already in this community: by identity number, else
        (people without one) by name, phone and household; and people kept 待核实 without
        an identity number who now have one."""
        c, code = self.cursor, self.code
        c.execute(
            "CREATE TEMP TABLE fk_import_match (row_no INTEGER PRIMARY KEY, "
            "person_id BIGINT NOT NULL)"
        )
        c.execute(
            "INSERT INTO fk_import_match (row_no, person_id) SELECT s.row_no, p.id "
            "FROM fk_import_stage s JOIN registry_person p ON p.id_number = s.id_number "
            "WHERE s.id_number IS NOT NULL"
        )
        plain = (
            "FROM fk_import_stage s LEFT JOIN fk_import_place pl ON pl.place_key = "
            "s.place_key JOIN registry_person p ON p.community_code = %s AND "
            "p.id_number IS NULL AND p.name = s.name AND p.phone = COALESCE(s.phone, '') "
            f"AND {self._same('p.household_id', 'pl.household_id')} "
        )
        c.execute(
            "INSERT INTO fk_import_match (row_no, person_id) SELECT s.row_no, MIN(p.id) "
            + plain
            + "WHERE s.id_number IS NULL GROUP BY s.row_no",
            [code],
        )
        c.execute(
            "INSERT INTO fk_import_match (row_no, person_id) SELECT MIN(s.row_no), p.id "
            + plain
            + "WHERE s.id_number IS NOT NULL AND s.phone IS NOT NULL AND s.row_no NOT IN "
            "(SELECT row_no FROM fk_import_match) AND p.id NOT IN (SELECT person_id FROM "
            "fk_import_match) GROUP BY p.id HAVING COUNT(*) = 1 ON CONFLICT (row_no) DO NOTHING",
            [code],
        )

    def _update(self) -> None:
        c, now, actor = self.cursor, self.now, self.scope.actor_id
        c.execute("SELECT COUNT(*) FROM fk_import_match")
        (matched,) = c.fetchone()
        if not matched:
            return
        joined = (
            "FROM fk_import_match m JOIN fk_import_stage s ON s.row_no = m.row_no "
            "LEFT JOIN fk_import_place pl ON pl.place_key = s.place_key"
        )
        c.execute(
            "CREATE TEMP TABLE fk_import_moved AS SELECT m.person_id, pl.household_id, "
            f"pl.household_code, pl.hh_address {joined} JOIN registry_person p ON p.id = "
            "m.person_id WHERE pl.household_id IS NOT NULL AND (p.household_id IS NULL OR "
            "p.household_id <> pl.household_id)"
        )
        c.execute(
            "UPDATE registry_residence SET ended_at = %s WHERE ended_at IS NULL AND "
            "person_id IN (SELECT person_id FROM fk_import_moved)",
            [now],
        )
        c.execute(
            "INSERT INTO registry_residence (person_id, jurisdiction_code, household_id, "
            "address, started_at, reason, recorded_by_id) SELECT person_id, "
            "household_code, household_id, hh_address, %s, %s, %s FROM fk_import_moved",
            [now, _("ledger import"), actor],
        )
        p = "registry_person"
        sets = [f"{col} = COALESCE({expr}, {p}.{col})" for col, expr, _n in _UPDATED]
        sets += [
            "name_pinyin = COALESCE(s.name_pinyin, registry_person.name_pinyin)",
            "name_initials = COALESCE(s.name_initials, registry_person.name_initials)",
            "id_last4 = COALESCE(s.id_last4, registry_person.id_last4)",
            "jurisdiction_code = COALESCE(pl.household_code, registry_person.jurisdiction_code)",
            "needs_verification = CASE WHEN s.id_number IS NOT NULL THEN FALSE ELSE "
            "registry_person.needs_verification END",
            "updated_at = %s",
        ]
        differs = [
            f"({expr} IS NOT NULL AND ({p}.{col} IS NULL OR {p}.{col} <> {expr}))"
            if nullable
            else f"({expr} IS NOT NULL AND {p}.{col} <> {expr})"
            for col, expr, nullable in _UPDATED
        ]
        c.execute(
            f"UPDATE {p} SET {', '.join(sets)} {joined} WHERE {p}.id = m.person_id AND "
            f"({' OR '.join(differs)})",
            [now],
        )
        self.summary.updated = c.rowcount
        self.summary.unchanged = matched - c.rowcount

    def _insert(self) -> None:
        c, code, now, actor = self.cursor, self.code, self.now, self.scope.actor_id
        c.execute("SELECT COALESCE(MAX(id), 0) FROM registry_person")
        (before,) = c.fetchone()
        c.execute(
            "INSERT INTO registry_person (jurisdiction_code, community_code, household_id, name, "
            "name_pinyin, name_initials, sex, birth_date, id_type, id_number, id_last4, phone, "
            "ethnicity, address, relation_to_head, category, is_elderly, is_frail, "
            "is_chronically_ill, is_disabled, is_pregnant, is_infant, lives_alone, "
            "needs_verification, status, remarks, source, created_at, updated_at, created_by_id) "
            "SELECT COALESCE(pl.household_code, %s), %s, pl.household_id, s.name, "
            "COALESCE(s.name_pinyin, ''), COALESCE(s.name_initials, ''), COALESCE(s.sex, ''), "
            "s.birth_date, COALESCE(s.id_type, ''), s.id_number, COALESCE(s.id_last4, ''), "
            "COALESCE(s.phone, ''), COALESCE(s.ethnicity, ''), COALESCE(s.address, ''), "
            "COALESCE(s.relation_to_head, ''), COALESCE(s.category, ''), "
            "COALESCE(s.is_elderly, FALSE), FALSE, FALSE, FALSE, FALSE, "
            "COALESCE(s.is_infant, FALSE), FALSE, s.needs_verification, 'active', "
            "COALESCE(s.remarks, ''), %s, %s, %s, %s FROM fk_import_stage s "
            "LEFT JOIN fk_import_place pl ON pl.place_key = s.place_key WHERE NOT EXISTS "
            "(SELECT 1 FROM fk_import_match m WHERE m.row_no = s.row_no) ORDER BY s.row_no",
            [code, code, SOURCE, now, now, actor],
        )
        self.summary.created = c.rowcount
        if not c.rowcount:
            return
        c.execute(
            "INSERT INTO registry_residence (person_id, jurisdiction_code, household_id, "
            "address, started_at, reason, recorded_by_id) SELECT p.id, p.jurisdiction_code, "
            "p.household_id, p.address, %s, %s, %s FROM registry_person p WHERE p.id > %s "
            "AND p.created_at = %s AND p.source = %s AND p.community_code = %s",
            [now, _("ledger import"), actor, before, now, SOURCE, code],
        )
