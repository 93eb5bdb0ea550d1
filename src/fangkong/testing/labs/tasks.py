"""Background tasks of the labs area (listed here so huey's consumer discovers them):
the results' upload, and matching every few minutes the results that waited for a tube
scanned later."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from fangkong.core.scope import Scope

from .jobs import run_import
from .services import results_match_known

__all__ = ["match_known_results", "run_import"]


@db_periodic_task(crontab(minute="*/5"))
def match_known_results() -> None:
    results_match_known(scope=Scope.system(reason="testing: unmatched results whose tube came"))
