"""Per-day figure snapshots (`DailyFigure`), which the dashboard and its trends read.

`snapshot(code=…, day=…)` computes the tree under `code` once (figures.compute_tree) and
writes one row per (jurisdiction, figure) for the day, replacing the day's earlier
values. A periodic task refreshes today's for every district each minute
(reports/tasks.py), so the dashboard is one indexed read and never staler than a
minute; a past day's are written when its reports are prepared, or by
`snapshot_days` (the demo's fourteen days of history).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from fangkong.core.codes import LEVEL_LENGTHS, Level
from fangkong.core.models import Jurisdiction

from .figures import Node, compute_tree
from .models import DailyFigure

BATCH = 2000


def write(root: Node, *, day: dt.date) -> int:
    """Store the figures of every node of the tree for `day`; returns rows written."""
    now = timezone.now()
    rows = [
        DailyFigure(
            jurisdiction_code=node.code,
            day=day,
            key=key,
            value=float(value),
            computed_at=now,
        )
        for node in root.walk()
        if not node.direct
        for key, value in node.figures.items()
        if value is not None
    ]
    with transaction.atomic():
        # One writer per jurisdiction at a time (the minute's refresh and the 17:00
        # preparation may meet): the second waits for the first, then replaces its rows,
        # instead of inserting beside them into the unique constraint.
        list(Jurisdiction.objects.select_for_update().filter(code=root.code))
        DailyFigure.objects.within_code(root.code).filter(day=day).delete()
        DailyFigure.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def snapshot(*, code: str, day: dt.date) -> Node:
    root = compute_tree(code=code, day=day)
    write(root, day=day)
    return root


def snapshot_days(*, code: str, first: dt.date, last: dt.date) -> int:
    days = 0
    day = first
    while day <= last:
        snapshot(code=code, day=day)
        day += dt.timedelta(days=1)
        days += 1
    return days


def districts() -> list[str]:
    """The top jurisdictions the system serves (the districts that have a tree)."""
    length = LEVEL_LENGTHS[Level.DISTRICT]
    return sorted(
        code
        for code in Jurisdiction.objects.filter(is_active=True, level=Level.DISTRICT).values_list(
            "code", flat=True
        )
        if len(code) == length and Jurisdiction.objects.filter(parent_id=code).exists()
    )


def refresh_today() -> dict[str, int]:
    """Today's figures of every district (the periodic task's work)."""
    today = timezone.localdate()
    return {code: write(compute_tree(code=code, day=today), day=today) for code in districts()}
