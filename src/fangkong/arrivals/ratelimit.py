"""A small rate limiter shared by every server process: counters in the database.

Each limit is "so many submissions per so many seconds" for one key. The count of a
key in the current fixed window is raised by one atomic statement (INSERT … ON
CONFLICT DO UPDATE … RETURNING, the same on SQLite 3.35+ and PostgreSQL), so the
gunicorn workers of one server, and the servers behind one database, count together;
nothing is held in a process's memory. Keys are HMACs of the address or identity
number with the secret key: the table never holds either. Old windows are deleted by a
nightly task. Why the database and not Django's cache: docs/adr/0010-public-page-protection.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from .models import RateCounter

KEEP_SECONDS = 2 * 86400


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_limits(text: str) -> list[Limit]:
    """ "30/600,300/86400" -> 30 per 10 minutes and 300 per day."""
    limits = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        count, _, seconds = part.strip().partition("/")
        limits.append(Limit(int(count), int(seconds)))
    return limits


def _digest(kind: str, value: str) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def increment_sql(table: str = RateCounter._meta.db_table, placeholder: str = "%s") -> str:
    """One statement that adds one to a key's window and returns the new count; the
    same text on SQLite (3.35+) and PostgreSQL, atomic on both."""
    t, key, window, count = (f'"{name}"' for name in (table, "key", "window", "count"))
    p = placeholder
    return (
        f"INSERT INTO {t} ({key}, {window}, {count}) VALUES ({p}, {p}, 1) "
        f"ON CONFLICT ({key}, {window}) DO UPDATE SET {count} = {t}.{count} + 1 "
        f"RETURNING {count}"
    )


def _increment(key: str, window: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(increment_sql(), [key, window])
        row = cursor.fetchone()
    return int(row[0]) if row else 1


def hit(kind: str, value: str, limits: Sequence[Limit], *, now: float | None = None) -> int | None:
    """Count one attempt of `value` against every limit; return the seconds until it
    may try again when any limit is exceeded (this attempt included), else None."""
    if not value or not limits:
        return None
    moment = time.time() if now is None else now
    digest = _digest(kind, value)
    wait: int | None = None
    for limit in limits:
        window = int(moment // limit.seconds) * limit.seconds
        count = _increment(f"{kind}:{limit.seconds}:{digest}", window)
        if count > limit.count:
            left = max(1, math.ceil(window + limit.seconds - moment))
            wait = max(wait or 0, left)
    return wait


def purge(*, now: float | None = None) -> int:
    """Delete windows that ended long ago; returns how many."""
    moment = time.time() if now is None else now
    deleted, _ = RateCounter.objects.filter(window__lt=int(moment) - KEEP_SECONDS).delete()
    return deleted


def client_address(request: HttpRequest) -> str:
    """The client's address as the limiter counts it.

    Behind FANGKONG_TRUSTED_PROXIES reverse proxies that append to X-Forwarded-For
    (nginx's $proxy_add_x_forwarded_for), the address is that many entries from the
    right: what the outermost trusted proxy saw; entries further left are whatever the
    client chose to send. An IPv6 address counts by its /64 (one household's network).
    """
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "FANGKONG_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if forwarded:
            address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if isinstance(ip, ipaddress.IPv6Address) else str(ip)
