"""Screening rounds: opening, door to door, sign-off, coverage (issue 3, items 1–4, 8)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from fangkong.accounts.models import User
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.registry import services as registry_services
from fangkong.registry.models import Person
from fangkong.screening import selectors, services
from fangkong.screening.models import Record, SignOff, Task
from fangkong.screening.services import CategorySpec, PersonFound
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY
from tests.world import build_world

TODAY = timezone.localdate()
HUBEI = CategorySpec(label="湖北来郑人员", since=TODAY - dt.timedelta(days=14), origin_prefix="42")
OUTSIDE = CategorySpec(label="外地来郑人员", since=TODAY - dt.timedelta(days=14))


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> Any:
    mine, other = build_world(system_scope)
    empty = registry_services.household_create(
        scope=system_scope,
        compound=mine.compound,
        building=mine.building,
        unit=mine.unit,
        room="502",
    )
    town_compound = registry_services.compound_create(
        scope=system_scope, jurisdiction_code=TOWN_COMMUNITY, name="金昌小区"
    )
    registry_services.household_create(scope=system_scope, compound=town_compound, room="1")
    return mine, other, empty


@pytest.fixture
def scopes(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> dict[str, Scope]:
    return {
        "admin": scope_of(make_user("district_admin", DISTRICT)),
        "worker": scope_of(make_user("community_worker", COMMUNITY)),
        "sibling": scope_of(make_user("community_worker", SIBLING)),
        "town": scope_of(make_user("community_worker", TOWN_COMMUNITY)),
        "officer": scope_of(make_user("subdistrict_officer", SUBDISTRICT)),
        "viewer": scope_of(make_user("community_viewer", COMMUNITY)),
    }


def _open(scopes: dict[str, Scope], codes: list[str] | None = None) -> Any:
    return services.round_open(
        scope=scopes["admin"],
        name="第二轮拉网式排查",
        scope_codes=codes or [],
        starts_on=TODAY,
        due_on=TODAY + dt.timedelta(days=3),
        categories=[HUBEI, OUTSIDE],
    )


def test_a_round_makes_one_task_per_compound_in_scope(world: Any, scopes: Any) -> None:
    whole = _open(scopes)
    tasks = {t.compound.name: (t.jurisdiction_code, t.households_total) for t in whole.tasks.all()}
    assert tasks == {
        "金华小区": (COMMUNITY, 2),
        "隔壁花园": (SIBLING, 1),
        "金昌小区": (TOWN_COMMUNITY, 1),
    }
    one = _open(scopes, [SUBDISTRICT])
    assert sorted(t.compound.name for t in one.tasks.all()) == ["金华小区", "隔壁花园"]
    entry = AuditEntry.objects.filter(action="screening.round.opened").order_by("id").last()
    assert entry.data == {"scope": [SUBDISTRICT], "tasks": 2, "categories": 2}
    assert [c.code for c in selectors.categories(screening_round=one)] == ["c1", "c2"]


def test_only_the_district_opens_rounds_and_bad_input_names_the_field(
    world: Any, scopes: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.round_open(
            scope=scopes["worker"],
            name="x",
            scope_codes=[],
            starts_on=TODAY,
            due_on=TODAY,
            categories=[HUBEI],
        )
    cases = [
        ({"due_on": TODAY - dt.timedelta(days=1)}, "due_on"),
        ({"categories": []}, "categories"),
        ({"categories": [CategorySpec("坏", TODAY, origin_prefix="99")]}, "categories"),
        ({"scope_codes": [COMMUNITY]}, "scope_codes"),
        ({"name": " "}, "name"),
    ]
    for change, field in cases:
        arguments = {
            "scope": scopes["admin"],
            "name": "轮次",
            "scope_codes": [],
            "starts_on": TODAY,
            "due_on": TODAY,
            "categories": [HUBEI],
        } | change
        with pytest.raises(ApplicationError) as bad:
            services.round_open(**arguments)
        assert bad.value.errors[0].field == field
    assert not Task.objects.exists()


def test_each_level_sees_the_rounds_it_works_in(world: Any, scopes: Any) -> None:
    whole, one = _open(scopes), _open(scopes, [SUBDISTRICT])
    assert set(selectors.rounds(scope=scopes["worker"])) == {whole, one}
    assert set(selectors.rounds(scope=scopes["town"])) == {whole}
    with pytest.raises(NotFound):
        selectors.round_get(scope=scopes["town"], pk=one.pk)
    assert [
        t.compound.name for t in selectors.tasks(scope=scopes["worker"], screening_round=whole)
    ] == ["金华小区"]


def _task(screening_round: Any, name: str = "金华小区") -> Task:
    return Task.objects.get(round=screening_round, compound__name=name)


def test_door_to_door_records_people_and_keeps_the_counts(world: Any, scopes: Any) -> None:
    mine, _other, empty = world
    task = _task(_open(scopes))
    arrived = TODAY - dt.timedelta(days=2)
    record = services.record_household(
        scope=scopes["worker"],
        task=task,
        household=mine.household,
        outcome=Record.Outcome.REACHED,
        people=[
            PersonFound(
                person_id=mine.person.pk,
                category="c1",
                origin_code="420102",
                arrived_on=arrived,
                travel_mode="train",
                travel_number="g1234",
                temperature=Decimal("36.5"),
            ),
            PersonFound(person_id=mine.housemate.pk, present=False),
            PersonFound(name="新来的", phone="13600001234"),
        ],
    )
    services.record_household(
        scope=scopes["worker"], task=task, household=empty, outcome=Record.Outcome.EMPTY
    )
    task.refresh_from_db()
    assert (task.reached, task.empty, task.not_home, task.done) == (1, 1, 0, 2)
    found = {
        f.person.name: (f.present, f.category, f.origin_name, f.travel_number, f.is_new_person)
        for f in record.findings.select_related("person")
    }
    assert found == {
        "张三": (True, "c1", "湖北省武汉市江岸区", "G1234", False),
        "李梅": (False, "", "", "", False),
        "新来的": (True, "", "", "", True),
    }
    newcomer = Person.objects.get(name="新来的")
    assert (newcomer.household_id, newcomer.needs_verification, newcomer.source) == (
        mine.household.pk,
        True,
        "screening",
    )
    # Recorded again: a new version; the counts move, nothing is counted twice.
    second = services.record_household(
        scope=scopes["worker"],
        task=task,
        household=empty,
        outcome=Record.Outcome.NOT_HOME,
        explanation="夜班，已留联系卡",
    )
    task.refresh_from_db()
    assert (second.version, task.reached, task.empty, task.not_home) == (2, 1, 0, 1)
    assert list(
        Record.objects.filter(household=empty)
        .order_by("version")
        .values_list("is_current", flat=True)
    ) == [False, True]


MINE = -1  # stands for the household's registered person


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "not_home"}, "explanation"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "empty", "people": [PersonFound(person_id=MINE)]}, "outcome"),
        ({"people": [PersonFound(person_id=999999)]}, "people"),
        ({"people": [PersonFound(person_id=None)]}, "name"),
        (
            {"people": [PersonFound(MINE, category="c9", origin_code="420102", arrived_on=TODAY)]},
            "category",
        ),
        ({"people": [PersonFound(MINE, category="c1", arrived_on=TODAY)]}, "origin_code"),
        ({"people": [PersonFound(MINE, category="c1", origin_code="420102")]}, "arrived_on"),
        # From Beijing: not what "from Hubei" asks about.
        (
            {"people": [PersonFound(MINE, category="c1", origin_code="110101", arrived_on=TODAY)]},
            "category",
        ),
        ({"people": [PersonFound(MINE, temperature=Decimal("45.0"))]}, "temperature"),
    ],
)
def test_bad_records_are_refused_by_field(
    world: Any, scopes: Any, kwargs: dict[str, Any], field: str
) -> None:
    mine, _other, _empty = world
    task = _task(_open(scopes))
    people = [
        PersonFound(
            **{**p.__dict__, "person_id": mine.person.pk if p.person_id == MINE else p.person_id}
        )
        for p in kwargs.pop("people", [])
    ]
    arguments = {
        "scope": scopes["worker"],
        "task": task,
        "household": mine.household,
        "outcome": "reached",
        "people": people,
    } | kwargs
    with pytest.raises(ApplicationError) as bad:
        services.record_household(**arguments)
    assert bad.value.errors[0].field == field
    task.refresh_from_db()
    assert (task.done, Record.objects.count()) == (0, 0)


def test_nobody_records_outside_their_scope(world: Any, scopes: Any) -> None:
    mine, _other, _empty = world
    task = _task(_open(scopes))
    with pytest.raises(NotFound):
        services.record_household(
            scope=scopes["sibling"], task=task, household=mine.household, outcome="empty"
        )
    with pytest.raises(PermissionDenied):
        services.record_household(
            scope=scopes["viewer"], task=task, household=mine.household, outcome="empty"
        )


def test_sign_off_goes_screener_community_subdistrict_and_locks(world: Any, scopes: Any) -> None:
    mine, _other, empty = world
    task = _task(_open(scopes))
    services.record_household(
        scope=scopes["worker"],
        task=task,
        household=mine.household,
        outcome="reached",
        people=[PersonFound(person_id=mine.person.pk)],
    )
    with pytest.raises(ApplicationError, match="1 households have no record"):
        services.sign(scope=scopes["worker"], task=task, level="screener")
    services.record_household(
        scope=scopes["worker"],
        task=task,
        household=empty,
        outcome="not_home",
        explanation="出差",
    )
    with pytest.raises(ApplicationError, match="The next signature is the Screener's"):
        services.sign(scope=scopes["worker"], task=task, level="community")
    services.sign(scope=scopes["worker"], task=task, level="screener", note="已逐户走访")
    with pytest.raises(PermissionDenied):  # the community signs its step, not the subdistrict
        services.sign(scope=scopes["officer"], task=task, level="community")
    services.sign(scope=scopes["worker"], task=task, level="community")
    with pytest.raises(PermissionDenied):
        services.sign(scope=scopes["worker"], task=task, level="subdistrict")
    services.sign(scope=scopes["officer"], task=task, level="subdistrict")
    task.refresh_from_db()
    assert task.status == Task.Status.SUBDISTRICT
    assert [(s.level, s.signed_by_name) for s in selectors.signoffs(task=task)] == [
        ("screener", "测试2"),
        ("community", "测试2"),
        ("subdistrict", "测试5"),
    ]
    with pytest.raises(ApplicationError, match="signed off at every level"):
        services.sign(scope=scopes["officer"], task=task, level="subdistrict")
    # Locked: a change is a correction with its reason, a new version.
    with pytest.raises(ApplicationError) as locked:
        services.record_household(
            scope=scopes["worker"], task=task, household=empty, outcome="empty"
        )
    assert locked.value.errors[0].field == "correction_reason"
    corrected = services.record_household(
        scope=scopes["worker"],
        task=task,
        household=empty,
        outcome="empty",
        correction_reason="回访确认为空房",
    )
    assert (corrected.version, corrected.correction_reason) == (2, "回访确认为空房")
    assert AuditEntry.objects.filter(action="screening.household.corrected").count() == 1
    assert SignOff.objects.filter(task=task).count() == 3


def test_coverage_at_every_level_and_the_unreached(world: Any, scopes: Any) -> None:
    mine, other, empty = world
    screening_round = _open(scopes)
    task = _task(screening_round)
    services.record_household(
        scope=scopes["worker"],
        task=task,
        household=mine.household,
        outcome="reached",
        people=[
            PersonFound(
                person_id=mine.person.pk, category="c1", origin_code="420102", arrived_on=TODAY
            ),
            PersonFound(
                person_id=mine.housemate.pk, category="c2", origin_code="110101", arrived_on=TODAY
            ),
        ],
    )
    total, children = selectors.coverage(
        scope=scopes["admin"], screening_round=screening_round, at=DISTRICT
    )
    assert (total.compounds, total.households, total.reached, total.unvisited, total.persons) == (
        3,
        4,
        1,
        3,
        {"c1": 1, "c2": 1},
    )
    assert [(c.code, c.households, c.done, c.persons) for c in children] == [
        (SUBDISTRICT, 3, 1, {"c1": 1, "c2": 1}),
        (TOWN, 1, 0, {}),
    ]
    total, children = selectors.coverage(
        scope=scopes["officer"], screening_round=screening_round, at=SUBDISTRICT
    )
    assert [(c.code, c.name, c.households, c.done) for c in children] == [
        (COMMUNITY, "中安街社区", 2, 1),
        (SIBLING, "安阳路社区", 1, 0),
    ]
    with pytest.raises(NotFound):
        selectors.coverage(scope=scopes["worker"], screening_round=screening_round, at=SIBLING)
    unreached = selectors.unreached(
        scope=scopes["officer"], screening_round=screening_round, under=SUBDISTRICT
    )
    assert sorted(h.pk for h in unreached) == sorted([empty.pk, other.household.pk])
    found = selectors.findings(
        scope=scopes["worker"], screening_round=screening_round, under=COMMUNITY
    )
    assert [(f.person.name, f.category) for f in found] == [("张三", "c1"), ("李梅", "c2")]


def test_the_days_counts_for_the_daily_report(world: Any, scopes: Any) -> None:
    mine, _other, empty = world
    task = _task(_open(scopes))
    services.record_household(
        scope=scopes["worker"],
        task=task,
        household=mine.household,
        outcome="reached",
        people=[
            PersonFound(
                person_id=mine.person.pk, category="c1", origin_code="420102", arrived_on=TODAY
            )
        ],
    )
    services.record_household(scope=scopes["worker"], task=task, household=empty, outcome="empty")
    assert selectors.counts(scope=scopes["officer"], code=SUBDISTRICT, day=TODAY) == {
        "households_screened_today": 2,
        "households_screened_total": 2,
        "arrivals_today_by_category": {"湖北来郑人员": 1},
        "arrivals_today_by_origin": {"42": 1},
    }
    yesterday = selectors.counts(
        scope=scopes["officer"], code=SUBDISTRICT, day=TODAY - dt.timedelta(days=1)
    )
    assert yesterday["households_screened_today"] == 0


def test_last_screened_tells_push_lists_who_was_seen(world: Any, scopes: Any) -> None:
    mine, other, _empty = world
    task = _task(_open(scopes))
    services.record_household(
        scope=scopes["worker"],
        task=task,
        household=mine.household,
        outcome="reached",
        people=[
            PersonFound(
                person_id=mine.person.pk, category="c1", origin_code="420102", arrived_on=TODAY
            ),
            PersonFound(person_id=mine.housemate.pk, present=False),
        ],
    )
    seen = selectors.last_screened(person_ids=[mine.person.pk, mine.housemate.pk, other.person.pk])
    assert list(seen) == [mine.person.pk]
    last = seen[mine.person.pk]
    assert (last.round_name, last.category, last.origin_name, last.arrived_on) == (
        "第二轮拉网式排查",
        "湖北来郑人员",
        "湖北省武汉市江岸区",
        TODAY,
    )
