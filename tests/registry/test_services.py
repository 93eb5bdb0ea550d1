from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fangkong.accounts.models import User
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry, Jurisdiction
from fangkong.core.scope import Scope
from fangkong.registry import selectors, services, timeline
from fangkong.registry.models import Household, Person, Residence
from tests.conftest import COMMUNITY, GRID, SIBLING, SUBDISTRICT
from tests.world import ID_LI, ID_ZHANG, build_world


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> Any:
    return build_world(system_scope)


@pytest.fixture
def worker(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> Scope:
    return scope_of(make_user("community_worker", COMMUNITY))


@pytest.fixture
def officer(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> Scope:
    return scope_of(make_user("subdistrict_officer", SUBDISTRICT))


def _names(people: Any) -> list[str]:
    return [p.name for p in people]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("zs", ["张三"]),
        ("ZhangSan", ["张三"]),
        ("lm", ["李梅"]),
        ("123x", ["张三"]),  # last four of the identity number
        (ID_ZHANG, ["张三"]),
        ("13812345678", ["张三"]),
        ("+86 138-1234-5678", ["张三"]),
        ("张", ["张三"]),
        ("金华小区3号楼", ["张三", "李梅"]),
        ("2单元501", ["张三", "李梅"]),
        ("王五", []),  # the sibling's person, outside the scope
        ("gbww", []),
        ("4517", []),
    ],
)
def test_search_finds_only_within_scope(
    world: Any, worker: Scope, query: str, names: list[str]
) -> None:
    found = selectors.person_list(scope=worker, filters=selectors.PersonFilters(query=query))
    assert _names(found) == names


def test_the_parent_sees_both_communities(world: Any, officer: Scope) -> None:
    everyone = selectors.person_list(scope=officer)
    assert _names(everyone) == ["张三", "李梅", "隔壁王五", "隔壁赵六"]


def test_counts_at_every_level(world: Any, officer: Scope) -> None:
    node = selectors.jurisdiction_get(scope=officer, code=SUBDISTRICT)
    children = selectors.jurisdiction_children(scope=officer, node=node)
    counts, total = selectors.counts_by_child(scope=officer, node=node, children=children)
    assert (total.persons, total.households, total.buildings, total.compounds) == (4, 2, 2, 2)
    assert counts[COMMUNITY].persons == 2
    assert counts[SIBLING].persons == 2


def test_person_file_view_and_reveal_are_audited(world: Any, worker: Scope) -> None:
    mine, _ = world
    person = selectors.person_get(scope=worker, pk=mine.person.pk)
    assert person.id_number_masked == "4101**********123X"
    services.person_file_viewed(scope=worker, person=person)
    value = services.person_reveal(
        scope=worker, person=person, field="id_number", reason="核查推送名单"
    )
    assert value == ID_ZHANG
    actions = list(
        AuditEntry.objects.filter(object_id=str(person.pk))
        .order_by("id")
        .values_list("action", "reason", "actor_name")
    )
    assert actions[-2:] == [
        ("registry.person.viewed", "", worker.actor_name),
        ("registry.person.revealed", "核查推送名单", worker.actor_name),
    ]
    with pytest.raises(ApplicationError, match=r"^请填写查看完整号码的事由。$"):
        services.person_reveal(scope=worker, person=person, field="phone", reason=" ")
    with pytest.raises(ApplicationError):
        services.person_reveal(scope=worker, person=person, field="name", reason="好奇")


def test_sibling_objects_are_missing(world: Any, worker: Scope) -> None:
    _, other = world
    with pytest.raises(NotFound):
        selectors.person_get(scope=worker, pk=other.person.pk)
    with pytest.raises(NotFound):
        selectors.compound_get(scope=worker, pk=other.compound.pk)
    with pytest.raises(NotFound):
        services.person_reveal(scope=worker, person=other.person, field="phone", reason="看看")


def test_a_place_with_people_is_retired_never_deleted(world: Any, worker: Scope) -> None:
    mine, _ = world
    with pytest.raises(ApplicationError, match=r"^此处还有登记人员；请先把人员迁出，再停用。$"):
        services.place_set_active(scope=worker, place=mine.building, active=False)
    empty = services.household_create(
        scope=worker, compound=mine.compound, building=mine.building, unit=mine.unit, room="601"
    )
    services.place_set_active(scope=worker, place=empty, active=False)
    assert Household.objects.get(pk=empty.pk).is_active is False


def test_rename_rewrites_addresses(world: Any, worker: Scope) -> None:
    mine, _ = world
    services.place_rename(scope=worker, place=mine.compound, name="金华新村")
    services.place_rename(scope=worker, place=mine.building, name="8栋")
    assert Person.objects.get(pk=mine.person.pk).address == "金华新村8号楼2单元501室"
    assert (
        selectors.person_list(
            scope=worker, filters=selectors.PersonFilters(query="金华新村")
        ).count()
        == 2
    )


