"""Import a pushed list (大数据推送/协查名单), match it to the registry and open the cases.

Built like the registry's ledger import (registry/importer.py), for the same reasons:

- Rows are read and checked in Python one at a time (the only per-row Python work on
  the whole file) and go in chunks into a TEMP staging table: COPY on PostgreSQL,
  executemany on SQLite. Reading runs outside the main transaction, so a background
  job's progress is visible.
- Everything else is set-based SQL in one transaction: rows twice in the file, rows
  already on the list (re-importing a file adds nothing), the match by identity number
  (a join on the unique index), the cases opened or joined, the entries and the task
  history. Only the rows that the identity number did not settle come back to Python,
  with their candidates from joins on the phone and name indexes, to be scored
  (matching.py) - a small remainder.
- Any error leaves nothing behind: the list (when new), its entries and its cases are
  written in the one transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.accounts.selectors import actor_display
from fangkong.core import audit
from fangkong.core.codes import Level, next_prefix
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.identifiers import (
    IdentifierError,
    clean_text,
    looks_like_excel_number,
    normalize_phone,
    parse_resident_id,
)
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Cell, Column, SpreadsheetError, open_table, write_xlsx
from fangkong.core.staging import Staging

from . import matching
from .cases import lock_cases
from .matching import Candidate, Decision
from .models import MAX_DEADLINE_HOURS, PushList, PushListImport

# Column names as offices and big-data groups write them; the first is shown in messages.
ALIASES: dict[str, list[str]] = {
    "serial": ["序号", "编号"],
    "name": ["姓名", "人员姓名", "名字", "机主姓名", "客户姓名"],
    "id_type": ["证件类型"],
    "id_number": [
        "身份证号",
        "证件号码",
        "身份证号码",
        "公民身份号码",
        "身份证",
        "证件号",
        "证件编号",
    ],
    "phone": ["手机号", "联系电话", "手机号码", "电话", "电话号码", "联系方式", "手机"],
    "source": ["来源", "推送来源", "数据来源", "信息来源", "推送单位"],
    "reason": [
        "原因",
        "推送原因",
        "事由",
        "协查原因",
        "核查事由",
        "风险类型",
        "人员类别",
        "轨迹",
    ],
    "address": ["地址", "现住址", "居住地址", "现居住地址", "住址", "家庭住址", "现居地"],
    "registered_address": ["户籍地址", "户籍地", "户籍所在地"],
}
IDENTIFYING = ("name", "id_number", "phone")
MAX_NAME = 60
MAX_SOURCE = 100
MAX_REASON = 200
MAX_ADDRESS = 200

_FOOTER = re.compile(
    r"^(?:(?:填表人|填报人|制表人|审核人|负责人|联系人|统计人|核对人|签字|签名|盖章|日期|"
    r"填报单位|单位|注|备注|说明|合计|总计|小计)\s*[:：]|(?:注|说明)\s*[0-9一1、.]|"
    r"以下(?:空白|无内容|无数据)|(?:合计|总计|小计)$)"
)
_FOREIGN_DOCUMENT = ("护照", "港澳", "台湾", "台胞", "回乡", "通行证", "永久居留", "外国")
_DOCUMENT_TEXT = re.compile(r"^[0-9A-Z]{5,32}$")
_PHONE_SPLIT = re.compile(r"[/、,，;；\s]+")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PLAIN = re.compile(r"[0-9]{17}[0-9X]\Z")


@dataclass(frozen=True)
class NewList:
    """What the district says about a list it has received."""

    name: str
    source: str = ""
    received_at: dt.datetime | None = None
    deadline_hours: int = 24
    note: str = ""


@dataclass
class PushSummary:
    """What an import did, for the job page, the command line and the audit log."""

    rows: int = 0
    created: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    matched: dict[str, int] = field(
        default_factory=lambda: {"id_number": 0, "phone": 0, "name_address": 0}
    )
    ambiguous: int = 0
    unmatched: int = 0
    tasks_created: int = 0
    tasks_joined: int = 0
    push_list_id: int | None = None
    push_list_name: str = ""
    repeated_file: bool = False  # this very file was imported into the list before
    id_column: str = ""
    phone_column: str = ""

    def as_dict(self, *, masked: bool = False) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "rejected": [self._masked(e) for e in self.rejected] if masked else self.rejected,
            "warnings": [self._masked(e) for e in self.warnings] if masked else self.warnings,
            "matched": dict(self.matched),
            "matched_total": sum(self.matched.values()),
            "ambiguous": self.ambiguous,
            "unmatched": self.unmatched,
            "tasks_created": self.tasks_created,
            "tasks_joined": self.tasks_joined,
            "push_list": self.push_list_id,
            "push_list_name": self.push_list_name,
            "repeated_file": self.repeated_file,
        }

    def counts(self) -> dict[str, Any]:
        """For the audit log: numbers only."""
        data = self.as_dict()
        data["rejected"], data["warnings"] = len(self.rejected), len(self.warnings)
        data.pop("push_list_name")
        return data

    def _masked(self, entry: dict[str, Any]) -> dict[str, Any]:
        if entry["column"] == self.id_column:
            return entry | {"value": mask_id_number(entry["value"])}
        if entry["column"] == self.phone_column:
            return entry | {"value": mask_phone(entry["value"])}
        return entry

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
    if isinstance(value, dt.date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def file_digest(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def reason_header() -> str:
    return pgettext("ledger column", "Reason for rejection")


# --- The entry point ------------------------------------------------------------------


def import_push_list(
    *,
    scope: Scope,
    district_code: str,
    path: str | Path,
    filename: str | None = None,
    new_list: NewList | None = None,
    push_list_id: int | None = None,
    sha256: str | None = None,
    max_bytes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PushSummary:
    """Read a pushed list into a new list (`new_list`) or an existing one (`push_list_id`),
    match its rows and open or join the cases; return what happened, row by row.

    A file that was imported before in the district goes into the same list again and
    adds only rows that are not there yet. Raises NotFound outside the scope,
    PermissionDenied without PUSHLIST_MANAGE, SpreadsheetError for a file that cannot
    be read, ApplicationError for a list that cannot be made.
    """
    scope.require(Perm.PUSHLIST_MANAGE, at=district_code)
    district = _district(scope, district_code)
    target = _existing_list(scope, push_list_id) if push_list_id is not None else None
    if target is None and new_list is None:
        raise ApplicationError(_("Name the list the file belongs to."))
    if new_list is not None:
        _check_new_list(new_list)
    digest = sha256 or file_digest(path)
    summary = PushSummary()
    with open_table(
        path, filename=filename, header_aliases=ALIASES, required=set(), max_bytes=max_bytes
    ) as table:
        if not any(key in table.columns for key in IDENTIFYING):
            raise SpreadsheetError(
                _(
                    "No header row was found in the first 20 rows. The header must name at "
                    "least one of these columns: 姓名, 身份证号 (证件号码), 手机号 (联系电话)."
                )
            )
        reader = _RowReader(
            table,
            summary,
            (place_names(district.code), place_names(district.code, communities=False)),
        )
        summary.id_column, summary.phone_column = reader.head["id_number"], reader.head["phone"]
        filename = filename or Path(path).name
        staging = _staging()
        try:
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                staging.create()
                staging.load(reader.staged_rows(), progress, table.total_rows)
                with transaction.atomic():
                    lock_cases()
                    if target is None:
                        target = _list_of_file(scope, district.code, digest)
                        summary.repeated_file = target is not None
                    elif PushListImport.objects.filter(push_list=target, sha256=digest).exists():
                        summary.repeated_file = True
                    if target is None:
                        assert new_list is not None
                        target = _create_list(scope, district.code, new_list)
                    record = PushListImport.objects.create(
                        push_list=target,
                        jurisdiction_code=target.jurisdiction_code,
                        file_name=filename[:255],
                        sha256=digest,
                        imported_by_id=scope.actor_id,
                        imported_at=timezone.now(),
                    )
                    summary.push_list_id, summary.push_list_name = target.pk, target.name
                    _Apply(scope, target, record, summary, reader.head).run()
                    summary.sort()
                    record.counts = summary.counts()
                    record.save(update_fields=["counts"])
                    audit.record(
                        scope,
                        "pushlists.list.imported",
                        target,
                        data=summary.counts() | {"file": filename, "import": record.pk},
                    )
        finally:
            staging.drop()
    if progress is not None:
        progress(summary.rows, summary.rows)
    return summary


def place_names(district: str, *, communities: bool = True) -> tuple[str, ...]:
    """The names that may stand in front of an address in the district: the district's,
    its streets' and towns', and (unless told not to) its communities' and villages'
    (names and official names)."""
    levels = [Level.DISTRICT, Level.SUBDISTRICT] + ([Level.COMMUNITY] if communities else [])
    return tuple(
        sorted(
            {
                n
                for pair in Jurisdiction.objects.within_code(district)
                .filter(level__in=levels)
                .values_list("name", "official_name")
                for n in pair
                if n
            }
        )
    )


def _district(scope: Scope, code: str) -> Jurisdiction:
    node = Jurisdiction.objects.within(scope).filter(code=code, level=Level.DISTRICT).first()
    if node is None:
        raise NotFound(_("District not found."))
    return node


def _existing_list(scope: Scope, pk: int) -> PushList:
    found = PushList.objects.within(scope).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Not found."))
    return found


def _list_of_file(scope: Scope, district: str, digest: str) -> PushList | None:
    earlier = (
        PushListImport.objects.within(scope)
        .within_code(district)
        .filter(sha256=digest)
        .select_related("push_list")
        .order_by("id")
        .first()
    )
    return earlier.push_list if earlier is not None else None


def _check_new_list(new: NewList) -> None:
    if not new.name.strip():
        raise ApplicationError(_("Give the list a name."))
    if not 1 <= new.deadline_hours <= MAX_DEADLINE_HOURS:
        raise ApplicationError(
            _("The deadline is between 1 and %(max)d hours.") % {"max": MAX_DEADLINE_HOURS}
        )


def _create_list(scope: Scope, district: str, new: NewList) -> PushList:
    push_list = PushList.objects.create(
        jurisdiction_code=district,
        name=new.name.strip()[:100],
        source=new.source.strip()[:100],
        received_at=new.received_at or timezone.now(),
        deadline_hours=new.deadline_hours,
        note=new.note.strip(),
        created_by_id=scope.actor_id,
    )
    audit.record(
        scope,
        "pushlists.list.created",
        push_list,
        data={"deadline_hours": push_list.deadline_hours},
    )
    return push_list


# --- Reading and checking rows --------------------------------------------------------

STAGE_COLUMNS: list[tuple[str, str]] = [
    ("row_no", "INTEGER"),
    ("entry_key", "TEXT"),
    ("name", "TEXT"),
    ("id_number", "TEXT"),
    ("id_raw", "TEXT"),
    ("phone", "TEXT"),
    ("phone_raw", "TEXT"),
    ("source", "TEXT"),
    ("reason", "TEXT"),
    ("address", "TEXT"),
    ("extra", "TEXT"),
    ("compound", "TEXT"),
    ("compound2", "TEXT"),
]


class _RowReader:
    """Turns the sender's rows into staging rows, reporting what it rejects or doubts.

    A pushed row is kept whenever something on it says whom to check: a name, a valid
    identity number or a valid phone (通信大数据 lists often have nothing but phones). A
    wrong identity number or phone beside a usable name or phone is a warning, not a
    rejection: the person must still be checked (不漏一人).
    """

    def __init__(
        self,
        table: Any,
        summary: PushSummary,
        names: tuple[tuple[str, ...], tuple[str, ...]] = ((), ()),
    ) -> None:
        self.table, self.summary = table, summary
        self.names, self.upper_names = names
        self.col = {key: table.columns.get(key) for key in ALIASES}
        self.head = {
            key: table.header_of(key) if key in table.columns else ALIASES[key][0]
            for key in ALIASES
        }
        self.width = len(table.headers)
        self.present = [(key, index) for key, index in table.columns.items() if key in ALIASES]
        self.blank = dict.fromkeys(ALIASES, "")
        self.extra_at = [(i, h) for i, h in table.extra if h != reason_header()]
        self.name_aliases = {clean_text(a) for a in ALIASES["name"]}
        self.today = dt.date.today()

    def staged_rows(self) -> Iterator[tuple[Any, ...]]:
        for number, cells in self.table.rows():
            if len(cells) < self.width:
                cells = cells + [""] * (self.width - len(cells))
            texts = dict(self.blank)
            for key, index in self.present:
                texts[key] = self._clean(cells[index])
            if not self._is_entry(cells, texts):
                continue
            self.summary.rows += 1
            staged = self._stage(number, cells, texts)
            if staged is not None:
                yield staged

    def _raw(self, cells: list[Cell], key: str) -> Cell:
        index = self.col[key]
        return cells[index] if index is not None else ""

    @staticmethod
    def _clean(value: Cell) -> str:
        """clean_text of a cell; the common case (a plain string already in NFKC form,
        without doubled or outer spaces) costs a check, not a normalisation."""
        if value is None or value == "":
            return ""
        if value.__class__ is str:
            text: str = value  # type: ignore[assignment]
            if text.isprintable() and unicodedata.is_normalized("NFKC", text):
                return " ".join(text.split()) if " " in text or "\u3000" in text else text
        return clean_text(_display(value))

    def _is_entry(self, cells: list[Cell], texts: dict[str, str]) -> bool:
        """Footer lines, notes and repeated headers are not entries."""
        name = texts["name"]
        if name and (name in self.name_aliases or _FOOTER.match(name)):
            return False
        if not any(texts[key] for key in ("name", "id_number", "phone", "address")):
            return False
        first = next((c for c in cells if isinstance(c, str) and c.strip()), None)
        return not (first is not None and _FOOTER.match(clean_text(first)) and not texts["phone"])

    def _stage(
        self, number: int, cells: list[Cell], texts: dict[str, str]
    ) -> tuple[Any, ...] | None:
        head, summary = self.head, self.summary
        name = texts["name"]
        if len(name) > MAX_NAME:
            summary.reject(
                number,
                head["name"],
                name,
                _("A name has at most %(n)d characters.") % {"n": MAX_NAME},
            )
            return None
        id_number, id_problem = self._identity(cells, texts)
        phone, phone_problem = self._phone(cells)
        if not (name or id_number or phone):
            if id_problem:
                summary.reject(number, head["id_number"], self._raw(cells, "id_number"), id_problem)
            elif phone_problem:
                summary.reject(number, head["phone"], self._raw(cells, "phone"), phone_problem)
            else:
                summary.reject(
                    number,
                    head["name"],
                    "",
                    _(
                        "Nothing on this row says whom to check: give a name, an identity "
                        "number or a phone."
                    ),
                )
            return None
        if id_problem:
            summary.warn(
                number,
                head["id_number"],
                self._raw(cells, "id_number"),
                _("%(problem)s The entry was kept and is matched by phone or name.")
                % {"problem": id_problem},
            )
        if phone_problem:
            summary.warn(
                number,
                head["phone"],
                self._raw(cells, "phone"),
                _("%(problem)s The entry was kept without a phone.") % {"problem": phone_problem},
            )
        source = self._cut(number, "source", texts["source"], MAX_SOURCE)
        reason = self._cut(number, "reason", texts["reason"], MAX_REASON)
        address = texts["address"] or texts["registered_address"]
        address = self._cut(
            number, "address" if texts["address"] else "registered_address", address, MAX_ADDRESS
        )
        id_raw = "" if id_number else texts["id_number"][:64]
        phone_raw = "" if phone else texts["phone"][:64]
        extra = {
            header: _display(cells[index])
            for index, header in self.extra_at
            if index < len(cells) and cells[index] not in (None, "")
        }
        key = entry_key(name=name, id_number=id_number, phone=phone, id_raw=id_raw, address=address)
        return (
            number,
            key,
            name or None,
            id_number,
            id_raw or None,
            phone,
            phone_raw or None,
            source or None,
            reason or None,
            address or None,
            json.dumps(extra, ensure_ascii=False) if extra else None,
            *(
                matching.compound_keys(address, self.names, self.upper_names)
                if name and address
                else (None, None)
            ),
        )

    def _cut(self, number: int, key: str, text: str, limit: int) -> str:
        if len(text) > limit:
            self.summary.warn(
                number,
                self.head[key],
                text,
                _("Longer than %(n)d characters; the rest was cut off.") % {"n": limit},
            )
            return text[:limit]
        return text

    def _identity(self, cells: list[Cell], texts: dict[str, str]) -> tuple[str | None, str]:
        """(identity number, problem): a resident ID checked by GB 11643, another
        document's number as written (upper case, no spaces)."""
        raw = self._raw(cells, "id_number")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None, ""
        declared = texts["id_type"]
        if looks_like_excel_number(raw):
            return None, _(
                "Excel stored this identity number as a number and lost its last digits."
            )
        if declared and any(word in declared for word in _FOREIGN_DOCUMENT):
            text = re.sub(r"[\s\-]+", "", clean_text(_display(raw))).upper()
            if _DOCUMENT_TEXT.match(text):
                return text, ""
            return None, _("This is not a document number.")
        quick = _quick_resident_id(raw, self.today)
        if quick is not None:
            return quick, ""
        try:
            return parse_resident_id(raw).number, ""
        except IdentifierError as exc:
            text = re.sub(r"\s+", "", clean_text(_display(raw))).upper()
            if not declared and _DOCUMENT_TEXT.match(text) and not text.isdigit():
                return text, ""  # a passport or permit number in the ID column
            return None, str(exc)

    def _phone(self, cells: list[Cell]) -> tuple[str | None, str]:
        raw = self._raw(cells, "phone")
        if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
            return None, ""
        try:
            return normalize_phone(raw), ""
        except IdentifierError:
            pass
        for part in _PHONE_SPLIT.split(clean_text(_display(raw))):
            with contextlib.suppress(IdentifierError):
                if part:
                    return normalize_phone(part), ""
        return None, _("This is not a phone number.")


