"""`fangkong bench sampling`: a mass-testing morning on this machine (issue 5, ADR 0020).

On PostgreSQL, with the demo district of `--persons` people (loaded when the database
has fewer, as `fangkong bench screening` does):

1. opens a campaign over the district through the real service (`open_s`: the target
   population and its counters materialised), and makes one sampling site with one
   device per simulated device;
2. serves the application as in production (gunicorn sync workers, DEBUG off) on a
   free port of 127.0.0.1, and drives it with locust (testing/bench/locustfile.py):
   - batched ingest: `--devices` devices posting batches of `--batch` scans (open a
     tube, 20 people, close it, …) for `--duration` seconds: `api_scans_per_s`, while a
     thread times the district's coverage (the page's selector) every second:
     `coverage_s` (the worst), `coverage_p50_s`;
   - the same devices and batches against a bare endpoint that only parses the JSON and
     inserts it with one statement: `bare_scans_per_s`; `ratio` = api / bare;
   - a raw COPY of as many rows into a plain table: `copy_rows_per_s`;
   - single scans: `--single-devices` devices (threads of testing/bench/driver.py) each
     sending one scan a second on a fresh connection for `--single-duration` seconds
     after a 10-second start: `single_p99_ms`, `single_p50_ms`;
   - faults: devices keep posting for `--fault-duration` seconds while the server is
     killed with SIGKILL (master and workers) `--kills` times at random moments and
     restarted, and (with `--pg-restart`) PostgreSQL is restarted once; every device
     re-sends what was not answered, with the same ids, until it is;
3. counts, over every phase through the API: `acknowledged` (scans the devices saw
   answered stored/duplicate), `stored` (their receipts in the database), `lost`
   (acknowledged, not stored) and `duplicated` (a scan id stored twice, or a person
   sampled twice without a reason), and whether the coverage counters agree with the
   samples (`counters_ok`). Prints one JSON line.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection, connections
from django.utils import timezone

DISTRICT = "410106"
MARK = "BENCH-"
POOL = 20
RAMP_S = 10
ROOT = Path(__file__).resolve().parents[3]


def _say(message: str) -> None:
    sys.stderr.write(f"bench sampling: {message}\n")
    sys.stderr.flush()


def _arguments(parser: CommandParser) -> None:
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--devices", type=int, default=20, help="devices posting batches")
    parser.add_argument("--batch", type=int, default=50, help="scans per batch (50)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of batched ingest")
    parser.add_argument("--bare-duration", type=int, default=30)
    parser.add_argument("--single-devices", type=int, default=200)
    parser.add_argument("--single-duration", type=int, default=30)
    parser.add_argument("--fault-duration", type=int, default=60)
    parser.add_argument("--kills", type=int, default=3, help="kill -9 of the server")
    parser.add_argument(
        "--pg-restart",
        action="store_true",
        help="restart the private cluster once (scripts/pg.sh; bench/run.sh passes it)",
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (3)")


def _run(options: dict[str, Any]) -> dict[str, Any]:
    return measure(
        persons=options["persons"],
        seed=options["seed"],
        devices=options["devices"],
        batch=options["batch"],
        duration=options["duration"],
        bare_duration=options["bare_duration"],
        single_devices=options["single_devices"],
        single_duration=options["single_duration"],
        fault_duration=options["fault_duration"],
        kills=options["kills"],
        pg_restart=options["pg_restart"],
        workers=options["workers"],
    )


# --- Setting up ----------------------------------------------------------------------------


def cleanup() -> None:
    """Remove what an earlier run made (its campaigns, sites and devices)."""
    from .models import Campaign

    ids = list(Campaign.objects.filter(name__startswith=MARK).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_scan")
        if ids:
            for table in (
                "testing_hometask",
                "testing_labresult",
                "testing_sample",
                "testing_scanreceipt",
                "testing_sitehour",
                "testing_coverage",
                "testing_target",
                "testing_tube",
                "testing_transportbox",
            ):
                column = "campaign_id"
                if table == "testing_labresult":
                    cursor.execute(
                        "DELETE FROM testing_labresult WHERE tube_id IN "
                        "(SELECT id FROM testing_tube WHERE campaign_id = ANY(%s))",
                        [ids],
                    )
                    continue
                cursor.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [ids])
            cursor.execute("DELETE FROM testing_campaign WHERE id = ANY(%s)", [ids])
        cursor.execute(
            "DELETE FROM testing_device WHERE site_id IN "
            "(SELECT id FROM testing_samplingsite WHERE name LIKE %s)",
            [MARK + "%"],
        )
        cursor.execute("DELETE FROM testing_samplingsite WHERE name LIKE %s", [MARK + "%"])


def _open_campaign() -> tuple[Any, float]:
    from fangkong.core.scope import Scope

    from .campaigns import services

    scope = Scope.system(reason="benchmark: sampling", code=DISTRICT)
    now = timezone.now()
    campaign = services.campaign_create(
        scope=scope,
        name=f"{MARK}{now:%H%M%S}",
        scope_codes=[],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=12),
    )
    started = time.perf_counter()
    services.materialise(campaign)
    open_s = time.perf_counter() - started
    campaign.refresh_from_db()
    return campaign, open_s


def _devices(count: int) -> list[tuple[int, str]]:
    """One site per device, in the district's communities in turn; (site id, token)."""
    from fangkong.core.models import Jurisdiction
    from fangkong.core.scope import Scope

    from .sampling import services

    scope = Scope.system(reason="benchmark: sampling", code=DISTRICT)
    communities = list(
        Jurisdiction.objects.filter(code__startswith=DISTRICT, level="community")
        .order_by("code")
        .values_list("code", flat=True)
    ) or [DISTRICT]
    made = []
    for n in range(count):
        site = services.site_create(
            scope=scope,
            jurisdiction_code=communities[n % len(communities)],
            name=f"{MARK}采样点{n + 1:03d}",
        )
        _device, token = services.device_create(scope=scope, site=site, name=f"{MARK}{n + 1}")
        made.append((site.pk, token))
    return made


