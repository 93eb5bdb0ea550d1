"""Spreadsheets in and out: the ledgers (台账) that offices keep in Excel.

Reading takes what a real office sends: .xlsx/.xlsm/.xls (python-calamine, which reads
formulas as their cached values) and .csv (UTF-8 with or without BOM, GB18030 from older
Excel, UTF-16 "Unicode text"). Title rows above the header are skipped and the header is
found by its names, so columns may come in any order. Cell values stay raw (str, int,
float, date, datetime, bool) so that callers can see that Excel turned an identity number
into a float. Every failure to read is a `SpreadsheetError` whose message tells the user
what to do.

Memory: rows are handed out one at a time. A .csv is streamed from disk. For workbooks,
python-calamine (0.9) first reads the whole sheet into a compact Rust structure and then
converts one row at a time to Python (`iter_rows`); no lazier reader exists for it. An
.xlsx saved by Excel keeps every text cell in one shared-strings table that must be read
before the first row anyway, so a workbook's peak memory grows with its size; a CSV's
does not.

Writing uses XlsxWriter in constant_memory mode (rows go to a temporary file as they
come): a title row, "who and when" lines, the header, then the rows. Identity numbers
and phones are written as text so Excel never turns them into numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import python_calamine
import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ApplicationError

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
Row = list[Cell]

WORKBOOK_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls"})
SUPPORTED_EXTENSIONS = WORKBOOK_EXTENSIONS | {".csv"}
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_SCAN_CHUNK = 1 << 20
_CSV_DELIMITERS = ",\t;|"


class SpreadsheetError(ApplicationError):
    """A file that cannot be read as a ledger; the message says why and what to do."""


# --- Header names ----------------------------------------------------------------------

_HEADER_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|<[^>]*>")
_HEADER_NOISE = re.compile(r"[\s*:：]+")


def normalize_header(value: object) -> str:
    """How a header cell is compared: "* 身份证号码（必填）\\n" and "身份证号码" are one name.

    NFKC turns full-width brackets and letters into ASCII ones; notes in brackets,
    asterisks, colons, spaces and line breaks are dropped; Latin letters lower-cased.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _HEADER_NOTE.sub("", text)
    return _HEADER_NOISE.sub("", text).lower()


