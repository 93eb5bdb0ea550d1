from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from fangkong.core import audit
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope


def _entries(n: int) -> list[AuditEntry]:
    scope = Scope.system(reason="tests")
    return [
        audit.record(scope, "test.action", object_type="thing", object_id=str(i), data={"i": i})
        for i in range(n)
    ]


def test_entries_are_chained(db: Any) -> None:
    first, second, third = _entries(3)
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    report = audit.verify_chain()
    assert (report.ok, report.checked) == (True, 3)
    call_command("verify_audit")


def test_the_database_refuses_changes(db: Any) -> None:
    entry = _entries(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def _drop_guard() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER core_auditentry_no_update ON core_auditentry")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")
            cursor.execute("DROP TRIGGER core_auditentry_no_delete")


def test_tampering_shows(db: Any) -> None:
    entries = _entries(4)
    _drop_guard()  # someone with database access goes around the application
    AuditEntry.objects.filter(pk=entries[2].pk).update(reason="nothing to see")
    report = audit.verify_chain()
    assert (report.ok, report.first_broken_id, report.checked) == (False, entries[2].pk, 2)
    with pytest.raises(CommandError, match=f"broken at entry {entries[2].pk}"):
        call_command("verify_audit")


def test_a_removed_entry_shows(db: Any) -> None:
    entries = _entries(3)
    _drop_guard()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    report = audit.verify_chain()
    assert (report.ok, report.first_broken_id) == (False, entries[2].pk)