def _people(campaign_id: int, count: int) -> list[str]:
    """Identity numbers of people of the population, each used once in the run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id_number FROM testing_target t JOIN registry_person p "
            "ON p.id = t.person_id WHERE t.campaign_id = %s AND t.exemption = '' "
            "AND t.zone = '' AND p.id_number IS NOT NULL ORDER BY t.id LIMIT %s",
            [campaign_id, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _plan(path: Path, out: Path, campaign: int, batch: int, devices: list[dict[str, Any]]) -> Path:
    path.write_text(
        json.dumps({"campaign": campaign, "batch": batch, "out": str(out), "devices": devices})
    )
    return path


# --- Running -------------------------------------------------------------------------------


def _database_url() -> str:
    """The URL of the database this process uses (a test database too), for the server."""
    from urllib.parse import quote

    d = connection.settings_dict
    user = quote(d.get("USER") or "", safe="")
    password = f":{quote(d['PASSWORD'], safe='')}" if d.get("PASSWORD") else ""
    host = quote(d.get("HOST") or "", safe="")
    port = f":{d['PORT']}" if d.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{quote(d['NAME'], safe='')}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _locust(plan: Path, mode: str, users: int, seconds: int, url: str, csv_prefix: Path) -> None:
    """Run the devices (locust users) for `seconds`, all started at once."""
    env = {**os.environ, "FANGKONG_BENCH_PLAN": str(plan), "FANGKONG_BENCH_MODE": mode}
    command = [
        str(Path(sys.executable).with_name("locust")),
        "-f", str(Path(__file__).with_name("bench") / "locustfile.py"),
        "--headless", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
        "--host", url, "--csv", str(csv_prefix), "--only-summary",
        "--loglevel", "ERROR", "--stop-timeout", "0",
    ]  # fmt: skip
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _acks(out: Path, mode: str) -> list[tuple[float, str]]:
    rows = []
    for file in out.glob(f"acked-{mode}-*.txt"):
        for line in file.read_text().splitlines():
            t, _sep, cid = line.partition(" ")
            if cid:
                rows.append((float(t), cid))
    return rows


def _rate(acks: list[tuple[float, str]]) -> float:
    if len(acks) < 2:
        return 0.0
    times = sorted(t for t, _ in acks)
    return len(acks) / max(times[-1] - times[0], 1e-3)


def _p99_ms(csv_prefix: Path, name: str) -> float | None:
    path = Path(f"{csv_prefix}_stats.csv")
    if not path.exists():
        return None
    for row in csv.DictReader(path.open()):
        if row["Name"] == name and row.get("99%") not in (None, "", "N/A"):
            return float(row["99%"])
    return None


def _settle() -> None:
    """Between the bulk phases and the latency phase: vacuum what the batches wrote and
    checkpoint, so that the single scans are timed against the database's steady state,
    not against the clean-up of the half a million rows just written (autovacuum and a
    checkpoint in the middle of the phase put their pauses into its 99th percentile)."""
    from django.db import DatabaseError

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_scan")
        cursor.execute(
            "VACUUM (ANALYZE) testing_sample, testing_scanreceipt, testing_target, "
            "testing_tube, testing_coverage, testing_sitehour"
        )
        with contextlib.suppress(DatabaseError):  # a superuser's (the private cluster's is)
            cursor.execute("CHECKPOINT")


def _percentile_ms(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)


def _copy_rate(campaign: int, rows: int) -> float:
    """A raw COPY of `rows` scan rows (the bare endpoint's columns) into a plain table."""
    now = timezone.now()
    data = [
        (campaign, f"{n:032x}", "sample", f"T{n // POOL:07d}", f"4101061990{n:08d}", now)
        for n in range(rows)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy_scan (campaign_id integer, client_id varchar(40), "
            "kind varchar(10), tube varchar(40), code varchar(40), at timestamptz)"
        )
        started = time.perf_counter()
        with cursor.cursor.copy(
            "COPY bench_copy_scan (campaign_id, client_id, kind, tube, code, at) FROM STDIN"
        ) as copy:
            for row in data:
                copy.write_row(row)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_scan")
    return rows / elapsed


class _CoverageTimer(threading.Thread):
    """Times the district's coverage (what the page computes) every second."""

    def __init__(self, campaign: Any) -> None:
        super().__init__(daemon=True)
        self.campaign = campaign
        self.times: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        from fangkong.core.scope import Scope

        from .campaigns import selectors

        scope = Scope.system(reason="benchmark: coverage", code=DISTRICT)
        try:
            while not self.done.wait(1.0):
                started = time.perf_counter()
                view = selectors.coverage(scope=scope, campaign=self.campaign, code=DISTRICT)
                _ = view.total if hasattr(view, "total") else view
                self.times.append(time.perf_counter() - started)
        finally:
            connections.close_all()


def _faults(server: Any, seconds: int, kills: int, pg_restart: bool, log: list[str]) -> None:
    """kill -9 the server `kills` times at random moments and restart it; restart
    PostgreSQL once half way (when asked)."""
    rng = random.Random(5)
    started = time.monotonic()
    moments = sorted(rng.uniform(0.1, 0.85) * seconds for _ in range(kills))
    pg_at = seconds * 0.5 if pg_restart else None
    for moment in moments:
        if pg_at is not None and moment > pg_at:
            time.sleep(max(0.0, started + pg_at - time.monotonic()))
            _restart_pg(log)
            pg_at = None
        time.sleep(max(0.0, started + moment - time.monotonic()))
        server.kill()
        log.append(f"killed at {time.monotonic() - started:.1f} s")
        server.start()
    if pg_at is not None:
        time.sleep(max(0.0, started + pg_at - time.monotonic()))
        _restart_pg(log)


def _restart_pg(log: list[str]) -> None:
    pg = ROOT / "scripts" / "pg.sh"
    subprocess.run([str(pg), "stop"], check=True, stderr=subprocess.DEVNULL)
    subprocess.run([str(pg), "start", "--bench"], check=True, stderr=subprocess.DEVNULL)
    log.append("postgresql restarted")


# --- Measuring -----------------------------------------------------------------------------


def measure(
    *,
    persons: int,
    seed: int = 1,
    devices: int = 20,
    batch: int = 50,
    duration: int = 60,
    bare_duration: int = 30,
    single_devices: int = 200,
    single_duration: int = 30,
    fault_duration: int = 60,
    kills: int = 3,
    pg_restart: bool = False,
    workers: int = 3,
) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise CommandError("The sampling benchmark measures PostgreSQL; set DATABASE_URL.")
    from fangkong.screening.benchmarks import ensure_district

    from .bench.bare import CREATE
    from .bench.driver import single_scans
    from .bench.server import Server

    ensure_district(persons, seed)
    cleanup()
    with connection.cursor() as cursor:
        cursor.execute(CREATE)
    campaign, open_s = _open_campaign()
    _say(f"campaign over {campaign.target_count:,} people opened in {open_s:.1f} s")
    with connection.cursor() as cursor:
        for table in ("testing_target", "testing_coverage"):
            cursor.execute(f"ANALYZE {table}")
    # Enough people for each device never to run out (about 4,000 scans/s at most).
    per_batch_device = (max(duration, fault_duration) * 4000) // max(devices, 1) + POOL
    per_single_device = single_duration + RAMP_S + 2 * POOL
    need = 2 * devices * per_batch_device + single_devices * per_single_device
    people = _people(campaign.pk, need)
    if len(people) < need:  # a small district: single scans first, batches share the rest
        per_single_device = min(per_single_device, len(people) // 2 // max(single_devices, 1))
        rest = len(people) - single_devices * per_single_device
        per_batch_device = min(per_batch_device, rest // (2 * max(devices, 1)))
        _say(f"only {len(people):,} people to sample: devices may run out of people")
    tokens = _devices(max(devices, single_devices))
    work = Path(settings.VAR_DIR) / "bench-sampling"
    if work.exists():
        for old in work.iterdir():
            old.unlink()
    work.mkdir(parents=True, exist_ok=True)

    def plan(name: str, count: int, per_device: int, offset: int) -> Path:
        chunk = [
            {
                "token": tokens[n][1],
                "prefix": f"D{n:03d}",
                "ids": people[offset + n * per_device : offset + (n + 1) * per_device],
            }
            for n in range(count)
        ]
        return _plan(work / f"plan-{name}.json", work, campaign.pk, batch, chunk)

    batch_plan = plan("batch", devices, per_batch_device, 0)
    fault_plan = plan("faults", devices, per_batch_device, devices * per_batch_device)
    single_plan = plan("single", single_devices, per_single_device, 2 * devices * per_batch_device)
    server = Server(
        port=_free_port(), workers=workers, log=work / "gunicorn.log", database=_database_url()
    )
    server.start()
    fault_log: list[str] = []
    try:
        _say(f"batched ingest: {devices} devices, batches of {batch}, {duration} s")
        timer = _CoverageTimer(campaign)
        timer.start()
        _locust(batch_plan, "batch", devices, duration, server.url, work / "batch")
        timer.done.set()
        timer.join()
        api_acks = _acks(work, "batch")
        _say(f"bare endpoint, {bare_duration} s")
        _locust(batch_plan, "bare", devices, bare_duration, server.url, work / "bare")
        bare_acks = _acks(work, "bare")
        copy_rows = max(len(api_acks), 100_000)
        copy_rate = _copy_rate(campaign.pk, copy_rows)
        _settle()
        _say(f"single scans: {single_devices} devices, one scan a second, {single_duration} s")
        latencies = single_scans(
            plan=single_plan, url=server.url, seconds=single_duration, ramp=RAMP_S, out=work
        )
        _say(f"faults: {kills} kills" + (" and a PostgreSQL restart" if pg_restart else ""))
        killer = threading.Thread(
            target=_faults, args=(server, fault_duration, kills, pg_restart, fault_log)
        )
        connection.close()  # the restart would break this process's connection
        killer.start()
        _locust(fault_plan, "faults", devices, fault_duration, server.url, work / "faults")
        killer.join()
    finally:
        server.stop()
        connection.close()
    for line in fault_log:
        _say(line)
    acknowledged = {cid for mode in ("batch", "single", "faults") for _t, cid in _acks(work, mode)}
    counts = _account(campaign.pk, acknowledged)
    api_rate = _rate(api_acks)
    bare_rate = _rate(bare_acks)
    coverage = timer.times or [0.0]
    return {
        "bench": "sampling",
        "persons": campaign.target_count + campaign.exempt_count,
        "api_scans_per_s": round(api_rate),
        "bare_scans_per_s": round(bare_rate),
        "copy_rows_per_s": round(copy_rate),
        "ratio": round(api_rate / bare_rate, 3) if bare_rate else None,
        "single_p99_ms": _percentile_ms(latencies, 0.99),
        "single_p50_ms": _percentile_ms(latencies, 0.50),
        "single_requests": len(latencies),
        "coverage_s": round(max(coverage), 3),
        "kills": sum(1 for line in fault_log if line.startswith("killed")),
        "acknowledged": len(acknowledged),
        "stored": counts["stored"],
        "lost": counts["lost"],
        "duplicated": counts["duplicated"],
        "counters_ok": counts["counters_ok"],
        "rejected": sum(len(f.read_text().splitlines()) for f in work.glob("rejected-*.txt")),
        "pg_restarts": sum(1 for line in fault_log if line.startswith("postgresql")),
        "coverage_p50_s": round(statistics.median(coverage), 3),
        "open_s": round(open_s, 1),
        "batch_p99_ms": _p99_ms(work / "batch", "scans-batch"),
        "devices": devices,
        "batch": batch,
        "workers": workers,
    }


def _account(campaign_id: int, acknowledged: set[str]) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id FROM testing_scanreceipt WHERE campaign_id = %s "
            "AND outcome <> 'rejected'",
            [campaign_id],
        )
        stored = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM testing_scanreceipt "
            "WHERE campaign_id = %s GROUP BY client_id HAVING COUNT(*) > 1) d",
            [campaign_id],
        )
        twice = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM testing_sample "
            "WHERE campaign_id = %s AND repeat_reason = '' GROUP BY person_id "
            "HAVING COUNT(*) > 1) d",
            [campaign_id],
        )
        resampled = int(cursor.fetchone()[0])
        cursor.execute(
            "SELECT (SELECT COALESCE(SUM(sampled + outside), 0) FROM testing_coverage "
            "WHERE campaign_id = %s), (SELECT COUNT(DISTINCT person_id) FROM testing_sample "
            "WHERE campaign_id = %s)",
            [campaign_id, campaign_id],
        )
        counted, sampled = cursor.fetchone()
    return {
        "stored": len(stored),
        "lost": len(acknowledged - stored),
        "duplicated": twice + resampled,
        "counters_ok": int(counted) == int(sampled),
    }


BENCHMARKS = {"sampling": (_arguments, _run)}