def _alias_index(header_aliases: Mapping[str, Sequence[str]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for key, names in header_aliases.items():
        for name in [key, *names]:
            index.setdefault(normalize_header(name), key)
    return index


def _is_blank(value: Cell) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


# --- The table ------------------------------------------------------------------------


@dataclass
class Table:
    """One sheet of a ledger with its header found; rows are read once, in order."""

    filename: str
    sheet_name: str
    header_row: int  # 1-based row number of the (last) header row
    headers: list[str]  # every column's header as the user wrote it ("" when none)
    columns: dict[str, int]  # canonical key -> 0-based column index
    extra: list[tuple[int, str]]  # (column index, header) of columns nobody asked for
    total_rows: int | None  # rows below the header, for progress (an estimate for CSV)
    _rows: Iterator[tuple[int, Row]] = field(repr=False)
    _close: Callable[[], None] = field(repr=False, default=lambda: None)

    def header_of(self, key: str) -> str:
        """The user's own name of a column, for messages that point at it."""
        index = self.columns.get(key)
        return self.headers[index] if index is not None else key

    def rows(self) -> Iterator[tuple[int, Row]]:
        """(row number, cells) in the file's own layout; fully blank rows skipped."""
        for number, cells in self._rows:
            if not all(_is_blank(c) for c in cells):
                yield number, cells

    def __iter__(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """(row number, {key: raw value}) for the columns that were asked for."""
        columns = list(self.columns.items())
        for number, cells in self.rows():
            width = len(cells)
            yield number, {key: cells[i] if i < width else "" for key, i in columns}

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_table(
    path: str | os.PathLike[str],
    *,
    filename: str | None = None,
    header_aliases: Mapping[str, Sequence[str]],
    required: set[str],
    max_header_scan: int = 20,
    max_bytes: int | None = None,
) -> Table:
    """Open a ledger and find its header row; raise SpreadsheetError when it cannot be read.

    `filename` is the name the user uploaded (the path of an upload is a temporary
    name); its extension says what the file claims to be, its first bytes what it is.
    """
    path = Path(path)
    filename = filename or path.name
    extension = Path(filename).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise SpreadsheetError(
            _("Files of type “%(ext)s” cannot be imported; save the ledger as .xlsx, .xls or .csv.")
            % {"ext": extension or filename}
        )
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise SpreadsheetError(
            _(
                "The file is %(size)s MB; the largest file accepted is %(limit)s MB. "
                "Split the ledger into smaller files."
            )
            % {"size": _megabytes(size), "limit": _megabytes(max_bytes)}
        )
    if size == 0:
        raise SpreadsheetError(_("The file is empty."))
    with path.open("rb") as handle:
        head = handle.read(8)
    aliases = _alias_index(header_aliases)
    if head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC):
        return _open_workbook(
            path, filename, head, aliases, header_aliases, required, max_header_scan
        )
    if extension != ".csv":
        raise SpreadsheetError(_not_a_workbook_message(path, extension))
    return _open_csv(path, filename, aliases, header_aliases, required, max_header_scan)


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value.is_integer() or value >= 10 else f"{value:.1f}"


def _not_a_workbook_message(path: Path, extension: str) -> str:
    with path.open("rb") as handle:
        start = handle.read(512).lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    if start.startswith((b"<", b"<\x00")):
        return _(
            "This %(ext)s file is really a web page exported by another system, not an Excel "
            "workbook; open it in Excel or WPS and save it as .xlsx."
        ) % {"ext": extension}
    return _(
        "This file is not an Excel workbook although its name ends in %(ext)s; open it in "
        "Excel or WPS and save it as .xlsx."
    ) % {"ext": extension}


# --- Workbooks ---------------------------------------------------------------------------


def _is_encrypted_ole(path: Path) -> bool:
    """An encrypted .xlsx is an OLE compound file holding an "EncryptionInfo" stream."""
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            if _ENCRYPTION_STREAM in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTION_STREAM) :]
    return False


def _password_error() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "The file is protected by a password; open it in Excel, remove the password "
            "(File > Info > Protect Workbook) and save it again."
        )
    )


def _damaged_error() -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "The file is damaged or not a complete Excel workbook; open it in Excel or WPS and "
            "save it again."
        )
    )


def _open_workbook(
    path: Path,
    filename: str,
    head: bytes,
    aliases: dict[str, str],
    header_aliases: Mapping[str, Sequence[str]],
    required: set[str],
    max_header_scan: int,
) -> Table:
    if head.startswith(_OLE_MAGIC) and _is_encrypted_ole(path):
        raise _password_error()
    zipped, suffix = head.startswith(_ZIP_MAGIC), path.suffix.lower()
    handle: IO[bytes] | None = None
    try:
        if (zipped and suffix in (".xlsx", ".xlsm")) or (not zipped and suffix == ".xls"):
            book = python_calamine.CalamineWorkbook.from_path(str(path))
        else:  # an upload's temporary name, or a workbook saved under the wrong extension
            handle = path.open("rb")
            book = python_calamine.CalamineWorkbook.from_filelike(handle)
    except python_calamine.PasswordError:
        raise _password_error() from None
    except (python_calamine.CalamineError, OSError, ValueError):
        raise _damaged_error() from None
    finally:
        if handle is not None:
            handle.close()  # calamine has read what it needs from a file object
    try:
        return _first_sheet_with_header(
            book, filename, aliases, header_aliases, required, max_header_scan
        )
    except BaseException:
        book.close()
        raise


