"""Today's figures rewritten by two writers at once (the minute's refresh meeting the
17:00 preparation): one waits for the other, and one set of rows remains."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from fangkong.reports import snapshots
from fangkong.reports.figures import compute_tree
from fangkong.reports.models import DailyFigure
from tests.conftest import DISTRICT

from .conftest import RWorld


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_leave_one_set(rw: RWorld, _sqlite_audit_flushable: Any) -> None:
    day = timezone.localdate()
    root = compute_tree(code=DISTRICT, day=day)
    expected = sum(
        1 for n in root.walk() if not n.direct for v in n.figures.values() if v is not None
    )
    barrier = threading.Barrier(3)
    results: list[Any] = [None] * 3

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = snapshots.write(root, day=day)
        except BaseException as exc:  # every outcome is checked below
            results[i] = exc
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:  # one writer at a time (BEGIN IMMEDIATE)
        results = [snapshots.write(root, day=day) for _ in range(3)]
    assert results == [expected] * 3
    assert DailyFigure.objects.filter(day=day).count() == expected
    assert (
        DailyFigure.objects.get(jurisdiction_code=DISTRICT, day=day, key="population.persons").value
        == 4
    )
