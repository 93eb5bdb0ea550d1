"""The core's scheduled work (huey discovers this module)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .retention import purge_files


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_old_files() -> None:
    purge_files()