def entry_key(
    *, name: str, id_number: str | None, phone: str | None, id_raw: str, address: str
) -> str:
    """What makes a row the same row of its list, whichever file it came in: the
    identity number when valid, else everything that says who it is."""
    if id_number:
        basis = f"id\x1f{id_number}"
    else:
        basis = "\x1f".join(("x", name, phone or "", id_raw, matching.clean_address(address)))
    return hashlib.sha256(basis.encode()).hexdigest()[:40]


def _quick_resident_id(raw: Cell, today: dt.date) -> str | None:
    """A plain, valid 18-character number (the common case) without parse_resident_id's
    normalising; anything else goes to parse_resident_id, which writes the message."""
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
    return text


def rejected_workbook(
    path: str | Path, result: Mapping[str, Any], target: Any, *, filename: str | None = None
) -> int:
    """The rejected rows in the sender's own layout plus 错误原因, to fix and import again
    into the same list."""
    reasons: dict[int, list[str]] = {}
    for entry in result["rejected"]:
        reasons.setdefault(entry["row"], []).append(f"{entry['column']}：{entry['reason']}")
    with open_table(path, filename=filename, header_aliases=ALIASES, required=set()) as table:
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


# --- Staging --------------------------------------------------------------------------


def _staging() -> Staging:
    """The TEMP table the checked rows go to, and the import's other temp tables."""
    return Staging(
        table="fk_push_stage",
        columns=STAGE_COLUMNS,
        temp_tables=(
            "fk_push_stage",
            "fk_push_match",
            "fk_push_key",
            "fk_push_joined",
            "fk_push_task",
        ),
        indexes=("entry_key", "row_no"),
    )


