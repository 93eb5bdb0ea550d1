"""The audit log: every write, every reveal, every export, every person-file view.

Entries are chained: each stores the hash of the previous one, so a changed or removed
line breaks the chain and `fangkong verify_audit` names the first broken entry. The
chain is extended under a lock (an advisory lock on PostgreSQL; SQLite serialises
writers), in the same transaction as the write it records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEntry
from .scope import Scope

GENESIS = "0" * 64
_LOCK_KEY = 7_106_001  # any constant; names the audit chain's advisory lock


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "jurisdiction_code": entry.jurisdiction_code,
        "reason": entry.reason,
        "data": entry.data,
        "remote_addr": entry.remote_addr,
    }


def record(
    scope: Scope,
    action: str,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str = "",
    jurisdiction_code: str | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    remote_addr: str = "",
) -> AuditEntry:
    """Append one entry; call inside the transaction of the write it records."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if jurisdiction_code is None:
            jurisdiction_code = getattr(obj, "jurisdiction_code", "") or ""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor_id=scope.actor_id,
            actor_name=scope.actor_name,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            jurisdiction_code=jurisdiction_code or "",
            reason=reason or (scope.reason if scope.is_system else ""),
            data=_jsonable(data or {}),
            remote_addr=remote_addr,
            prev_hash=last or GENESIS,
        )
        entry.hash = _digest(entry.prev_hash, _fields(entry))
        entry.save(force_insert=True)
    return entry


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    return result


@dataclass
class ChainReport:
    checked: int
    first_broken_id: int | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the whole log in id order and recompute every hash."""
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != prev:
            return ChainReport(checked, entry.pk, "prev_hash does not match the entry before")
        if _digest(entry.prev_hash, _fields(entry)) != entry.hash:
            return ChainReport(checked, entry.pk, "content does not match its hash")
        prev = entry.hash
        checked += 1
    return ChainReport(checked, None)
