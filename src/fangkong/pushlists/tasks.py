"""Background tasks of the push lists (defined beside their work; listed here so huey's
consumer discovers them), and the periodic escalation of overdue checks."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangkong.core.scope import Scope

from .jobs import run_import
from .services import escalate_overdue

__all__ = ["escalate_overdue_checks", "run_import"]


@db_periodic_task(crontab(minute="*/10"))
def escalate_overdue_checks() -> None:
    escalate_overdue(scope=Scope.system(reason="overdue checks escalate every 10 minutes"))
