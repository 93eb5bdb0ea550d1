"""One case per person: what names a case, and the lock under which cases are opened.

Shared by the importer (set-based) and the services (one entry at a time), which must
agree: docs/adr/0013-one-case-per-person.md.
"""

from __future__ import annotations

from django.db import connection

# pg_advisory_xact_lock key: cases are opened one transaction at a time, so an import
# and a district officer's decision never both open a case for the same person.
CASE_LOCK = 7_106_003


def lock_cases() -> None:
    """Take the case lock for the rest of the transaction (SQLite serialises writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CASE_LOCK])


def subject_key(*, person_id: int | None, id_number: str | None, entry_id: int | None) -> str:
    """Whom a case is about: a registry person, else an identity number, else one entry."""
    if person_id is not None:
        return f"p:{person_id}"
    if id_number:
        return f"id:{id_number}"
    if entry_id is None:
        raise ValueError("a case needs a person, an identity number or an entry")
    return f"e:{entry_id}"
