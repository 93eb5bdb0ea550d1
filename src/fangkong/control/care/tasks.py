"""The care area's background work: the SMS to the care team (`notify`), the day's
follow-ups just after midnight, and the sweep every five minutes that marks missed
follow-ups and escalates alerts nobody handles. Imported by `setup.ready()` (huey
discovers only `<app>.tasks`)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services
from .notify import notify_care_team

__all__ = ["followups_of_the_day", "followups_sweep", "notify_care_team"]


@db_periodic_task(crontab(minute="5", hour="0"))
def followups_of_the_day() -> int:
    return services.generate_followups(day=timezone.localdate())


@db_periodic_task(crontab(minute="*/5"))
def followups_sweep() -> None:
    services.sweep(now=timezone.now())
