"""`fangkong bench control --orders N`: the day's follow-up lists and the district's
control board with N active orders, on PostgreSQL.

Loads the demo district if the database has too few people (`--persons`, as
`fangkong bench screening` does), then, set-based and untimed, makes N approved orders
in force today for people of the district (a fifth in centralised quarantine, half in
home quarantine, the rest in home health monitoring), their phases, and a care team per
community with the orders on it. Then it times `generate_followups` for today
(`followup_lists_s`: every care team's list for the day) and the board of the district
(`board_s`), each beside a raw-SQL baseline (the same rows selected into a table with
no index or constraint; the board's four GROUP BY queries run directly), and prints
one JSON line. What it made is removed again at the start of the next run, or at the
end unless --keep.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.control.models import FOLLOWED_MEASURES, Policy
from fangkong.core.scope import Scope
from fangkong.registry.models import Person

from . import rules, selectors, services

DISTRICT = "410106"
MARK = "BENCH-"


def _say(message: str) -> None:
    sys.stderr.write(f"bench control: {message}\n")
    sys.stderr.flush()


def _arguments(parser: CommandParser) -> None:
    parser.add_argument("--orders", type=int, default=100_000, help="active orders (100,000)")
    parser.add_argument(
        "--persons",
        type=int,
        default=2_000_000,
        help="people of the demo district, loaded when the database has fewer (2,000,000)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's orders")


def _run(options: dict[str, Any]) -> dict[str, Any]:
    return measure(
        orders=options["orders"],
        persons=options["persons"],
        seed=options["seed"],
        keep=options["keep"],
    )


def measure(*, orders: int, persons: int, seed: int = 1, keep: bool = False) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise CommandError(
            "The control benchmark measures PostgreSQL; set DATABASE_URL=postgresql://… "
            "and run it again."
        )
    if orders < 1:
        raise CommandError("--orders must be at least 1.")
    from fangkong.screening.benchmarks import ensure_district

    started = time.perf_counter()
    ensure_district(persons, seed)
    people = Person.objects.filter(jurisdiction_code__startswith=DISTRICT).count()
    if people < orders:
        raise CommandError(f"The district has {people:,} people, fewer than --orders {orders:,}.")
    cleanup()
    made = _make_orders(orders)
    if made < orders:
        raise CommandError(f"Only {made:,} people are free of an open order; need {orders:,}.")
    with connection.cursor() as cursor:
        for table in ("control_controlorder", "control_orderphase", "control_careteam"):
            cursor.execute(f"ANALYZE {table}")
    setup_s = time.perf_counter() - started
    _say(f"{made:,} orders with phases and care teams in {setup_s:.1f} s")
    today = timezone.localdate()
    try:
        started = time.perf_counter()
        rows = services.generate_followups(day=today)
        followup_lists_s = time.perf_counter() - started
        again = time.perf_counter()
        repeat_rows = services.generate_followups(day=today)
        repeat_s = time.perf_counter() - again
        baseline_followups_s = _baseline_followups(today)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE control_followup")
        scope = Scope.system(reason="benchmark: control", code=DISTRICT)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            board = selectors.board(scope=scope, code=DISTRICT, day=today)
            times.append(time.perf_counter() - started)
        baseline_board_s = _baseline_board(today)
    finally:
        if not keep:
            cleanup()
    return {
        "bench": "control",
        "orders": made,
        "followup_lists_s": round(followup_lists_s, 3),
        "board_s": round(statistics.median(times), 3),
        "board_first_s": round(times[0], 3),
        "followups": rows,
        "followups_repeat_s": round(repeat_s, 3),
        "followups_repeat_rows": repeat_rows,
        "baseline_followups_s": round(baseline_followups_s, 3),
        "baseline_board_s": round(baseline_board_s, 3),
        "board_people": board.total.central + board.total.home + board.total.home_monitoring,
        "persons": people,
        "setup_s": round(setup_s, 1),
    }


def _users() -> tuple[int, int]:
    ids = []
    for name in ("bench_proposer", "bench_approver"):
        user, _created = User.objects.get_or_create(
            username=name, defaults={"full_name": name, "is_active": False}
        )
        ids.append(user.pk)
    return ids[0], ids[1]


@transaction.atomic
def _make_orders(count: int) -> int:
    """N orders in force today, their phases and teams: four INSERT … SELECT."""
    proposer, approver = _users()
    policy, _created = Policy.objects.get_or_create(
        jurisdiction_code=DISTRICT,
        family="bench",
        version=1,
        defaults={
            "name": "基准方案",
            "legal_basis": "《中华人民共和国传染病防治法》",
            "effective_from": timezone.localdate().replace(month=1, day=1),
            "created_at": timezone.now(),
        },
    )
    today = timezone.localdate()
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO control_controlorder (person_id, jurisdiction_code, community_code,
                household_id, trigger, trigger_date, trigger_ref, reason, policy_id,
                policy_version, legal_basis, release_rule, status, starts_on, ends_on,
                notice_no, proposed_by_id, proposed_by_name, proposed_at, decided_by_id,
                decided_by_name, decided_at, decision_note, end_kind, end_reason,
                ended_by_name, handed_to)
            SELECT p.id, p.jurisdiction_code, p.community_code, p.household_id,
                'close_contact', %(today)s::date - (p.id %% 5)::int - 1, '', '基准', %(policy)s,
                1, %(basis)s, '{}'::jsonb, 'active', %(today)s::date - (p.id %% 5)::int,
                %(today)s::date - (p.id %% 5)::int + 9, %(mark)s || p.id, %(proposer)s,
                'bench', %(now)s, %(approver)s, 'bench', %(now)s, '', '', '', '', ''
            FROM registry_person p
            WHERE p.jurisdiction_code LIKE %(district)s AND p.household_id IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM control_controlorder o
                              WHERE o.person_id = p.id AND o.status IN ('proposed', 'active'))
            ORDER BY p.id
            LIMIT %(count)s
            """,
            {
                "today": today,
                "policy": policy.pk,
                "basis": policy.legal_basis,
                "mark": MARK,
                "proposer": proposer,
                "approver": approver,
                "now": now,
                "district": f"{DISTRICT}%",
                "count": count,
            },
        )
        made = cursor.rowcount
        # 7 days of the first measure, then 3 of home health monitoring (7+3).
        cursor.execute(
            """
            INSERT INTO control_orderphase (order_id, jurisdiction_code, position, measure,
                starts_on, ends_on, test_days)
            SELECT o.id, o.jurisdiction_code, 1,
                CASE WHEN o.person_id %% 10 < 2 THEN 'central'
                     WHEN o.person_id %% 10 < 7 THEN 'home' ELSE 'home_monitoring' END,
                o.starts_on, o.starts_on + 6, '[1, 4, 7]'::jsonb
            FROM control_controlorder o WHERE o.notice_no LIKE %(mark)s
            UNION ALL
            SELECT o.id, o.jurisdiction_code, 2, 'home_monitoring', o.starts_on + 7,
                o.ends_on, '[3]'::jsonb
            FROM control_controlorder o WHERE o.notice_no LIKE %(mark)s
            """,
            {"mark": f"{MARK}%"},
        )
        cursor.execute(
            """
            INSERT INTO control_careteam (jurisdiction_code, name, phone, is_active, note,
                created_at)
            SELECT DISTINCT o.community_code, '基准专班', '', true, %(mark)s, %(now)s
            FROM control_controlorder o WHERE o.notice_no LIKE %(like)s
            """,
            {"mark": MARK, "like": f"{MARK}%", "now": now},
        )
        cursor.execute(
            """
            UPDATE control_controlorder o SET care_team_id = t.id
            FROM control_careteam t
            WHERE t.note = %(mark)s AND t.jurisdiction_code = o.community_code
              AND o.notice_no LIKE %(like)s
            """,
            {"mark": MARK, "like": f"{MARK}%"},
        )
    return made


