"""The arrivals module's scheduled work (huey discovers this module)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .ratelimit import purge


@db_periodic_task(crontab(minute="27", hour="3"))
def purge_rate_counters() -> None:
    purge()
