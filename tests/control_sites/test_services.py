"""Sites, rooms, check-in, transfer and check-out through the services, with the
database's own view of the result (rooms' occupants, stays, order events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.control.models import ControlOrder, Measure, OrderEvent, Room, Stay
from fangkong.control.sites import selectors, services
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.scope import Scope
from fangkong.registry.timeline import events_for
from tests.conftest import COMMUNITY, SIBLING, SUBDISTRICT, TOWN

from .conftest import Sites
from .orders import make_order

pytestmark = pytest.mark.usefixtures("english")


def occupants(site: Any) -> dict[str, int]:
    return dict(Room.objects.filter(site=site).values_list("number", "occupants"))


def test_sites_are_run_by_the_district_or_a_subdistrict(scopes: dict[str, Scope]) -> None:
    officer = scopes["officer"]
    with pytest.raises(ApplicationError) as exc:
        services.site_create(scope=officer, jurisdiction_code=COMMUNITY, name="社区点")
    assert exc.value.errors[0].field == "jurisdiction_code"
    with pytest.raises(NotFound):
        services.site_create(scope=scopes["town_officer"], jurisdiction_code=SUBDISTRICT, name="x")
    with pytest.raises(PermissionDenied):
        services.site_create(scope=scopes["viewer"], jurisdiction_code=SUBDISTRICT, name="x")
    site = services.site_create(scope=scopes["admin"], jurisdiction_code="410106", name="区级点")
    assert site.jurisdiction_code == "410106"
    with pytest.raises(ApplicationError, match="already has a site"):
        services.site_create(scope=scopes["admin"], jurisdiction_code="410106", name="区级点")


def test_a_range_of_rooms_floor_by_floor_and_again(sites: Sites, scopes: dict[str, Scope]) -> None:
    site = services.site_create(scope=scopes["officer"], jurisdiction_code=SUBDISTRICT, name="三号")
    added = services.rooms_add_range(
        scope=scopes["officer"], site=site, first_floor=2, last_floor=5, first=1, last=20
    )
    assert added == (80, 0)
    numbers = list(
        Room.objects.filter(site=site).order_by("floor", "number").values_list("number", flat=True)
    )
    assert numbers[:3] == ["201", "202", "203"] and numbers[-1] == "520" and len(numbers) == 80
    assert Room.objects.filter(site=site, floor=5).count() == 20
    again = services.rooms_add_range(
        scope=scopes["officer"], site=site, first_floor=5, last_floor=6, first=19, last=20
    )
    assert again == (2, 2)


def test_only_a_family_room_has_more_than_one_bed(sites: Sites, scopes: dict[str, Scope]) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.room_add(scope=scopes["officer"], site=sites.a, number="401", beds=2)
    assert exc.value.errors[0].field == "beds"
    room = Room.objects.get(site=sites.a, number="201")
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.filter(pk=room.pk).update(beds=2)  # the database says no as well


def test_check_in_takes_the_first_free_single_room(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, _other = world
    order = make_order(mine.person)
    assert list(selectors.awaiting_check_in(scope=scopes["officer"])) == [order]
    [stay] = services.stay_check_in(scope=scopes["officer"], orders=[order], site=sites.a)
    assert (stay.room.number, stay.person_id, stay.jurisdiction_code) == (
        "201",
        mine.person.pk,
        SUBDISTRICT,
    )
    assert occupants(sites.a) == {"201": 1, "202": 0, "203": 0, "301": 0, "302": 0}
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.data["room_number"], event.actor_name) == (
        "checked_in",
        "201",
        "officer人",
    )
    assert list(selectors.awaiting_check_in(scope=scopes["officer"])) == []
    with pytest.raises(ApplicationError, match="checked in already"):
        services.stay_check_in(scope=scopes["officer"], orders=[order], site=sites.b)


def test_a_household_goes_together_into_a_family_room(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, other = world
    orders = [make_order(mine.person), make_order(mine.housemate)]
    stays = services.stay_check_in(scope=scopes["officer"], orders=orders, site=sites.a)
    assert {s.room.number for s in stays} == {"301"}
    assert occupants(sites.a)["301"] == 2
    # People of two households never share one check-in.
    with pytest.raises(ApplicationError, match="one household"):
        services.stay_check_in(
            scope=scopes["admin"],
            orders=[make_order(other.person), ControlOrder.objects.get(person=mine.person)],
            site=sites.a,
        )


def test_a_chosen_room_that_is_taken_is_refused(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, other = world
    room = Room.objects.get(site=sites.b, number="101")
    services.stay_check_in(
        scope=scopes["officer"], orders=[make_order(mine.person)], site=sites.b, room=room
    )
    with pytest.raises(services.NoFreeRoom, match="Room 101 is no longer free"):
        services.stay_check_in(
            scope=scopes["admin"], orders=[make_order(other.person)], site=sites.b, room=room
        )
    oos = Room.objects.get(site=sites.a, number="302")
    with pytest.raises(services.NoFreeRoom, match="302"):
        services.stay_check_in(
            scope=scopes["admin"], orders=[make_order(other.housemate)], site=sites.a, room=oos
        )
    assert occupants(sites.b) == {"101": 1, "102": 0}
    assert occupants(sites.a)["302"] == 0


def test_no_free_room_left(world: Any, sites: Sites, scopes: dict[str, Scope]) -> None:
    mine, other = world
    admin = scopes["admin"]
    services.stay_check_in(scope=admin, orders=[make_order(mine.person)], site=sites.b)
    services.stay_check_in(scope=admin, orders=[make_order(mine.housemate)], site=sites.b)
    with pytest.raises(services.NoFreeRoom, match="No free room at this site"):
        services.stay_check_in(scope=admin, orders=[make_order(other.person)], site=sites.b)
    assert occupants(sites.b) == {"101": 1, "102": 1}
    assert Stay.objects.filter(site=sites.b).count() == 2


def test_orders_that_are_not_for_a_site_today_are_refused(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, other = world
    home = make_order(mine.person, phases=[(Measure.HOME_QUARANTINE, -1, 6)])
    later = make_order(mine.housemate, phases=[(Measure.CENTRAL_QUARANTINE, 1, 7)])
    proposed = make_order(other.person, status=ControlOrder.Status.PROPOSED)
    assert list(selectors.awaiting_check_in(scope=scopes["admin"])) == []
    for order, message in (
        (home, "does not call"),
        (later, "does not call"),
        (proposed, "not in force"),
    ):
        with pytest.raises(ApplicationError, match=message):
            services.stay_check_in(scope=scopes["admin"], orders=[order], site=sites.a)
    assert Stay.objects.count() == 0
    assert sum(occupants(sites.a).values()) == 0


def test_the_awaiting_list_and_the_sites_stay_in_scope(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, other = world
    mine_order, other_order = make_order(mine.person), make_order(other.person)
    assert list(selectors.awaiting_check_in(scope=scopes["worker"])) == [mine_order]
    assert set(selectors.awaiting_check_in(scope=scopes["officer"])) == {mine_order, other_order}
    assert list(selectors.awaiting_check_in(scope=scopes["town_officer"])) == []
    assert [s.name for s in selectors.sites(scope=scopes["officer"])] == [
        "一号隔离点",
        "二号隔离点",
    ]
    assert [s.name for s in selectors.sites(scope=scopes["town_officer"])] == ["隔壁镇隔离点"]
    assert list(selectors.sites(scope=scopes["worker"])) == []
    # The town's officer cannot put our people into the town's site.
    with pytest.raises(NotFound):
        services.stay_check_in(scope=scopes["town_officer"], orders=[mine_order], site=sites.town)
    assert Stay.objects.count() == 0


def test_transfer_moves_the_person_and_the_bed_in_one_step(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, _other = world
    order = make_order(mine.person)
    [stay] = services.stay_check_in(scope=scopes["officer"], orders=[order], site=sites.a)
    new = services.stay_transfer(
        scope=scopes["officer"], stay=stay, site=sites.b, reason="一号点满员调整"
    )
    stay.refresh_from_db()
    assert (stay.out_reason, stay.checked_out_at is not None) == ("transferred", True)
    assert (new.site_id, new.room.number, new.checked_out_at) == (sites.b.pk, "101", None)
    assert occupants(sites.a)["201"] == 0 and occupants(sites.b) == {"101": 1, "102": 0}
    kinds = list(
        OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["checked_in", "transferred"]
    moved = OrderEvent.objects.get(order=order, kind="transferred")
    assert (moved.data["from_room_number"], moved.data["room_number"], moved.reason) == (
        "201",
        "101",
        "一号点满员调整",
    )
    # Within a site to another room: never back into the same one.
    again = services.stay_transfer(scope=scopes["officer"], stay=new, site=sites.b, reason="换房")
    assert again.room.number == "102"
    assert occupants(sites.b) == {"101": 0, "102": 1}


def test_a_transfer_to_a_full_site_changes_nothing(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, other = world
    admin = scopes["admin"]
    services.stay_check_in(scope=admin, orders=[make_order(other.person)], site=sites.b)
    services.stay_check_in(scope=admin, orders=[make_order(other.housemate)], site=sites.b)
    [stay] = services.stay_check_in(scope=admin, orders=[make_order(mine.person)], site=sites.a)
    with pytest.raises(services.NoFreeRoom):
        services.stay_transfer(scope=admin, stay=stay, site=sites.b, reason="调整")
    stay.refresh_from_db()
    assert stay.checked_out_at is None
    assert occupants(sites.a)["201"] == 1 and occupants(sites.b) == {"101": 1, "102": 1}


def test_check_out_only_when_the_order_no_longer_calls_for_a_site(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, _other = world
    order = make_order(mine.person)
    [stay] = services.stay_check_in(scope=scopes["officer"], orders=[order], site=sites.a)
    with pytest.raises(ApplicationError, match="still calls for centralised quarantine"):
        services.stay_check_out(scope=scopes["officer"], stay=stay)
    assert selectors.due_check_out(scope=scopes["officer"], site=sites.a) == []
    # The central phase is over tomorrow-but-one: the next phase is at home.
    later = timezone.localdate() + dt.timedelta(days=5)
    assert [
        s.pk for s in selectors.due_check_out(scope=scopes["officer"], site=sites.a, day=later)
    ] == [stay.pk]
    ControlOrder.objects.filter(pk=order.pk).update(
        status="released", ended_at=timezone.now(), end_kind="released"
    )
    assert [s.pk for s in selectors.due_check_out(scope=scopes["officer"], site=sites.a)] == [
        stay.pk
    ]
    services.stay_check_out(scope=scopes["officer"], stay=stay, note="解除隔离")
    stay.refresh_from_db()
    assert (stay.out_reason, stay.checked_out_by_name) == ("checked_out", "officer人")
    assert occupants(sites.a)["201"] == 0
    assert list(
        OrderEvent.objects.filter(order=order).order_by("id").values_list("kind", flat=True)
    ) == [
        "checked_in",
        "checked_out",
    ]


def test_rooms_out_of_service_and_with_people(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, _other = world
    officer = scopes["officer"]
    [stay] = services.stay_check_in(scope=officer, orders=[make_order(mine.person)], site=sites.a)
    with pytest.raises(ApplicationError, match="People are in this room"):
        services.room_update(
            scope=officer, room=stay.room, beds=1, is_family=False, out_of_service=True, note="坏了"
        )
    room = Room.objects.get(site=sites.a, number="202")
    with pytest.raises(ApplicationError, match="Say why"):
        services.room_update(scope=officer, room=room, beds=1, is_family=False, out_of_service=True)
    services.room_update(
        scope=officer, room=room, beds=1, is_family=False, out_of_service=True, note="消杀"
    )
    board = selectors.board(scope=officer, site=sites.a)
    states = {c.room.number: c.state for _floor, cells in board.floors for c in cells}
    assert states == {"201": "occupied", "202": "out", "203": "free", "301": "family", "302": "out"}
    assert [f for f, _c in board.floors] == [3, 2]
    c = board.counts
    assert (c.rooms, c.beds, c.occupied, c.free, c.out_of_service) == (5, 7, 1, 4, 2)
    with pytest.raises(ApplicationError, match="still checked in"):
        services.site_deactivate(scope=officer, site=sites.a, reason="撤点")


def test_the_board_names_only_people_the_viewer_may_see(
    world: Any, sites: Sites, scopes: dict[str, Scope], make_user: Any, scope_of: Any
) -> None:
    mine, other = world
    admin = scopes["admin"]
    services.stay_check_in(scope=admin, orders=[make_order(mine.person)], site=sites.a)
    services.stay_check_in(scope=admin, orders=[make_order(other.person)], site=sites.a)
    # A site office seen by an officer whose scope covers only one of the two: a district
    # site and a subdistrict officer would be the real case; here the sibling's worker
    # cannot see the site at all, and the district sees both names.
    board = selectors.board(scope=admin, site=sites.a)
    names = sorted(n for _f, cells in board.floors for c in cells for n in c.names)
    assert names == ["张三", "隔壁王五"]
    with pytest.raises(NotFound):
        selectors.site_get(scope=scopes["sibling"], pk=sites.a.pk)


def test_the_person_file_shows_stays_to_the_persons_own_community(
    world: Any, sites: Sites, scopes: dict[str, Scope]
) -> None:
    mine, _other = world
    [stay] = services.stay_check_in(
        scope=scopes["officer"], orders=[make_order(mine.person)], site=sites.a
    )
    services.stay_transfer(scope=scopes["officer"], stay=stay, site=sites.b, reason="调整")
    titles = [
        e.title
        for e in events_for(scope=scopes["worker"], person=mine.person)
        if e.source == "control_sites"
    ]
    assert sorted(titles) == sorted(
        [
            "Checked in at a quarantine site",
            "Transferred to another room or site",
            "Checked in at a quarantine site",
        ]
    )
    assert [
        e
        for e in events_for(scope=scopes["sibling"], person=mine.person)
        if e.source == "control_sites"
    ] == []
    assert [
        e
        for e in events_for(scope=scopes["town_officer"], person=mine.person)
        if e.source == "control_sites"
    ] == []


def test_counts_for_the_daily_report(world: Any, sites: Sites, scopes: dict[str, Scope]) -> None:
    mine, other = world
    admin = scopes["admin"]
    services.stay_check_in(scope=admin, orders=[make_order(mine.person)], site=sites.a)
    services.stay_check_in(scope=admin, orders=[make_order(other.person)], site=sites.town)
    [left] = services.stay_check_in(scope=admin, orders=[make_order(other.housemate)], site=sites.b)
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    rows = selectors.day_counts(scope=admin, code="410106", day=today)
    by_code = {r["code"]: (r["checked_in"], r["free_beds"]) for r in rows}
    # 济源路街道: two people of its communities in; beds 6 in service (a: 201-203, 301×3;
    # b: 2) = 8, minus 2 in its sites. 峡窝镇: nobody of its own, 1 bed taken by 王五's.
    assert by_code == {SUBDISTRICT: (3, 6), TOWN: (0, 0), "410106": (3, 6)}
    assert [
        r["checked_in"] for r in selectors.day_counts(scope=admin, code="410106", day=yesterday)
    ] == [0, 0, 0]
    per_community = {
        r["code"]: r["checked_in"]
        for r in selectors.day_counts(scope=admin, code=SUBDISTRICT, day=today)
    }
    assert per_community[COMMUNITY] == 1 and per_community[SIBLING] == 2
    ControlOrder.objects.filter(pk=left.order_id).update(
        status="ended", ended_at=timezone.now(), end_kind="hospital"
    )
    services.stay_check_out(scope=admin, stay=left)
    # Checked out today: not in at the end of today.
    assert {
        r["code"]: r["checked_in"]
        for r in selectors.day_counts(scope=admin, code="410106", day=today)
    }[SUBDISTRICT] == 2