# --- Matching and opening cases, set-based ---------------------------------------------

ENTRY = "pushlists_pushlistentry"
TASK = "pushlists_verificationtask"
EVENT = "pushlists_taskevent"
OPEN_CASE = "NOT ({alias}.status = 'closed')"  # the partial unique index's own predicate
MATCH_TABLE = (
    "fk_push_match (row_no INTEGER, person_id BIGINT, person_code TEXT, match_status TEXT, "
    "match_method TEXT, confidence INTEGER, match_note TEXT, candidates TEXT)"
)


class _Apply:
    """The set-based part. Results go into new temp tables (INSERT ... SELECT) rather
    than UPDATEs of the staging table: an UPDATE rewrites each row and its index
    entries, which cost more than the matching itself at 100,000 rows.

    fk_push_match  row -> person, status, method, confidence (identity numbers by a
                   join; phones and names scored in Python and appended)
    fk_push_key    every row with its match and the key of its case
    fk_push_joined open cases that rows of this file join
    fk_push_task   case key -> task (joined or opened now)
    """

    def __init__(
        self,
        scope: Scope,
        push_list: PushList,
        record: PushListImport,
        summary: PushSummary,
        head: dict[str, str],
    ) -> None:
        self.scope, self.push_list, self.record, self.summary = scope, push_list, record, summary
        self.head = head
        self.district = push_list.jurisdiction_code
        self.low, self.high = self.district, next_prefix(self.district) or "~"
        self.pg = connection.vendor == "postgresql"
        now = timezone.now()
        self.now = connection.ops.adapt_datetimefield_value(now)
        self.deadline = connection.ops.adapt_datetimefield_value(push_list.deadline)
        self._names = place_names(self.district)

    def run(self) -> None:
        with connection.cursor() as cursor:
            self.cursor = cursor
            self._repeats_in_file()
            self._already_on_list()
            self._match_by_id_number()
            self._decide(self._phone_candidates(), self._by_phone)
            self._decide(self._name_candidates(), self._by_name)
            self._keys()
            self._open_cases()
            self._insert_entries()
            self._history()
            self._count()

    def _fetch(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        self.cursor.execute(sql, params)
        while batch := self.cursor.fetchmany(5000):
            yield from batch

    def _range(self, alias: str) -> str:
        return f"{alias}.jurisdiction_code >= %s AND {alias}.jurisdiction_code < %s"

    def _analyze(self, table: str, columns: str = "") -> None:
        """Temp tables are never auto-analysed, and a table just filled looks empty to
        the planner: a nested loop over it would be quadratic."""
        if self.pg:
            self.cursor.execute(f"ANALYZE {table}{f' ({columns})' if columns else ''}")

    def _repeats_in_file(self) -> None:
        """The same entry twice in the file: listed once; the later rows are reported."""
        sql = (
            "SELECT s.row_no, d.first_row, s.id_number, s.name FROM fk_push_stage s JOIN "
            "(SELECT entry_key, MIN(row_no) AS first_row FROM fk_push_stage GROUP BY entry_key "
            "HAVING COUNT(*) > 1) d ON d.entry_key = s.entry_key WHERE s.row_no <> d.first_row "
            "ORDER BY s.row_no"
        )
        repeats = list(self._fetch(sql, []))
        for row_no, first, id_number, name in repeats:
            self.summary.warn(
                row_no,
                self.head["id_number"] if id_number else self.head["name"],
                id_number or name or "",
                _("The same entry as row %(row)d; it is listed once.") % {"row": first},
            )
        if repeats:
            self.cursor.execute(
                "DELETE FROM fk_push_stage WHERE EXISTS (SELECT 1 FROM fk_push_stage o WHERE "
                "o.entry_key = fk_push_stage.entry_key AND o.row_no < fk_push_stage.row_no)"
            )

    def _already_on_list(self) -> None:
        """Rows imported into this list before (the same file again, or a fixed file
        holding rows that went in the first time): nothing to add."""
        c = self.cursor
        on_list = (
            f"EXISTS (SELECT 1 FROM {ENTRY} e WHERE e.push_list_id = %s AND "
            "e.entry_key = fk_push_stage.entry_key)"
        )
        c.execute(f"SELECT COUNT(*) FROM fk_push_stage WHERE {on_list}", [self.push_list.pk])
        (self.summary.unchanged,) = c.fetchone()
        if self.summary.unchanged:
            c.execute(f"DELETE FROM fk_push_stage WHERE {on_list}", [self.push_list.pk])

    def _match_by_id_number(self) -> None:
        c = self.cursor
        c.execute(f"CREATE TEMP TABLE {MATCH_TABLE}")
        c.execute(
            "INSERT INTO fk_push_match (row_no, person_id, person_code, match_status, "
            "match_method, confidence, match_note) SELECT s.row_no, p.id, p.jurisdiction_code, "
            "'matched', 'id_number', %s, '' FROM fk_push_stage s JOIN registry_person p ON "
            f"p.id_number = s.id_number WHERE s.id_number IS NOT NULL AND {self._range('p')}",
            [matching.CONFIDENCE_ID, self.low, self.high],
        )
        c.execute("CREATE UNIQUE INDEX fk_push_match_row ON fk_push_match (row_no)")
        self._analyze("fk_push_match")

    _UNDECIDED = "NOT EXISTS (SELECT 1 FROM fk_push_match m WHERE m.row_no = s.row_no)"

    def _phone_candidates(self) -> Iterator[tuple[Any, ...]]:
        return self._fetch(
            "SELECT s.row_no, s.name, s.id_number, p.id, p.jurisdiction_code, p.name, "
            "p.id_number, p.address FROM fk_push_stage s JOIN registry_person p ON "
            f"p.phone = s.phone AND p.status = 'active' AND {self._range('p')} "
            f"WHERE s.phone IS NOT NULL AND {self._UNDECIDED} ORDER BY s.row_no, p.id",
            [self.low, self.high],
        )

    def _name_candidates(self) -> Iterator[tuple[Any, ...]]:
        """The people of each listed name. A common name has a hundred holders in a city
        district and more: on PostgreSQL only six come back to be scored, those who live
        in the compound the list names first (a substring test in the database: pg_trgm's
        similarity over every namesake cost twice as much); six also tells a name without
        an address held by more than five people. SQLite (a small district) sends them
        all and rapidfuzz shortlists them."""
        self._listed = dict(
            self._fetch(
                "SELECT s.row_no, s.address FROM fk_push_stage s WHERE s.name IS NOT NULL AND "
                f"s.address IS NOT NULL AND {self._UNDECIDED}",
                [],
            )
        )
        if self.pg:
            return self._fetch(
                "SELECT s.row_no, s.name, s.id_number, c.id, c.jurisdiction_code, s.name, "
                "c.id_number, c.address FROM fk_push_stage s CROSS JOIN LATERAL (SELECT p.id, "
                "p.jurisdiction_code, p.id_number, p.address FROM registry_person p WHERE "
                f"p.name = s.name AND p.status = 'active' AND {self._range('p')} ORDER BY "
                "(CASE WHEN strpos(p.address, s.compound) > 0 THEN 1 ELSE 0 END + "
                "CASE WHEN strpos(p.address, s.compound2) > 0 THEN 1 ELSE 0 END) DESC, p.id "
                "LIMIT %s) c "
                f"WHERE s.name IS NOT NULL AND {self._UNDECIDED} ORDER BY s.row_no, c.id",
                [self.low, self.high, matching.NAME_ONLY_MAX + 1],
            )
        return self._fetch(
            "SELECT s.row_no, s.name, s.id_number, p.id, p.jurisdiction_code, s.name, "
            "p.id_number, p.address FROM fk_push_stage s JOIN registry_person p ON "
            f"p.name = s.name AND p.status = 'active' AND {self._range('p')} "
            f"WHERE s.name IS NOT NULL AND {self._UNDECIDED} ORDER BY s.row_no, p.id",
            [self.low, self.high],
        )

    @staticmethod
    def _candidate(row: tuple[Any, ...]) -> Candidate:
        _row_no, name, id_number, pid, code, p_name, p_id, p_address = row
        return Candidate(
            person_id=pid,
            code=code,
            same_name=bool(name) and name == p_name,
            other_id=bool(id_number) and bool(p_id) and id_number != p_id,
            address=p_address or "",
        )

    def _by_phone(self, rows: list[tuple[Any, ...]]) -> Decision:
        return matching.by_phone([self._candidate(r) for r in rows], listed_name=rows[0][1] or "")

    def _by_name(self, rows: list[tuple[Any, ...]]) -> Decision:
        return matching.by_name_and_address(
            [self._candidate(r) for r in rows],
            listed_address=self._listed.get(rows[0][0]) or "",
            names=self._names,
        )

    def _decide(
        self,
        rows: Iterator[tuple[Any, ...]],
        decide: Callable[[list[tuple[Any, ...]]], Decision],
    ) -> None:
        """Score the candidates of each row (grouped: the rows come ordered by row) and
        append the decisions to fk_push_match in one go."""
        decisions: list[tuple[Any, ...]] = []
        group: list[tuple[Any, ...]] = []
        for row in rows:
            if group and group[0][0] != row[0]:
                decisions.append(self._decision_row(group[0][0], decide(group)))
                group = []
            group.append(row)
        if group:
            decisions.append(self._decision_row(group[0][0], decide(group)))
        if not decisions:
            return
        c = self.cursor
        if self.pg:
            with c.cursor.copy("COPY fk_push_match FROM STDIN") as copy:
                for decision in decisions:
                    copy.write_row(decision)
        else:
            c.executemany(
                "INSERT INTO fk_push_match VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", decisions
            )
        self._analyze("fk_push_match")

    @staticmethod
    def _decision_row(row_no: int, d: Decision) -> tuple[Any, ...]:
        matched = d.status == "matched"
        return (
            row_no,
            d.person_id if matched else None,
            d.person_code if matched else None,
            d.status,
            d.method if d.status != "unmatched" else "",
            d.confidence if matched else 0,
            d.note,
            json.dumps(d.candidates) if d.candidates else None,
        )

    def _keys(self) -> None:
        """Every row with what matching made of it and the key of its case: the person
        when matched, else a valid identity number (a case the district opened by hand)."""
        c = self.cursor
        c.execute(
            "CREATE TEMP TABLE fk_push_key AS SELECT s.row_no AS row_no, "
            "m.person_id AS person_id, m.person_code AS person_code, "
            "COALESCE(m.match_status, 'unmatched') AS match_status, "
            "COALESCE(m.match_method, '') AS match_method, "
            "COALESCE(m.confidence, 0) AS confidence, "
            "COALESCE(m.match_note, 'no_candidate') AS match_note, m.candidates AS candidates, "
            "CASE WHEN m.match_status = 'matched' THEN 'p:' || CAST(m.person_id AS TEXT) "
            "WHEN s.id_number IS NOT NULL THEN 'id:' || s.id_number END AS subject_key "
            "FROM fk_push_stage s LEFT JOIN fk_push_match m ON m.row_no = s.row_no"
        )
        c.execute("CREATE UNIQUE INDEX fk_push_key_row ON fk_push_key (row_no)")
        self._analyze("fk_push_key")

    def _open_cases(self) -> None:
        """Join the open case of each subject, else open one per matched person: one task
        however many entries and lists name them. A case joined keeps the earlier of its
        deadline and this list's."""
        c, imp = self.cursor, self.record.pk
        c.execute(
            "CREATE TEMP TABLE fk_push_joined AS SELECT DISTINCT t.id AS id, "
            "t.subject_key AS subject_key, t.jurisdiction_code AS jurisdiction_code "
            f"FROM fk_push_key k JOIN {TASK} t ON t.subject_key = k.subject_key AND "
            f"{OPEN_CASE.format(alias='t')} WHERE k.subject_key IS NOT NULL"
        )
        c.execute("SELECT COUNT(*) FROM fk_push_joined")
        (self.summary.tasks_joined,) = c.fetchone()
        if self.summary.tasks_joined:
            c.execute(
                f"UPDATE {TASK} SET deadline = %s WHERE status = 'open' AND deadline > %s AND "
                "id IN (SELECT id FROM fk_push_joined)",
                [self.deadline, self.deadline],
            )
        c.execute(
            f"INSERT INTO {TASK} (jurisdiction_code, community_code, subject_key, person_id, "
            "origin_import_id, deadline, status, outcome, where_text, where_code, measure, note, "
            "verified_by_name, close_reason, created_at) SELECT MIN(k.person_code), "
            "SUBSTR(MIN(k.person_code), 1, 12), k.subject_key, MIN(k.person_id), %s, %s, "
            "'open', '', '', '', '', '', '', '', %s FROM fk_push_key k WHERE "
            "k.match_status = 'matched' AND NOT EXISTS (SELECT 1 FROM fk_push_joined j WHERE "
            "j.subject_key = k.subject_key) GROUP BY k.subject_key ORDER BY MIN(k.row_no)",
            [imp, self.deadline, self.now],
        )
        self.summary.tasks_created = c.rowcount
        if self.summary.tasks_created >= 1000:
            self._analyze(TASK, "id, subject_key, status, origin_import_id")
        c.execute(
            "CREATE TEMP TABLE fk_push_task AS SELECT t.subject_key AS subject_key, t.id AS id, "
            f"t.jurisdiction_code AS jurisdiction_code, 1 AS created FROM {TASK} t WHERE "
            "t.origin_import_id = %s UNION ALL SELECT subject_key, id, jurisdiction_code, 0 "
            "FROM fk_push_joined",
            [imp],
        )
        c.execute("CREATE UNIQUE INDEX fk_push_task_key ON fk_push_task (subject_key)")
        self._analyze("fk_push_task")

    def _insert_entries(self) -> None:
        extra, candidates = "COALESCE(s.extra, '{}')", "COALESCE(k.candidates, '[]')"
        if self.pg:
            extra, candidates = f"CAST({extra} AS jsonb)", f"CAST({candidates} AS jsonb)"
        self.cursor.execute(
            f"INSERT INTO {ENTRY} (push_list_id, origin_import_id, jurisdiction_code, row_no, "
            "entry_key, name, id_number, id_raw, phone, phone_raw, source, reason, address, "
            "extra, match_status, match_method, confidence, match_note, person_id, candidates, "
            "task_id, return_reason, created_at) SELECT %s, %s, "
            "COALESCE(tk.jurisdiction_code, %s), s.row_no, s.entry_key, COALESCE(s.name, ''), "
            "s.id_number, COALESCE(s.id_raw, ''), COALESCE(s.phone, ''), "
            "COALESCE(s.phone_raw, ''), COALESCE(s.source, ''), COALESCE(s.reason, ''), "
            f"COALESCE(s.address, ''), {extra}, k.match_status, k.match_method, k.confidence, "
            f"k.match_note, k.person_id, {candidates}, tk.id, '', %s "
            "FROM fk_push_stage s JOIN fk_push_key k ON k.row_no = s.row_no "
            "LEFT JOIN fk_push_task tk ON tk.subject_key = k.subject_key ORDER BY s.row_no",
            [self.push_list.pk, self.record.pk, self.district, self.now],
        )
        self.summary.created = self.cursor.rowcount
        if self.summary.created >= 1000:
            self._analyze(ENTRY, "push_list_id, entry_key")

    def _history(self) -> None:
        """ "Task created" for the first entry of each case this import opened, "named
        again" for every other entry that went to a case."""
        self.cursor.execute(
            f"INSERT INTO {EVENT} (task_id, jurisdiction_code, kind, at, actor_id, actor_name, "
            "from_code, to_code, reason, entry_id, data) SELECT tk.id, tk.jurisdiction_code, "
            "CASE WHEN tk.created = 1 AND x.row_no = x.first_row THEN 'created' "
            "ELSE 'joined' END, %s, %s, %s, '', tk.jurisdiction_code, '', e.id, '{}' "
            "FROM (SELECT k.row_no AS row_no, k.subject_key AS subject_key, "
            "MIN(k.row_no) OVER (PARTITION BY k.subject_key) AS first_row FROM fk_push_key k "
            "WHERE k.subject_key IS NOT NULL) x "
            "JOIN fk_push_task tk ON tk.subject_key = x.subject_key "
            "JOIN fk_push_stage s ON s.row_no = x.row_no "
            f"JOIN {ENTRY} e ON e.push_list_id = %s AND e.entry_key = s.entry_key "
            "ORDER BY x.row_no",
            [self.now, self.scope.actor_id, actor_display(self.scope), self.push_list.pk],
        )

    def _count(self) -> None:
        self.cursor.execute(
            "SELECT match_status, match_method, COUNT(*) FROM fk_push_key "
            "GROUP BY match_status, match_method"
        )
        for status, method, n in self.cursor.fetchall():
            if status == "matched":
                self.summary.matched[method] = self.summary.matched.get(method, 0) + n
            elif status == "ambiguous":
                self.summary.ambiguous += n
            else:
                self.summary.unmatched += n
