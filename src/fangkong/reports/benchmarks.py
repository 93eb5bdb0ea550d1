"""`fangkong bench report`: the district's daily report and the dashboard at 2,000,000
people, on PostgreSQL, with the other modules' benchmark data.

Loads the demo district if the database has too few people (`--persons`, as the other
benchmarks do) and, set-based and untimed, puts the other modules at work: N control
orders in force (the control benchmark's setup, `--orders`) with today's follow-ups, and
an open testing round over the district when none is open (the sampling benchmark's,
materialised: a target and a counter for every person). The screening benchmark's
round and the sampling benchmark's samples, when they ran before in the same database
(bench/run.sh runs this one last), are counted too. Then it times:

- `report_s`: the district's report with all its children, as the report page and the
  API build it (every section computed once for the district, added up the tree to the
  subdistricts and communities, the children's reports read), median of three;
- `prepare_s`: the 17:00 preparation of the drafts of every jurisdiction of the
  district (one computation, ~200 reports written, the day's figures stored);
- `refresh_s`: the periodic refresh of today's figures for the dashboard (each minute);
- `dashboard_s`: the dashboard of the district from those figures, median of three;
- `baseline_s`: the raw SQL floor: the grouped counts of people, households, current
  screening records, orders' phases and the round's counters, straight through a
  cursor with no Python around them.

This module builds other modules' data for the measurement, so it alone in the reports
app imports them (an `ignore_imports` line of the import contract says so).
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from fangkong.core.scope import Scope

from . import selectors, services, snapshots
from .models import DailyFigure, DailyReport

DISTRICT = "410106"


def _say(message: str) -> None:
    sys.stderr.write(f"bench report: {message}\n")
    sys.stderr.flush()


def _arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--persons",
        type=int,
        default=2_000_000,
        help="people of the demo district, loaded when the database has fewer (2,000,000)",
    )
    parser.add_argument("--orders", type=int, default=100_000, help="active orders (100,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the orders and the round")


def _run(options: dict[str, Any]) -> dict[str, Any]:
    return measure(
        persons=options["persons"],
        orders=options["orders"],
        seed=options["seed"],
        keep=options["keep"],
    )


def _median(function: Any, times: int = 3) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        function()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def _baseline(today: Any) -> float:
    statements = [
        "SELECT jurisdiction_code, count(*) FROM registry_person WHERE status = 'active' "
        "AND jurisdiction_code LIKE %(d)s GROUP BY 1",
        "SELECT jurisdiction_code, count(*) FROM registry_household WHERE is_active "
        "AND jurisdiction_code LIKE %(d)s GROUP BY 1",
        "SELECT jurisdiction_code, count(*) FROM screening_record WHERE is_current "
        "AND jurisdiction_code LIKE %(d)s GROUP BY 1",
        "SELECT jurisdiction_code, measure, count(DISTINCT order_id) FROM control_orderphase "
        "WHERE starts_on <= %(t)s AND ends_on >= %(t)s AND jurisdiction_code LIKE %(d)s "
        "GROUP BY 1, 2",
        "SELECT jurisdiction_code, sum(target), sum(sampled), sum(resulted) FROM "
        "testing_coverage WHERE jurisdiction_code LIKE %(d)s GROUP BY 1",
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, {"d": f"{DISTRICT}%", "t": today})
            cursor.fetchall()
    return time.perf_counter() - started


def measure(*, persons: int, orders: int, seed: int = 1, keep: bool = False) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise CommandError(
            "The report benchmark measures PostgreSQL; set DATABASE_URL=postgresql://… "
            "and run it again."
        )
    from fangkong.control.care import benchmarks as control_bench
    from fangkong.control.care import services as care_services
    from fangkong.registry.models import Person
    from fangkong.screening.benchmarks import ensure_district
    from fangkong.testing import benchmarks as testing_bench
    from fangkong.testing.models import Campaign

    started = time.perf_counter()
    ensure_district(persons, seed)
    people = Person.objects.filter(jurisdiction_code__startswith=DISTRICT).count()
    control_bench.cleanup()
    made = control_bench._make_orders(orders) if orders else 0
    care_services.generate_followups(day=timezone.localdate())
    opened = None
    if not Campaign.objects.filter(status=Campaign.Status.OPEN).exists():
        opened, _open_s = testing_bench._open_campaign()
    with connection.cursor() as cursor:
        for table in (
            "control_controlorder",
            "control_orderphase",
            "control_followup",
            "testing_coverage",
        ):
            cursor.execute(f"ANALYZE {table}")
    setup_s = time.perf_counter() - started
    _say(f"{people:,} people, {made:,} orders, round ready in {setup_s:.1f} s")
    today = timezone.localdate()
    scope = Scope.system(reason="benchmark: report", code=DISTRICT)
    try:
        DailyReport.objects.within_code(DISTRICT).filter(day=today).delete()
        DailyFigure.objects.within_code(DISTRICT).filter(day=today).delete()
        view = selectors.report_view(scope=scope, code=DISTRICT, day=today)
        report_s = _median(lambda: selectors.report_view(scope=scope, code=DISTRICT, day=today))
        started = time.perf_counter()
        drafts = services.prepare_all(code=DISTRICT, day=today)
        prepare_s = time.perf_counter() - started
        started = time.perf_counter()
        rows = snapshots.refresh_today()
        refresh_s = time.perf_counter() - started
        from .dashboard.selectors import dashboard_data

        dashboard_s = _median(lambda: dashboard_data(scope, DISTRICT, today))
        baseline_s = _baseline(today)
    finally:
        if not keep:
            control_bench.cleanup()
            if opened is not None:
                testing_bench.cleanup()
    figures = view.figures
    return {
        "bench": "report",
        "persons": people,
        "report_s": round(report_s, 3),
        "dashboard_s": round(dashboard_s, 3),
        "prepare_s": round(prepare_s, 3),
        "refresh_s": round(refresh_s, 3),
        "baseline_s": round(baseline_s, 3),
        "drafts": drafts,
        "figure_rows": sum(rows.values()),
        "children": len(view.children),
        "orders": made,
        "under_control": int(
            (figures.get("control.central") or 0)
            + (figures.get("control.home") or 0)
            + (figures.get("control.home_monitoring") or 0)
        ),
        "households_screened": int(figures.get("screening.households_total") or 0),
        "testing_target": int(figures.get("testing.target") or 0),
        "setup_s": round(setup_s, 1),
    }


BENCHMARKS = {"report": (_arguments, _run)}