def _baseline_followups(day: Any) -> float:
    """The same rows selected into a table without indexes or constraints."""
    slots = " UNION ALL ".join(f"SELECT {n} AS slot" for n in range(1, rules.slots() + 1))
    measures = list(FOLLOWED_MEASURES)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_followup_copy")
        started = time.perf_counter()
        with transaction.atomic():
            cursor.execute(
                f"""
                CREATE TABLE bench_followup_copy AS
                SELECT o.id AS order_id, o.person_id, o.care_team_id, o.jurisdiction_code,
                    %s::date AS day, s.slot, p.measure
                FROM control_orderphase p
                JOIN control_controlorder o ON o.id = p.order_id
                CROSS JOIN ({slots}) s
                WHERE o.status = 'active' AND p.measure IN (%s, %s, %s)
                  AND p.starts_on <= %s AND p.ends_on >= %s
                """,
                [day, *measures, day, day],
            )
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_followup_copy")
    return seconds


def _baseline_board(day: Any) -> float:
    """The board's four grouped queries as plain SQL."""
    like = f"{DISTRICT}%"
    queries = [
        (
            "SELECT substr(p.jurisdiction_code, 1, 9), p.measure, COUNT(*) "
            "FROM control_orderphase p JOIN control_controlorder o ON o.id = p.order_id "
            "WHERE o.status = 'active' AND p.starts_on <= %s AND p.ends_on >= %s "
            "AND p.jurisdiction_code LIKE %s GROUP BY 1, 2",
            [day, day, like],
        ),
        (
            "SELECT substr(jurisdiction_code, 1, 9), COUNT(*), "
            "COUNT(*) FILTER (WHERE status = 'done'), "
            "COUNT(*) FILTER (WHERE status = 'overdue') "
            "FROM control_followup WHERE day = %s AND jurisdiction_code LIKE %s GROUP BY 1",
            [day, like],
        ),
        (
            "SELECT substr(jurisdiction_code, 1, 9), level, COUNT(*) FROM control_alert "
            "WHERE status <> 'closed' AND jurisdiction_code LIKE %s GROUP BY 1, 2",
            [like],
        ),
        (
            "SELECT substr(jurisdiction_code, 1, 9), COUNT(*) FROM control_transfertask "
            "WHERE status = 'open' AND jurisdiction_code LIKE %s GROUP BY 1",
            [like],
        ),
    ]
    times = []
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            for sql, params in queries:
                cursor.execute(sql, params)
                cursor.fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def cleanup() -> None:
    """Remove the benchmark's orders and everything hanging on them."""
    like = f"{MARK}%"
    with transaction.atomic(), connection.cursor() as cursor:
        where = "order_id IN (SELECT id FROM control_controlorder WHERE notice_no LIKE %s)"
        for table in (
            "control_transfertask",
            "control_alert",
            "control_followup",
            "control_orderphase",
            "control_orderevent",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {where}", [like])
        cursor.execute("DELETE FROM control_controlorder WHERE notice_no LIKE %s", [like])
        cursor.execute("DELETE FROM control_careteam WHERE note = %s", [MARK])


BENCHMARKS = {"control": (_arguments, _run)}
