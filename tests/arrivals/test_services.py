"""The worker's side: verification links a report to the person file (or registers the
person), reveals are audited, and a change of the risk areas classifies reports again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import ngettext

from fangkong.accounts.models import User
from fangkong.arrivals import selectors, services
from fangkong.arrivals.models import ArrivalReport
from fangkong.core import regions
from fangkong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry, StaffNotice
from fangkong.core.scope import Scope
from fangkong.registry import timeline
from fangkong.registry.models import Person
from fangkong.riskareas import selectors as risk_selectors
from fangkong.riskareas import services as risk_services
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT
from tests.world import ID_WANG, ID_ZHANG

from .conftest import NEWCOMER_ID


def submit(
    links: Any,
    *,
    community: str = COMMUNITY,
    id_number: str = NEWCOMER_ID,
    name: str = "韩雪梅",
    origin: str = "420102",
    days_ago: int = 1,
    compound_id: int | None = None,
    building: str = "",
    unit: str = "",
    room: str = "101",
) -> ArrivalReport:
    region = regions.get(origin)
    assert region is not None
    data = services.ReportInput(
        name=name,
        id_number=id_number,
        phone="13912345678",
        origin=region,
        arrival_date=timezone.localdate() - dt.timedelta(days=days_ago),
        travel_mode="car",
        travel_number="",
        companions_count=0,
        companions="",
        compound_id=compound_id,
        compound_name="" if compound_id else "新小区",
        building=building,
        unit=unit,
        room=room,
        symptoms=("none",),
        temperature=None,
    )
    return services.report_submit(link=links[community], data=data).report


@pytest.fixture
def scopes(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> dict[str, Scope]:
    return {
        name: scope_of(make_user(role, code))
        for name, (role, code) in {
            "worker": ("community_worker", COMMUNITY),
            "viewer": ("community_viewer", COMMUNITY),
            "grid": ("grid_worker", GRID),
            "sibling": ("community_worker", SIBLING),
            "officer": ("subdistrict_officer", SUBDISTRICT),
            "admin": ("district_admin", DISTRICT),
        }.items()
    }


def test_verifying_links_the_registered_person(world: Any, links: Any, scopes: Any) -> None:
    report = submit(links, id_number=ID_ZHANG, name="张三")
    verified = services.report_verify(
        scope=scopes["worker"], report=report, outcome="confirmed", note="上门核实", register=True
    )
    assert (
        verified.status,
        verified.outcome,
        verified.outcome_note,
        verified.person_id,
        verified.person_registered,
        verified.verified_by_id,
    ) == ("verified", "confirmed", "上门核实", world[0].person.pk, False, scopes["worker"].actor_id)
    entry = AuditEntry.objects.get(action="arrivals.report.verified")
    assert entry.data == {
        "outcome": "confirmed",
        "person": world[0].person.pk,
        "registered": False,
        "previous": {"status": "waiting", "outcome": ""},
    }
    assert Person.objects.count() == 4  # nobody new


def test_verifying_registers_a_newcomer_in_a_household(world: Any, links: Any, scopes: Any) -> None:
    mine = world[0]
    report = submit(links, compound_id=mine.compound.pk, building="3", unit="2", room="501")
    household = selectors.matching_household(scope=scopes["worker"], report=report)
    assert household == mine.household
    services.report_verify(
        scope=scopes["worker"],
        report=report,
        outcome="confirmed",
        register=True,
        household=household,
    )
    report.refresh_from_db()
    person = Person.objects.get(id_number=NEWCOMER_ID)
    assert (report.person_id, report.person_registered) == (person.pk, True)
    assert (
        person.name,
        person.phone,
        person.household_id,
        person.jurisdiction_code,
        person.source,
        person.needs_verification,
        person.remarks,
    ) == (
        "韩雪梅",
        "13912345678",
        mine.household.pk,
        COMMUNITY,
        "arrival",
        True,
        f"Registered from arrival report {report.receipt}.",
    )
    assert AuditEntry.objects.filter(action="registry.person.created").count() == 5


def test_a_newcomer_without_a_household_is_registered_in_the_community(
    world: Any, links: Any, scopes: Any
) -> None:
    report = submit(links)
    services.report_verify(
        scope=scopes["worker"], report=report, outcome="confirmed", register=True
    )
    person = Person.objects.get(id_number=NEWCOMER_ID)
    assert (person.household_id, person.address, person.jurisdiction_code) == (
        None,
        "新小区101室",
        COMMUNITY,
    )


def test_verifying_without_registering_leaves_the_registry_alone(
    world: Any, links: Any, scopes: Any
) -> None:
    report = submit(links)
    services.report_verify(scope=scopes["worker"], report=report, outcome="not_here")
    report.refresh_from_db()
    assert (report.status, report.person_id, Person.objects.count()) == ("verified", None, 4)


def test_only_a_confirmed_person_is_registered(world: Any, links: Any, scopes: Any) -> None:
    report = submit(links)
    with pytest.raises(ApplicationError) as caught:
        services.report_verify(
            scope=scopes["worker"], report=report, outcome="unreachable", register=True
        )
    assert [e.field for e in caught.value.errors] == ["register"]
    report.refresh_from_db()
    assert report.status == "waiting"


def test_a_person_registered_elsewhere_is_not_registered_twice(
    world: Any, links: Any, scopes: Any
) -> None:
    report = submit(links, id_number=ID_WANG, name="隔壁王五")  # registered in the sibling
    with pytest.raises(ApplicationError) as caught:
        services.report_verify(
            scope=scopes["worker"], report=report, outcome="confirmed", register=True
        )
    assert [e.field for e in caught.value.errors] == ["register"]
    assert "registered in another jurisdiction" in caught.value.message
    services.report_verify(scope=scopes["worker"], report=report, outcome="confirmed")
    report.refresh_from_db()
    assert (report.status, report.person_id) == ("verified", None)


def test_a_household_of_another_community_is_refused(world: Any, links: Any, scopes: Any) -> None:
    report = submit(links)
    with pytest.raises(ApplicationError) as caught:
        services.report_verify(
            scope=scopes["officer"],
            report=report,
            outcome="confirmed",
            register=True,
            household=world[1].household,
        )
    assert [e.field for e in caught.value.errors] == ["household"]


def test_who_may_verify(world: Any, links: Any, scopes: Any) -> None:
    report = submit(links)
    with pytest.raises(PermissionDenied):
        services.report_verify(scope=scopes["viewer"], report=report, outcome="confirmed")
    with pytest.raises(NotFound):
        services.report_verify(scope=scopes["sibling"], report=report, outcome="confirmed")
    with pytest.raises(NotFound):
        selectors.report_get(scope=scopes["sibling"], pk=report.pk)
    services.report_verify(scope=scopes["officer"], report=report, outcome="confirmed")
    with pytest.raises(Conflict):
        services.report_verify(scope=scopes["admin"], report=report, outcome="not_here")
    assert AuditEntry.objects.filter(action="arrivals.report.verified").count() == 1


def test_a_grid_worker_sees_the_reports_of_the_grid_only(
    world: Any, links: Any, scopes: Any, system_scope: Scope
) -> None:
    from fangkong.registry import services as registry

    outside = submit(links, id_number=ID_ZHANG)  # no compound: the community's
    registry.place_move(scope=system_scope, place=world[0].compound, to_code=GRID)
    inside = submit(links, compound_id=world[0].compound.pk)
    assert [r.pk for r in selectors.report_list(scope=scopes["grid"])] == [inside.pk]
    assert {r.pk for r in selectors.report_list(scope=scopes["worker"])} == {inside.pk, outside.pk}


def test_reveal_is_audited_with_its_reason(world: Any, links: Any, scopes: Any) -> None:
    report = submit(links)
    value = services.report_reveal(
        scope=scopes["worker"],
        report=report,
        field="phone",
        reason="电话核实",
        remote_addr="10.0.0.1",
    )
    assert value == "13912345678"
    entry = AuditEntry.objects.get(action="arrivals.report.revealed")
    assert (entry.reason, entry.data, entry.remote_addr) == (
        "电话核实",
        {"field": "phone"},
        "10.0.0.1",
    )
    with pytest.raises(PermissionDenied):
        services.report_reveal(scope=scopes["viewer"], report=report, field="phone", reason="看看")
    with pytest.raises(ApplicationError):
        services.report_reveal(scope=scopes["worker"], report=report, field="phone", reason="x")
    with pytest.raises(ApplicationError):
        services.report_reveal(scope=scopes["worker"], report=report, field="name", reason="看看")


def test_a_late_risk_area_classifies_reports_again(
    world: Any, links: Any, scopes: Any, tree: Any
) -> None:
    """A county announced today as high risk since three days ago: the arrivals of those
    days are found again, verified ones go back to the queue, their community is told."""
    waiting = submit(links, origin="330106", days_ago=1)  # 杭州市西湖区
    done = submit(links, origin="330106", days_ago=2, id_number=ID_ZHANG, name="张三")
    earlier = submit(links, origin="330106", days_ago=5, id_number=ID_WANG, name="王五")
    elsewhere = submit(links, community=SIBLING, origin="330106", days_ago=1)
    services.report_verify(scope=scopes["worker"], report=done, outcome="confirmed")
    assert {r.classification for r in (waiting, done, earlier, elsewhere)} == {"other"}
    region = regions.get("330106")
    assert region is not None
    today = timezone.localdate()
    risk_services.area_add(
        scope=scopes["admin"],
        district=DISTRICT,
        data=risk_services.AreaInput(region, "high", today - dt.timedelta(days=3)),
    )
    rows = {
        r.pk: (r.classification, r.status)
        for r in ArrivalReport.objects.filter(
            pk__in=[waiting.pk, done.pk, earlier.pk, elsewhere.pk]
        )
    }
    assert rows == {
        waiting.pk: ("high", "waiting"),
        done.pk: ("high", "recheck"),
        earlier.pk: ("other", "waiting"),  # arrived before the area began
        elsewhere.pk: ("high", "waiting"),
    }
    entry = AuditEntry.objects.get(action="arrivals.reports.reclassified")
    assert entry.data == {
        "changed": 3,
        "raised": 3,
        "to_check_again": 1,
        "since": (today - dt.timedelta(days=3)).isoformat(),
        "until": None,
    }
    notices = {
        n.jurisdiction_code: n.title
        for n in StaffNotice.objects.filter(source="arrivals").order_by("jurisdiction_code")
    }
    with translation.override(settings.LANGUAGE_CODE):
        assert notices == {
            COMMUNITY: ngettext(
                "%(n)d arrival report now comes from a medium- or high-risk area",
                "%(n)d arrival reports now come from a medium- or high-risk area",
                2,
            )
            % {"n": 2},
            SIBLING: ngettext(
                "%(n)d arrival report now comes from a medium- or high-risk area",
                "%(n)d arrival reports now come from a medium- or high-risk area",
                1,
            )
            % {"n": 1},
        }
    # The recheck is verified again like any report.
    services.report_verify(scope=scopes["worker"], report=done, outcome="confirmed", note="复核")
    done.refresh_from_db()
    assert (done.status, done.outcome_note) == ("verified", "复核")


def test_lifting_an_area_lowers_the_reports_after_it(
    world: Any, links: Any, scopes: Any, areas: Any
) -> None:
    report = submit(links, origin="420102", days_ago=1)
    services.report_verify(scope=scopes["worker"], report=report, outcome="confirmed")
    area = risk_selectors.area_list(scope=scopes["admin"]).get(region_code="420102")
    risk_services.area_end(
        scope=scopes["admin"], area=area, on=timezone.localdate() - dt.timedelta(days=2)
    )
    report.refresh_from_db()
    assert (report.classification, report.status) == ("other", "verified")  # lowered: no recheck


def test_the_person_file_shows_the_report_to_those_who_see_it(
    world: Any, links: Any, scopes: Any
) -> None:
    report = submit(links, id_number=ID_ZHANG, name="张三")
    person = world[0].person
    events = [
        e
        for e in timeline.events_for(scope=scopes["worker"], person=person)
        if e.source == "arrivals"
    ]
    assert [(e.title, e.url, e.level) for e in events] == [
        ("Arrival reported from 湖北省武汉市江岸区", f"/arrivals/{report.pk}/", "info"),
    ]
    services.report_verify(scope=scopes["worker"], report=report, outcome="confirmed", note="在家")
    events = [
        e
        for e in timeline.events_for(scope=scopes["worker"], person=person)
        if e.source == "arrivals"
    ]
    assert [e.title for e in events] == [
        "Arrival report verified: Confirmed: the person is here",
        "Arrival reported from 湖北省武汉市江岸区",
    ]
    assert events[0].detail == "在家"
    # A report about the same person in the sibling community is not shown here.
    submit(links, community=SIBLING, id_number=ID_ZHANG, name="张三", days_ago=4)
    assert (
        len(
            [
                e
                for e in timeline.events_for(scope=scopes["worker"], person=person)
                if e.source == "arrivals"
            ]
        )
        == 2
    )


def test_poster_links(world: Any, links: Any, scopes: Any) -> None:
    assert links[COMMUNITY].token != links[SIBLING].token
    assert len(links[COMMUNITY].token) == 22
    again = services.links_ensure(scope=scopes["worker"], community_codes=[COMMUNITY])
    assert again[COMMUNITY].pk == links[COMMUNITY].pk
    with pytest.raises(NotFound):
        services.links_ensure(scope=scopes["worker"], community_codes=[SIBLING])
    with pytest.raises(NotFound):
        services.link_replace(scope=scopes["sibling"], community_code=COMMUNITY)
    with pytest.raises(PermissionDenied):
        services.link_replace(scope=scopes["viewer"], community_code=COMMUNITY)
    # A grid worker puts up the community's poster.
    grid = services.links_ensure(scope=scopes["grid"], community_codes=[COMMUNITY])
    assert grid[COMMUNITY].pk == links[COMMUNITY].pk
    new = services.link_replace(scope=scopes["grid"], community_code=COMMUNITY)
    assert new.token != links[COMMUNITY].token
    assert selectors.link_for_token(links[COMMUNITY].token) is None
    assert selectors.link_for_token(new.token) == new
    assert AuditEntry.objects.filter(action="arrivals.link.replaced").count() == 1
