"""Attachment files of notices: which kinds are allowed (checked by their first bytes,
not only their name), where they are kept (settings.VAR_DIR / "notices", under a
random name), and how big they may be (FANGKONG_NOTICE_ATTACHMENT_MAX_MB)."""

from __future__ import annotations

import codecs
import hashlib
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
PDF = b"%PDF-"
ZIP = b"PK\x03\x04"
HEAD = 8192
MAX_FILES = 5
DEFAULT_MAX_MB = 20


def max_bytes() -> int:
    return int(getattr(settings, "FANGKONG_NOTICE_ATTACHMENT_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024


def _zip_with(folder: str) -> Callable[[bytes, IO[bytes]], bool]:
    """An Office Open XML file: a zip holding the part of its kind (word/, xl/)."""

    def check(head: bytes, file: IO[bytes]) -> bool:
        if not head.startswith(ZIP):
            return False
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                return any(name.startswith(folder) for name in archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            file.seek(0)

    return check


def _text(head: bytes, file: IO[bytes]) -> bool:
    """Plain text in UTF-8 or GB18030 (what Chinese Windows writes); no NUL bytes. A
    character cut off at the end of the head is not an error."""
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=len(head) < HEAD)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _starts(magic: bytes) -> Callable[[bytes, IO[bytes]], bool]:
    return lambda head, file: head.startswith(magic)


@dataclass(frozen=True)
class Kind:
    content_type: str
    check: Callable[[bytes, IO[bytes]], bool]


KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", _starts(PDF)),
    "doc": Kind("application/msword", _starts(OLE2)),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _zip_with("word/"),
    ),
    "xls": Kind("application/vnd.ms-excel", _starts(OLE2)),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _zip_with("xl/")
    ),
    "jpg": Kind("image/jpeg", _starts(JPEG)),
    "jpeg": Kind("image/jpeg", _starts(JPEG)),
    "png": Kind("image/png", _starts(PNG)),
    "txt": Kind("text/plain", _text),
}
ALLOWED_LABEL = "pdf, doc, docx, xls, xlsx, jpg, png, txt"


def extension(name: str) -> str:
    return Path(name).suffix.lower().lstrip(".")


def sniff(name: str, file: IO[bytes]) -> Kind | None:
    """The kind of an uploaded file when its name and its first bytes agree, else None."""
    kind = KINDS.get(extension(name))
    if kind is None:
        return None
    file.seek(0)
    head = file.read(HEAD)
    file.seek(0)
    return kind if kind.check(head, file) else None


def directory() -> Path:
    path = Path(settings.VAR_DIR) / "notices"
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(stored_name: str) -> Path:
    return directory() / stored_name


@dataclass(frozen=True)
class Stored:
    stored_name: str
    size: int
    sha256: str


def store(name: str, chunks: Any) -> Stored:
    """Write an upload's chunks under a new random name; the sender's name is kept in
    the database only."""
    stored_name = f"{uuid.uuid4().hex}.{extension(name)}"
    digest = hashlib.sha256()
    size = 0
    with path_of(stored_name).open("xb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Stored(stored_name, size, digest.hexdigest())


def remove(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)
