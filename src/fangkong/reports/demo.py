"""The daily report's part of `fangkong demo`: fourteen days of reports and figures.

Runs after every other module's demo (the reports app comes last), so the figures of
each past day are those the modules' history gives. For each of the thirteen days
before today: the day's figures stored for the dashboard's trends; the demo community's
report filled in by its worker (on time most days, late on two) and signed by its head;
the demo subdistrict's report submitted by its officer (adding up its communities, the
others left unreported on some days so that the page shows late ones) and signed by the
district administrator; the district's report submitted. Today: the figures only (the
drafts come at 17:00 from the periodic task). A second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_scope

from . import services, snapshots
from .models import DailyReport

DAYS = 14
LATE_DAYS = (3, 9)  # days ago when the community reported late


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    if DailyReport.objects.within_code(district).exists():
        return
    worker, head = demo_scope("community_worker"), demo_scope("community_head")
    officer, admin = demo_scope("subdistrict_officer"), demo_scope("district_admin")
    if None in (worker, head, officer, admin):
        say("Reports: the demo accounts are missing; no reports made.")
        return
    assert worker and head and officer and admin
    community, subdistrict = worker.code[:12], officer.code
    today = timezone.localdate()
    reports = 0
    for ago in range(DAYS - 1, 0, -1):
        day = today - dt.timedelta(days=ago)
        snapshots.snapshot(code=district, day=day)
        late = ago in LATE_DAYS
        report = services.prepare(scope=worker, code=community, day=day, now=_at(day, 17, 5))
        report = services.save_draft(
            scope=worker,
            report=report,
            data=services.DraftInput(
                duty_staff="张晓燕 13803710001；刘振国 13803710002",
                remarks="辖区秩序正常，重点人员管控到位。" if ago % 3 else "完成一轮全员核酸检测。",
                problems="" if ago % 4 else "测温枪、防护服短缺，请街道协调。",
            ),
        )
        report = services.submit(
            scope=worker, report=report, now=_at(day, 18, 40) if late else _at(day, 17, 35)
        )
        services.sign(scope=head, report=report, now=_at(day, 18, 50) if late else _at(day, 17, 50))
        up = services.prepare(scope=officer, code=subdistrict, day=day, now=_at(day, 19, 0))
        up = services.save_draft(
            scope=officer,
            report=up,
            data=services.DraftInput(duty_staff="王建华 13803710010", remarks="各社区按时上报。"),
        )
        up = services.submit(scope=officer, report=up, now=_at(day, 19, 20))
        services.sign(scope=admin, report=up, now=_at(day, 19, 40))
        top = services.prepare(scope=admin, code=district, day=day, now=_at(day, 20, 0))
        top = services.save_draft(
            scope=admin, report=top, data=services.DraftInput(duty_staff="郑志远 13803710100")
        )
        services.submit(scope=admin, report=top, now=_at(day, 20, 30))
        reports += 3
    snapshots.snapshot(code=district, day=today)
    say(
        f"Reports: {DAYS} days of figures; {reports} reports of the past days "
        f"(the demo community's, its subdistrict's, the district's), submitted and signed."
    )
