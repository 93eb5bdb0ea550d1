"""The residents module's background work (huey discovers this module).

The code is made and sent in the background, at a high priority: the sign-in page then
answers at the same speed whether a person holds the phone or not, and a slow gateway
never holds a web worker."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import ratelimit, services


@db_task(priority=100, retries=0)
def send_code(phone: str, remote_addr: str = "", language: str = "") -> bool:
    return services.code_issue(phone=phone, remote_addr=remote_addr, language=language)


@db_periodic_task(crontab(minute="37", hour="3"))
def purge_sign_in_records() -> None:
    ratelimit.purge()
    services.purge_codes()