def test_moving_a_compound_to_a_grid_moves_everything_below(
    world: Any, worker: Scope, make_user: Callable[..., User], scope_of: Callable[..., Scope]
) -> None:
    mine, _ = world
    grid_worker = scope_of(make_user("grid_worker", GRID))
    assert selectors.person_list(scope=grid_worker).count() == 0
    services.place_move(scope=worker, place=mine.compound, to_code=GRID)
    assert _names(selectors.person_list(scope=grid_worker)) == ["张三", "李梅"]
    assert Household.objects.get(pk=mine.household.pk).jurisdiction_code == GRID


def test_grids(world: Any, worker: Scope) -> None:
    grid = services.grid_create(scope=worker, community_code=COMMUNITY, name="第二网格")
    assert grid.code == COMMUNITY + "002"
    services.jurisdiction_rename(scope=worker, code=grid.code, name="二网格")
    services.jurisdiction_set_active(scope=worker, code=grid.code, active=False)
    assert Jurisdiction.objects.get(code=grid.code).is_active is False
    with pytest.raises(NotFound):
        services.grid_create(scope=worker, community_code=SIBLING, name="越界")


def test_person_create_and_update(world: Any, worker: Scope) -> None:
    mine, _ = world
    person = services.person_create(
        scope=worker,
        household=mine.household,
        name="单雄信",
        id_number=ID_LI.lower(),
        phone="+86 136 0000 1234",
    )
    assert (person.name_initials, person.id_last4, person.phone, person.sex) == (
        "sxx",
        "0020",
        "13600001234",
        "F",
    )
    assert Residence.objects.filter(person=person).count() == 1
    with pytest.raises(ApplicationError, match=r"^该身份证号的人员已经登记，请先搜索此人。$"):
        services.person_create(scope=worker, household=mine.household, name="重复", id_number=ID_LI)
    with pytest.raises(ApplicationError) as bad:
        services.person_create(
            scope=worker, household=mine.household, name="坏号", id_number="410106199001011234"
        )
    assert bad.value.errors[0].field == "id_number"
    services.person_update(scope=worker, person=person, phone="13600009999", is_disabled=True)
    entry = AuditEntry.objects.filter(action="registry.person.updated").latest("id")
    assert entry.data == {"fields": ["is_disabled", "phone"]}  # names, never values
    without_id = services.person_create(scope=worker, household=mine.household, name="无证者")
    assert without_id.needs_verification is True


def test_transfer_between_communities_needs_the_subdistrict(
    world: Any, worker: Scope, officer: Scope
) -> None:
    mine, other = world
    with pytest.raises(NotFound):
        services.person_move(
            scope=worker, person=mine.person, household=other.household, reason="搬家"
        )
    services.person_move(
        scope=officer, person=mine.person, household=other.household, reason="搬家到安阳路社区"
    )
    moved = Person.objects.get(pk=mine.person.pk)
    assert (moved.community_code, moved.household_id) == (SIBLING, other.household.pk)
    history = [
        (r.jurisdiction_code, r.ended_at is None)
        for r in Residence.objects.filter(person=moved).order_by("started_at")
    ]
    assert history == [(COMMUNITY, False), (SIBLING, True)]
    with pytest.raises(NotFound):
        selectors.person_get(scope=worker, pk=moved.pk)


def test_viewers_cannot_write(
    world: Any, make_user: Callable[..., User], scope_of: Callable[..., Scope]
) -> None:
    mine, _ = world
    viewer = scope_of(make_user("community_viewer", COMMUNITY))
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        services.person_update(scope=viewer, person=mine.person, name="改名")
    with pytest.raises(PermissionDenied):
        services.compound_create(scope=viewer, jurisdiction_code=COMMUNITY, name="新")
    assert AuditEntry.objects.count() == before
    assert Person.objects.get(pk=mine.person.pk).name == "张三"


def test_timeline_providers_are_pluggable(world: Any, worker: Scope) -> None:
    mine, _ = world

    def extra(scope: Scope, person: Person) -> list[timeline.TimelineEvent]:
        return [timeline.TimelineEvent(at=person.created_at, source="test", title="测试事件")]

    timeline.register("test", extra)
    try:
        events = timeline.events_for(scope=worker, person=mine.person)
    finally:
        timeline.unregister("test")
    assert sorted(e.source for e in events) == ["registry", "registry", "test"]
    assert [e.source for e in timeline.events_for(scope=worker, person=mine.person)] == [
        "registry",
        "registry",
    ]
