"""The codes a sampler scans, and the tokens devices sign in with.

A person's code is one of:
- an identity number (18 characters, GB 11643 check digit), typed or read from the card;
- a card token `FKC` + 20 characters (a printed QR card or the code on a resident's
  status page): opaque, it never contains the identity number (`Card`).
A device token is `fkt_` + 43 url-safe characters; only its SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from fangkong.core.identifiers import IdentifierError, parse_resident_id

DEVICE_TOKEN_PREFIX = "fkt_"
CARD_PREFIX = "FKC"
_CARD = re.compile(r"^FKC[A-Z2-7]{20}$")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
# Tube and box barcodes as printed by the suppliers: letters, digits, '-', 4 to 40.
BARCODE = re.compile(r"^[A-Za-z0-9-]{4,40}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_device_token() -> str:
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_card_token() -> str:
    return CARD_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(20))


@dataclass(frozen=True)
class PersonCode:
    kind: str  # "id" or "card"
    value: str


class CodeError(ValueError):
    """A code that is no person's; `code` is stable, the message for the sampler."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_person_code(raw: str) -> PersonCode:
    text = (raw or "").strip()
    if not text:
        raise CodeError("empty_code", "empty")
    upper = text.upper()
    if upper.startswith(CARD_PREFIX):
        if not _CARD.match(upper):
            raise CodeError("bad_card", "card")
        return PersonCode("card", upper)
    try:
        return PersonCode("id", parse_resident_id(text).number)
    except IdentifierError as exc:
        raise CodeError("bad_id_number", str(exc)) from None


def clean_barcode(raw: str) -> str | None:
    text = (raw or "").strip().upper()
    return text if BARCODE.match(text) else None
