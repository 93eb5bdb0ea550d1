"""The daily report's scheduled work (huey discovers this module).

- every minute: today's figures of every district (`snapshots.refresh_today`), which the
  dashboard reads, so it is never staler than a minute;
- every ten minutes: from FANGKONG_REPORT_HOUR (17:00) on, the day's draft of every
  jurisdiction that has none (`services.prepare_due`; before the hour it does nothing).
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services, snapshots


@db_periodic_task(crontab(minute="*"))
def refresh_figures() -> None:
    snapshots.refresh_today()


@db_periodic_task(crontab(minute="*/10"))
def prepare_reports() -> None:
    services.prepare_due()
