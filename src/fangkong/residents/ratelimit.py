"""Rate limits of the resident's sign-in, shared by every server process: counters in
the database (the same design as the arrivals page's, docs/adr/0010; this app may not
import arrivals, so it keeps its own table).

Each limit is "so many attempts per so many seconds" for one key. One atomic statement
(INSERT … ON CONFLICT DO UPDATE … RETURNING, SQLite 3.35+ and PostgreSQL alike) raises
the count of a key's current window, so gunicorn workers and servers behind one
database count together. Keys are HMACs of the phone or address with the secret key.
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

# Defaults of the settings (docs/operations.md): "count/seconds", comma-separated.
DEFAULT_LIMITS = {
    # codes sent to one phone
    "FANGKONG_RESIDENT_CODE_LIMIT_PER_PHONE": "3/900,10/86400",
    # codes asked for from one client address (mobile networks share addresses: generous)
    "FANGKONG_RESIDENT_CODE_LIMIT_PER_ADDRESS": "20/600,200/86400",
    # codes typed in from one client address
    "FANGKONG_RESIDENT_CHECK_LIMIT_PER_ADDRESS": "30/600,300/86400",
}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


def parse_limits(text: str) -> list[Limit]:
    """ "3/900,10/86400" -> 3 per 15 minutes and 10 per day."""
    limits = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        count, _, seconds = part.strip().partition("/")
        limits.append(Limit(int(count), int(seconds)))
    return limits


def limits(setting: str) -> list[Limit]:
    return parse_limits(str(getattr(settings, setting, DEFAULT_LIMITS[setting])))


def _digest(kind: str, value: str) -> str:
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"resident-rate:{kind}:{value}".encode(), hashlib.sha256
    )
    return mac.hexdigest()[:40]


def _increment(key: str, window: int) -> int:
    t, k, w, c = (
        connection.ops.quote_name(n) for n in (RateCounter._meta.db_table, "key", "window", "count")
    )
    sql = (
        f"INSERT INTO {t} ({k}, {w}, {c}) VALUES (%s, %s, 1) "
        f"ON CONFLICT ({k}, {w}) DO UPDATE SET {c} = {t}.{c} + 1 RETURNING {c}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, window])
        row = cursor.fetchone()
    return int(row[0]) if row else 1


def hit(kind: str, value: str, limits: Sequence[Limit], *, now: float | None = None) -> int | None:
    """Count one attempt of `value` against every limit; return the seconds until it may
    try again when any limit is exceeded (this attempt included), else None."""
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
    """The client's address as the limiter counts it: behind FANGKONG_TRUSTED_PROXIES
    proxies, the entry of X-Forwarded-For that the outermost trusted proxy wrote; an
    IPv6 address counts by its /64."""
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