def _sheet_order(book: python_calamine.CalamineWorkbook) -> list[int]:
    """Visible worksheets first (a hidden 说明 sheet is not the ledger), then hidden ones."""
    meta = book.sheets_metadata
    worksheets = [i for i, m in enumerate(meta) if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    visible = [i for i in worksheets if meta[i].visible == python_calamine.SheetVisibleEnum.Visible]
    return visible + [i for i in worksheets if i not in visible]


def _first_sheet_with_header(
    book: python_calamine.CalamineWorkbook,
    filename: str,
    aliases: dict[str, str],
    header_aliases: Mapping[str, Sequence[str]],
    required: set[str],
    max_header_scan: int,
) -> Table:
    order = _sheet_order(book)
    if not order:
        raise SpreadsheetError(_("The workbook has no worksheet."))
    any_data = False
    for index in order:
        try:
            sheet = book.get_sheet_by_index(index)
            # iter_rows starts at the sheet's first row (row 1), whatever the data range.
            numbered: Iterator[tuple[int, Row]] = enumerate(sheet.iter_rows(), start=1)  # type: ignore[arg-type]
            found = _find_header(numbered, aliases, required, max_header_scan)
        except python_calamine.PasswordError:
            raise _password_error() from None
        except (python_calamine.CalamineError, ValueError):
            raise _damaged_error() from None
        any_data = any_data or found.has_data
        if found.header is None:
            continue
        total = max(0, (sheet.end[0] + 1 if sheet.end else 0) - found.header.row)
        return _table(filename, sheet.name, found, total, _guard(found.rest), book.close)
    if not any_data:
        raise SpreadsheetError(_("The file contains no data."))
    raise _no_header_error(header_aliases, required, max_header_scan)


def _guard(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    """Turn a library error in the middle of the rows into the same clear message."""
    try:
        yield from rows
    except python_calamine.CalamineError:
        raise _damaged_error() from None


# --- CSV ---------------------------------------------------------------------------------


def _csv_encoding(path: Path) -> tuple[str, int]:
    """(encoding, number of lines): UTF-8 when every byte decodes as UTF-8, else GB18030.

    Older Excel saves CSV in the system code page (GBK on Chinese Windows), newer in UTF-8
    with a BOM; GB18030 is a superset of GBK and GB2312. One streaming pass decides, so a
    stray GBK character on row 90,000 is not read as garbage.
    """
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            handle.seek(0)
            data = handle.read()
            return "utf-16", data.decode("utf-16", errors="replace").count("\n") + 1
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        lines, utf8 = 1, True
        while chunk := handle.read(_SCAN_CHUNK):
            lines += chunk.count(b"\n")
            if b"\x00" in chunk:
                raise SpreadsheetError(
                    _(
                        "This .csv file holds binary data, not text; save the ledger from Excel "
                        "as .xlsx or as CSV."
                    )
                )
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return ("utf-8-sig" if utf8 else "gb18030"), lines


def _csv_delimiter(sample: str) -> str:
    """The separator that splits the first lines most consistently (Sniffer, then counts)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        lines = [line for line in sample.splitlines()[:20] if line.strip()]
        counts = {d: sum(line.count(d) for line in lines) for d in _CSV_DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _open_csv(
    path: Path,
    filename: str,
    aliases: dict[str, str],
    header_aliases: Mapping[str, Sequence[str]],
    required: set[str],
    max_header_scan: int,
) -> Table:
    encoding, lines = _csv_encoding(path)
    handle = path.open("r", encoding=encoding, errors="replace", newline="")
    try:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        if not sample.strip():
            raise SpreadsheetError(_("The file contains no data."))
        reader = csv.reader(handle, delimiter=_csv_delimiter(sample))
        rows: Iterator[tuple[int, Row]] = ((n, list(r)) for n, r in enumerate(reader, start=1))
        found = _find_header(rows, aliases, required, max_header_scan)
        if found.header is None:
            raise _no_header_error(header_aliases, required, max_header_scan)
        total = max(0, lines - found.header.row)
        return _table(filename, "", found, total, _csv_guard(found.rest), handle.close)
    except BaseException:
        handle.close()
        raise


def _csv_guard(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    try:
        yield from rows
    except csv.Error:
        raise SpreadsheetError(
            _(
                "The .csv file is malformed (a quotation mark is not closed); save it again "
                "from Excel."
            )
        ) from None


# --- Finding the header --------------------------------------------------------------------


@dataclass
class _Header:
    row: int  # 1-based number of the last header row
    headers: list[str]
    columns: dict[str, int]
    extra: list[tuple[int, str]]


@dataclass
class _Found:
    header: _Header | None
    rest: Iterator[tuple[int, Row]]
    has_data: bool


def _match(cells: Row, aliases: dict[str, str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = aliases.get(normalize_header(cell)) if isinstance(cell, str) else None
        if key is not None and key not in columns:
            columns[key] = index
    return columns


def _find_header(
    rows: Iterator[tuple[int, Row]],
    aliases: dict[str, str],
    required: set[str],
    max_scan: int,
) -> _Found:
    """Look at the first rows for the one naming the most known columns.

    A title row (often one merged cell) names none; a two-line header ("居住地址" merged
    above 小区/楼栋/单元/房号) is read as one when the line below adds known columns.
    """
    scanned: list[tuple[int, Row]] = []
    has_data = False
    for number, cells in rows:
        scanned.append((number, cells))
        has_data = has_data or not all(_is_blank(c) for c in cells)
        if sum(1 for c in cells if not _is_blank(c)) and len(scanned) >= max_scan:
            break
    best: tuple[int, dict[str, int]] | None = None
    for position, (_number, cells) in enumerate(scanned):
        columns = _match(cells, aliases)
        if required <= columns.keys() and (best is None or len(columns) > len(best[1])):
            best = (position, columns)
    if best is None:
        return _Found(None, iter(()), has_data)
    position, columns = best
    headers = [_header_text(c) for c in scanned[position][1]]
    last = position
    if position + 1 < len(scanned):
        below = scanned[position + 1][1]
        added = {
            k: i
            for k, i in _match(below, aliases).items()
            if k not in columns
            and (i >= len(headers) or aliases.get(normalize_header(headers[i])) is None)
        }
        if added:
            columns.update(added)
            headers += [""] * (len(below) - len(headers))
            for index in added.values():
                headers[index] = _header_text(below[index])
            last = position + 1
    mapped = set(columns.values())
    extra = [(i, h) for i, h in enumerate(headers) if h and i not in mapped]
    header = _Header(scanned[last][0], headers, columns, extra)
    rest = _chain(scanned[last + 1 :], rows)
    return _Found(header, rest, True)


def _header_text(cell: Cell) -> str:
    return " ".join(str(cell).split()) if not _is_blank(cell) else ""


def _chain(
    first: list[tuple[int, Row]], then: Iterator[tuple[int, Row]]
) -> Iterator[tuple[int, Row]]:
    yield from first
    yield from then


def _no_header_error(
    header_aliases: Mapping[str, Sequence[str]], required: set[str], max_scan: int
) -> SpreadsheetError:
    expected = "、".join(
        (list(header_aliases[k])[:1] or [k])[0] for k in header_aliases if k in required
    )
    known = "、".join((list(names)[:1] or [key])[0] for key, names in header_aliases.items())
    return SpreadsheetError(
        _(
            "No header row was found in the first %(rows)d rows. The header must name at "
            "least these columns: %(required)s (known columns: %(known)s)."
        )
        % {"rows": max_scan, "required": expected, "known": known}
    )


def _table(
    filename: str,
    sheet_name: str,
    found: _Found,
    total: int | None,
    rows: Iterator[tuple[int, Row]],
    close: Callable[[], None],
) -> Table:
    header = found.header
    assert header is not None
    return Table(
        filename=filename,
        sheet_name=sheet_name,
        header_row=header.row,
        headers=header.headers,
        columns=header.columns,
        extra=header.extra,
        total_rows=total,
        _rows=rows,
        _close=close,
    )


# --- Writing -------------------------------------------------------------------------------

ColumnKind = Literal["text", "code", "date", "datetime", "number", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of an export: `code` is text Excel must not touch (identity numbers,
    phones, division codes); `date`/`datetime` get a date format."""

    key: str
    header: str
    width: float = 12
    kind: ColumnKind = "text"


_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str) -> str:
    return (_INVALID_SHEET_CHARS.sub("_", str(name)).strip("'") or "Sheet1")[:31]


def _naive(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: an aware time is written as local time."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def write_xlsx(
    target: str | os.PathLike[str] | IO[bytes],
    *,
    sheet_name: str,
    title: str,
    meta: Sequence[tuple[str, str]],
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
) -> int:
    """Write one sheet; return the number of data rows written.

    Rows are dicts (by column key) or sequences (in column order), consumed once, so a
    queryset `.iterator()` streams straight into the file.
    """
    book = xlsxwriter.Workbook(
        target if not isinstance(target, os.PathLike) else os.fspath(target),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        return _write_sheet(book, sheet_name, title, meta, columns, rows)
    finally:
        book.close()


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook of several (`write_workbook`)."""

    name: str
    title: str
    meta: Sequence[tuple[str, str]]
    columns: Sequence[Column]
    rows: Iterable[Mapping[str, Any] | Sequence[Any]]


def write_workbook(target: str | os.PathLike[str] | IO[bytes], sheets: Sequence[Sheet]) -> int:
    """Write several sheets (a report's levels); return the data rows written in all."""
    book = xlsxwriter.Workbook(
        target if not isinstance(target, os.PathLike) else os.fspath(target),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    try:
        return sum(_write_sheet(book, s.name, s.title, s.meta, s.columns, s.rows) for s in sheets)
    finally:
        book.close()


def _write_sheet(
    book: xlsxwriter.Workbook,
    sheet_name: str,
    title: str,
    meta: Sequence[tuple[str, str]],
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
) -> int:
    sheet = book.add_worksheet(_sheet_name(sheet_name))
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center"}),
        "meta": book.add_format({"font_color": "#555555"}),
        "header": book.add_format(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        ),
        "text": book.add_format({"num_format": "@"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    last_col = max(len(columns) - 1, 0)
    for index, column in enumerate(columns):
        fmt = formats["text"] if column.kind in ("text", "code") else None
        sheet.set_column(index, index, column.width, fmt)
    if last_col:
        sheet.merge_range(0, 0, 0, last_col, str(title), formats["title"])
    else:
        sheet.write_string(0, 0, str(title), formats["title"])
    for offset, (label, value) in enumerate(meta, start=1):
        sheet.write_string(offset, 0, f"{label}：{value}", formats["meta"])
    header_row = len(meta) + 1
    for index, column in enumerate(columns):
        sheet.write_string(header_row, index, str(column.header), formats["header"])
    sheet.freeze_panes(header_row + 1, 0)
    count = 0
    keys = [c.key for c in columns]
    for count, row in enumerate(rows, start=1):
        values = [row.get(k) for k in keys] if isinstance(row, Mapping) else list(row)
        for index, column in enumerate(columns):
            if index < len(values):
                _write_cell(sheet, header_row + count, index, column, values[index], formats)
    if columns:
        sheet.autofilter(header_row, 0, header_row + count, last_col)
    return count


def _write_cell(
    sheet: Any, row: int, col: int, column: Column, value: Any, formats: dict[str, Any]
) -> None:
    if value is None or value == "":
        return
    if column.kind == "code" or isinstance(value, str):
        sheet.write_string(row, col, str(value), formats["text"])
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, dt.datetime):
        fmt = formats["date"] if column.kind == "date" else formats["datetime"]
        sheet.write_datetime(row, col, _naive(value), fmt)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, value, formats["date"])
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value), formats["text"])


def xlsx_chunks(
    *,
    sheet_name: str,
    title: str,
    meta: Sequence[tuple[str, str]],
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    chunk_size: int = 64 * 1024,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The finished .xlsx as chunks, for a StreamingHttpResponse.

    An .xlsx is a zip whose directory comes last, so the file is written to a temporary
    file first (XlsxWriter's constant_memory keeps memory flat) and then sent in chunks;
    the temporary file is gone when the generator ends. `on_done(row_count)` runs once the
    file is complete (for the audit entry).
    """
    with tempfile.TemporaryFile(suffix=".xlsx") as handle:
        count = write_xlsx(
            handle, sheet_name=sheet_name, title=title, meta=meta, columns=columns, rows=rows
        )
        if on_done is not None:
            on_done(count)
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk


def xlsx_bytes(**kwargs: Any) -> bytes:
    """The whole .xlsx in memory: for small files and tests."""
    buffer = io.BytesIO()
    write_xlsx(buffer, **kwargs)
    return buffer.getvalue()
