"""Screening at district scale: opening a round and the district's coverage page.

`measure_rounds(persons)` loads the demo district at that size when the database has
fewer people (`fangkong demo`), opens a round over the whole district, records half of
the households (set-based, untimed, as a morning of door-to-door work would), then times
the coverage of the district as the page computes it, beside two raw-SQL baselines: the
same sums straight from the task table, and the anti-join over every household that
coverage would cost without the counters the services keep.

`fangkong bench screening` (see fangkong.pushlists.benchmarks) adds the push-list
matching to this and prints the issue's line; `fangkong bench screening-rounds` prints
this part alone.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from fangkong.core.scope import Scope
from fangkong.registry.models import Household, Person

from . import selectors, services
from .models import ScreeningRound

DISTRICT = "410106"


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=1)


def ensure_district(persons: int, seed: int) -> None:
    """The demo district with at least `persons` people (loaded once; kept)."""
    if Person.objects.filter(jurisdiction_code__startswith=DISTRICT).count() >= persons * 0.99:
        return
    if Person.objects.filter(jurisdiction_code__startswith=DISTRICT).exists():
        raise CommandError(
            f"The database holds a smaller demo district; use an empty database for "
            f"{persons:,} people."
        )
    from fangkong.registry.demo import demo_load

    demo_load(persons=persons, seed=seed, district=DISTRICT, progress=lambda _m: None)


def measure_rounds(persons: int, seed: int = 1) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise CommandError("The screening benchmark measures PostgreSQL; set DATABASE_URL.")
    ensure_district(persons, seed)
    scope = Scope.system(reason="benchmark: screening", code=DISTRICT)
    today = timezone.localdate()
    started = time.perf_counter()
    screening_round = services.round_open(
        scope=scope,
        name=f"基准排查 {timezone.now():%H%M%S}",
        scope_codes=[],
        starts_on=today,
        due_on=today + dt.timedelta(days=3),
        categories=[services.CategorySpec("外地来郑人员", today - dt.timedelta(days=14))],
    )
    round_open_s = time.perf_counter() - started
    _record_half(screening_round)
    started = time.perf_counter()
    total, children = selectors.coverage(scope=scope, screening_round=screening_round, at=DISTRICT)
    coverage_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            "SELECT substr(jurisdiction_code, 1, 9), COUNT(*), SUM(households_total), "
            "SUM(reached), SUM(empty), SUM(not_home) FROM screening_task WHERE round_id = %s "
            "GROUP BY 1",
            [screening_round.pk],
        )
        raw = cursor.fetchall()
        coverage_raw_s = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            "SELECT substr(h.jurisdiction_code, 1, 9), COUNT(*) FROM registry_household h "
            "JOIN screening_task t ON t.compound_id = h.compound_id AND t.round_id = %s "
            "WHERE h.is_active AND NOT EXISTS (SELECT 1 FROM screening_record r WHERE "
            "r.task_id = t.id AND r.household_id = h.id AND r.is_current) GROUP BY 1",
            [screening_round.pk],
        )
        cursor.fetchall()
        antijoin_s = time.perf_counter() - started
    if sum(row[2] for row in raw) != total.households or len(raw) != len(children):
        raise CommandError("coverage and its raw baseline disagree")
    return {
        "persons": Person.objects.filter(jurisdiction_code__startswith=DISTRICT).count(),
        "households": Household.objects.filter(jurisdiction_code__startswith=DISTRICT).count(),
        "tasks": screening_round.tasks.count(),
        "round_open_s": round(round_open_s, 3),
        "coverage_s": round(coverage_s, 3),
        "coverage_raw_s": round(coverage_raw_s, 3),
        "antijoin_s": round(antijoin_s, 3),
        "screened": total.done,
    }


def _record_half(screening_round: ScreeningRound) -> None:
    """Half the households recorded (reached), counters updated: set-based, untimed."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO screening_record (task_id, household_id, jurisdiction_code, outcome, "
            "channel, explanation, version, is_current, correction_reason, recorded_by_name, "
            "recorded_at) SELECT t.id, h.id, h.jurisdiction_code, 'reached', 'door', '', 1, "
            "TRUE, '', 'bench', %s FROM registry_household h JOIN screening_task t ON "
            "t.compound_id = h.compound_id AND t.round_id = %s WHERE h.is_active AND "
            "h.id %% 2 = 0",
            [now, screening_round.pk],
        )
        cursor.execute(
            "UPDATE screening_task t SET reached = r.n FROM (SELECT task_id, COUNT(*) AS n "
            "FROM screening_record WHERE is_current GROUP BY task_id) r WHERE r.task_id = t.id "
            "AND t.round_id = %s",
            [screening_round.pk],
        )


def _run(options: dict[str, Any]) -> dict[str, Any]:
    return {"bench": "screening-rounds", **measure_rounds(options["persons"], options["seed"])}


BENCHMARKS = {"screening-rounds": (add_arguments, _run)}
