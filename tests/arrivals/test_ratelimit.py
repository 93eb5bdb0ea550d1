"""The database-backed rate limiter: fixed windows, shared by every process through the
database, atomic under concurrent requests, keyed by hashes."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test import RequestFactory

from fangkong.arrivals import ratelimit
from fangkong.arrivals.models import RateCounter

LIMITS = [ratelimit.Limit(3, 60), ratelimit.Limit(5, 3600)]
T0 = 1_700_000_040.0  # a window boundary for 60 and for 3600 seconds: 1_699_999_200 + 840


def test_parse_limits() -> None:
    assert ratelimit.parse_limits("30/600, 300/86400,") == [
        ratelimit.Limit(30, 600),
        ratelimit.Limit(300, 86400),
    ]
    assert ratelimit.parse_limits("") == []


@pytest.mark.django_db
def test_counts_within_a_window_and_says_how_long_to_wait() -> None:
    assert [ratelimit.hit("address", "a", LIMITS, now=T0 + s) for s in (0, 1, 2)] == [
        None,
        None,
        None,
    ]
    assert ratelimit.hit("address", "a", LIMITS, now=T0 + 10) == 50  # the minute ends at +60
    assert ratelimit.hit("address", "b", LIMITS, now=T0 + 10) is None  # another key
    assert ratelimit.hit("id_number", "a", LIMITS, now=T0 + 10) is None  # another kind
    # The next minute: the per-minute count starts again; the hour's goes on (5th).
    assert ratelimit.hit("address", "a", LIMITS, now=T0 + 61) is None
    # 6th in the hour, which ends at 1_700_002_800.
    assert ratelimit.hit("address", "a", LIMITS, now=T0 + 62) == 1_700_002_800 - 1_700_000_102


@pytest.mark.django_db
def test_old_windows_are_purged() -> None:
    ratelimit.hit("address", "a", LIMITS, now=T0)
    ratelimit.hit("address", "a", LIMITS, now=T0 + 3 * 86400)
    assert RateCounter.objects.count() == 4
    assert ratelimit.purge(now=T0 + 3 * 86400) == 2
    assert RateCounter.objects.count() == 2


def test_the_client_address(settings: Any) -> None:
    factory = RequestFactory()
    settings.FANGKONG_TRUSTED_PROXIES = 0
    request = factory.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert ratelimit.client_address(request) == "192.0.2.1"
    settings.FANGKONG_TRUSTED_PROXIES = 1
    request = factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.9")
    assert ratelimit.client_address(request) == "192.0.2.9"
    settings.FANGKONG_TRUSTED_PROXIES = 2
    request = factory.get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.9, 10.0.0.2"
    )
    assert ratelimit.client_address(request) == "192.0.2.9"
    settings.FANGKONG_TRUSTED_PROXIES = 0
    one = factory.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    two = factory.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    assert ratelimit.client_address(one) == ratelimit.client_address(two) == "2001:db8:1:2::/64"
    mapped = factory.get("/", REMOTE_ADDR="::ffff:192.0.2.5")
    assert ratelimit.client_address(mapped) == "192.0.2.5"


def _at_once(count: int, work: Any) -> list[Any]:
    """Run `work()` on `count` threads released together; return what each returned."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            value = work()
            with lock:
                results.append(value)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_count_exactly_once_each(tmp_path: Any) -> None:
    """Twenty requests at once on twenty connections, as twenty server processes would
    send them: the count ends at exactly twenty and exactly the limit's worth get
    through. On PostgreSQL through the limiter itself; on SQLite (whose test database
    lives in memory, unlike a server's) the limiter's statement on a WAL file database
    as the server runs it."""
    if connection.vendor == "postgresql":
        limits = [ratelimit.Limit(7, 3600)]

        def hit() -> int | None:
            try:
                return ratelimit.hit("address", "flood", limits, now=T0)
            finally:
                connections.close_all()

        results = _at_once(20, hit)
        assert sum(1 for r in results if r is None) == 7
        assert list(RateCounter.objects.values_list("count", flat=True)) == [20]
        return
    path = tmp_path / "counters.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(
            'CREATE TABLE "arrivals_ratecounter" ("id" INTEGER PRIMARY KEY, "key" TEXT, '
            '"window" INTEGER, "count" INTEGER, UNIQUE ("key", "window"))'
        )
    statement = ratelimit.increment_sql(placeholder="?")

    def increment() -> int:
        db = sqlite3.connect(path, timeout=20, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            (value,) = db.execute(statement, ["address:3600:x", 1]).fetchone()
            db.execute("COMMIT")
            return int(value)
        finally:
            db.close()

    assert sorted(_at_once(20, increment)) == list(range(1, 21))
