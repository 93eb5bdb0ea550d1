"""Fifty officers allocate the last ten free rooms at once: exactly ten stays, no room
with more people than beds, forty clear "no free room" answers (ADR 0015).

On PostgreSQL: fifty threads, each on its own database connection, released together by
a barrier. On SQLite (whose test database lives in memory, shared by one connection at a
time): the same fifty allocations, every one of them having read the rooms as free
before any was made (the stale board each officer had open), then made one after the
other; the same counts must come out.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import F

from fangkong.control.models import ControlOrder, QuarantineSite, Room, Stay
from fangkong.control.sites import selectors, services
from fangkong.core.scope import Scope
from fangkong.registry import services as registry
from tests.conftest import DISTRICT, SUBDISTRICT
from tests.world import build_world

from .orders import make_order

WORKERS = 50
FREE = 10


def _setup(system: Scope, admin: Scope) -> tuple[QuarantineSite, list[ControlOrder]]:
    mine, _other = build_world(system)
    people = [
        registry.person_create(scope=system, household=mine.household, name=f"隔离{n:02d}")
        for n in range(WORKERS + 2)
    ]
    site = services.site_create(scope=admin, jurisdiction_code=SUBDISTRICT, name="赛跑隔离点")
    services.rooms_add_range(
        scope=admin, site=site, first_floor=2, last_floor=2, first=1, last=FREE + 2
    )
    services.room_add(scope=admin, site=site, number="301", floor=3)
    oos = Room.objects.get(site=site, number="301")
    services.room_update(
        scope=admin, room=oos, beds=1, is_family=False, out_of_service=True, note="维修"
    )
    # Two rooms taken already: ten free ones are the last.
    for person in people[:2]:
        services.stay_check_in(scope=admin, orders=[make_order(person)], site=site)
    orders = [make_order(p) for p in people[2:]]
    assert selectors.free_rooms(scope=admin, site=site).count() == FREE
    return site, orders


def _at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = jobs[i]()
        except BaseException as exc:  # every outcome is checked below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def _sqlite_audit_flushable() -> Any:
    """A transactional test empties the tables afterwards: PostgreSQL with TRUNCATE (no
    row trigger fires), SQLite with DELETE, which the audit log's trigger refuses; lift
    the trigger for that moment only."""
    yield
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditentry_no_delete")
            cursor.execute("DELETE FROM core_auditentry")
            cursor.execute(
                "CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
            )


@pytest.mark.django_db(transaction=True)
def test_fifty_allocations_for_the_last_ten_rooms(
    _sqlite_audit_flushable: Any,
    tree: Any,
    make_user: Callable[..., Any],
    scope_of: Callable[[Any], Scope],
    system_scope: Scope,
) -> None:
    admin = scope_of(make_user("district_admin", DISTRICT, username="race_admin"))
    site, orders = _setup(system_scope, admin)

    def allocate(order: ControlOrder) -> Callable[[], Any]:
        def run() -> Any:
            try:
                return services.stay_check_in(scope=admin, orders=[order], site=site)
            except services.NoFreeRoom as exc:
                return exc

        return run

    if connection.vendor == "postgresql":
        results = _at_once([allocate(o) for o in orders])
    else:
        boards = [list(selectors.free_rooms(scope=admin, site=site)) for _ in orders]
        assert all(len(b) == FREE for b in boards)  # everyone saw ten free rooms
        results = [allocate(o)() for o in orders]

    won = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, services.NoFreeRoom)]
    assert len(won) == FREE and len(refused) == WORKERS - FREE, [
        r for r in results if not isinstance(r, (list, services.NoFreeRoom))
    ]
    assert {str(r.message) for r in refused} == {"该隔离点已无空余房间。"} or {
        str(r.message) for r in refused
    } == {"No free room at this site."}
    stays = Stay.objects.filter(site=site, checked_out_at__isnull=True)
    assert stays.count() == FREE + 2
    assert stays.values("room").distinct().count() == FREE + 2
    assert Room.objects.filter(site=site, occupants__gt=F("beds")).count() == 0
    assert Room.objects.filter(site=site, out_of_service=False, occupants=0).count() == 0
    assert Room.objects.get(site=site, number="301").occupants == 0
    # Each winner's room holds exactly the winner.
    for room_id, n in Room.objects.filter(site=site).values_list("pk", "occupants"):
        assert stays.filter(room_id=room_id).count() == n


def test_stale_boards_choosing_the_same_room_give_it_once(
    tree: Any, make_user: Callable[..., Any], scope_of: Callable[[Any], Scope], system_scope: Scope
) -> None:
    """Every officer clicked the first free room on the board they had loaded: one gets
    it, the others are told it is no longer free."""
    admin = scope_of(make_user("district_admin", DISTRICT, username="race_admin"))
    site, orders = _setup(system_scope, admin)
    orders = orders[:12]
    choices = [selectors.free_rooms(scope=admin, site=site).first() for _ in orders]
    outcomes = []
    for order, room in zip(orders, choices, strict=True):
        try:
            services.stay_check_in(scope=admin, orders=[order], site=site, room=room)
            outcomes.append("in")
        except services.NoFreeRoom:
            outcomes.append("refused")
    assert outcomes == ["in"] + ["refused"] * 11
    assert Room.objects.get(pk=choices[0].pk).occupants == 1  # type: ignore[union-attr]
