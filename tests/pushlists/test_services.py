"""The writes one entry or one task at a time: the district's queue, the checks on the
ground, re-routing, closing and escalation; each with its permission, its history and
its audit entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.pushlists import selectors, services
from fangkong.pushlists.models import PushListEntry, TaskEvent, VerificationTask
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, TOWN_COMMUNITY
from tests.world import ID_ZHANG

from .conftest import ID_GRID, ID_NOBODY, People, Push
from .lists import row

pytestmark = pytest.mark.usefixtures("english")
Scopes = dict[str, Scope]


def _entry(summary: Any, row_no: int) -> PushListEntry:
    return PushListEntry.objects.get(push_list_id=summary.push_list_id, row_no=row_no)


def _events(task: VerificationTask) -> list[tuple[Any, ...]]:
    return list(
        TaskEvent.objects.filter(task=task)
        .order_by("id")
        .values_list("kind", "actor_name", "from_code", "to_code", "reason")
    )


def _last_audit() -> AuditEntry:
    return AuditEntry.objects.order_by("-id")[0]


@pytest.fixture
def task(people: People, push: Push) -> VerificationTask:
    push([row("张三", ID_ZHANG, reason="近14天武汉漫游")])
    return VerificationTask.objects.get()


# --- The district's queue ----------------------------------------------------------------


def test_deciding_an_ambiguous_entry_routes_it_to_the_persons_community(
    people: People, push: Push, scopes: Scopes
) -> None:
    summary = push([row("王芳", address="金华小区")])
    entry = _entry(summary, 2)
    decided = services.entry_decide(scope=scopes["admin"], entry=entry, person=people.fang_503)
    assert (decided.match_status, decided.match_method, decided.confidence) == (
        "matched",
        "manual",
        100,
    )
    assert (
        decided.person_id == people.fang_503.pk
        and decided.decided_by_id == scopes["admin"].actor_id
    )
    task = VerificationTask.objects.get()
    assert (task.jurisdiction_code, task.person_id, task.subject_key) == (
        COMMUNITY,
        people.fang_503.pk,
        f"p:{people.fang_503.pk}",
    )
    assert task.deadline == entry.push_list.deadline
    assert PushListEntry.objects.get(pk=entry.pk).jurisdiction_code == COMMUNITY
    assert _events(task) == [("created", "admin人", "", COMMUNITY, "")]
    audit = _last_audit()
    assert (audit.action, audit.object_id, audit.data) == (
        "pushlists.entry.decided",
        str(entry.pk),
        {"person": people.fang_503.pk, "task": task.pk},
    )
    with pytest.raises(ApplicationError, match="already been routed"):
        services.entry_decide(scope=scopes["admin"], entry=entry, person=people.fang_502)


def test_deciding_for_a_person_with_an_open_case_joins_it(
    people: People, push: Push, scopes: Scopes
) -> None:
    push([row("陈刚", "", "13600000504")])
    open_case = VerificationTask.objects.get()
    summary = push([row("陈钢", address="金华小区")], name="第二批")
    services.entry_decide(scope=scopes["admin"], entry=_entry(summary, 2), person=people.chen)
    assert VerificationTask.objects.count() == 1
    assert open_case.entries.count() == 2
    assert [k for k, *_ in _events(open_case)] == ["created", "joined"]


def test_an_unmatched_entry_is_assigned_to_a_community_by_hand(
    people: People, push: Push, scopes: Scopes
) -> None:
    summary = push([row("赵四", ID_NOBODY, "13700000000")])
    entry = services.entry_assign(scope=scopes["admin"], entry=_entry(summary, 2), code=GRID)
    task = entry.task
    assert task is not None
    assert (task.jurisdiction_code, task.community_code, task.person_id, task.subject_key) == (
        GRID,
        COMMUNITY,
        None,
        f"id:{ID_NOBODY}",
    )
    assert (entry.match_status, entry.jurisdiction_code) == ("unmatched", GRID)
    assert _last_audit().action == "pushlists.entry.assigned"
    # Without an identity number the case is about the entry itself.
    other = push([row("无证件", "", "13700000009")], name="第二批")
    assigned = services.entry_assign(scope=scopes["admin"], entry=_entry(other, 2), code=COMMUNITY)
    assert assigned.task is not None and assigned.task.subject_key == f"e:{assigned.pk}"


def test_assigning_needs_a_community_of_the_scope(
    people: People, push: Push, scopes: Scopes
) -> None:
    summary = push([row("赵四", ID_NOBODY)])
    entry = _entry(summary, 2)
    with pytest.raises(NotFound):
        services.entry_assign(scope=scopes["admin"], entry=entry, code=DISTRICT)  # not a community
    with pytest.raises(PermissionDenied):
        services.entry_assign(scope=scopes["viewer"], entry=entry, code=COMMUNITY)
    with pytest.raises(NotFound):
        services.entry_assign(scope=scopes["worker"], entry=entry, code=COMMUNITY)
    assert VerificationTask.objects.count() == 0


def test_returning_an_entry_to_the_sender(people: People, push: Push, scopes: Scopes) -> None:
    summary = push([row("赵四", ID_NOBODY)])
    entry = _entry(summary, 2)
    with pytest.raises(ApplicationError, match=r"Give the reason\."):
        services.entry_return(scope=scopes["admin"], entry=entry, reason=" x ")
    returned = services.entry_return(scope=scopes["admin"], entry=entry, reason="  非本区 人员 ")
    assert (returned.return_reason, returned.returned_by_id) == (
        "非本区 人员",
        scopes["admin"].actor_id,
    )
    assert returned.returned_at is not None and not returned.in_queue
    assert (_last_audit().action, _last_audit().reason) == (
        "pushlists.entry.returned",
        "非本区 人员",
    )
    with pytest.raises(ApplicationError, match="already been routed or returned"):
        services.entry_return(scope=scopes["admin"], entry=entry, reason="再次")


def test_revealing_what_the_list_says_is_audited_with_the_reason(
    task: VerificationTask, scopes: Scopes
) -> None:
    entry = task.entries.get()
    assert (
        services.entry_reveal(
            scope=scopes["worker"],
            entry=entry,
            field="id_number",
            reason="电话核实",
            remote_addr="10.0.0.9",
        )
        == ID_ZHANG
    )
    audit = _last_audit()
    assert (audit.action, audit.reason, audit.data, audit.remote_addr, audit.jurisdiction_code) == (
        "pushlists.entry.revealed",
        "电话核实",
        {"field": "id_number"},
        "10.0.0.9",
        COMMUNITY,
    )
    with pytest.raises(ApplicationError, match=r"Give the reason\."):
        services.entry_reveal(scope=scopes["worker"], entry=entry, field="phone", reason="")
    with pytest.raises(PermissionDenied):
        services.entry_reveal(
            scope=scopes["community_viewer"], entry=entry, field="phone", reason="核实"
        )
    with pytest.raises(NotFound):
        services.entry_reveal(scope=scopes["sibling"], entry=entry, field="phone", reason="核实")
    with pytest.raises(ApplicationError, match="cannot be revealed"):
        services.entry_reveal(scope=scopes["worker"], entry=entry, field="name", reason="核实")


# --- Checks on the ground ---------------------------------------------------------------


def test_found_at_home_with_a_measure_closes_the_case(
    task: VerificationTask, scopes: Scopes
) -> None:
    done = services.task_record(
        scope=scopes["worker"],
        task=task,
        outcome="found_at_home",
        measure="home_quarantine",
        note="已告知",
    )
    assert (done.status, done.outcome, done.measure, done.note) == (
        "closed",
        "found_at_home",
        "home_quarantine",
        "已告知",
    )
    assert (done.verified_by_name, done.verified_by_id) == ("worker人", scopes["worker"].actor_id)
    assert done.verified_at == done.closed_at
    assert [k for k, *_ in _events(task)] == ["created", "recorded", "closed"]
    assert (_last_audit().action, _last_audit().data) == (
        "pushlists.task.recorded",
        {
            "outcome": "found_at_home",
            "measure": "home_quarantine",
            "where_code": "",
            "status": "closed",
        },
    )
    with pytest.raises(ApplicationError, match=r"This task is closed\."):
        services.task_record(scope=scopes["worker"], task=task, outcome="not_found")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": ""}, "Choose the outcome of the check."),
        ({"outcome": "maybe"}, "Choose the outcome of the check."),
        ({"outcome": "found_at_home"}, "Say what measure was taken."),
        ({"outcome": "found_at_home", "measure": "prayer"}, "Choose the measure taken."),
        ({"outcome": "lives_elsewhere", "where_text": "  "}, "Say where the person lives now."),
        ({"outcome": "lives_elsewhere", "where_code": "999999"}, "No such community or region."),
    ],
)
def test_a_result_must_say_enough(
    task: VerificationTask, scopes: Scopes, fields: dict[str, str], message: str
) -> None:
    with pytest.raises(ApplicationError, match=message):
        services.task_record(scope=scopes["worker"], task=task, **fields)
    task.refresh_from_db()
    assert (task.status, task.outcome) == ("open", "")


def test_lives_elsewhere_waits_for_the_office_above(task: VerificationTask, scopes: Scopes) -> None:
    done = services.task_record(
        scope=scopes["worker"],
        task=task,
        outcome="lives_elsewhere",
        where_text="在武汉市江岸区打工",
        where_code="420102",
    )
    assert (done.status, done.where_text, done.where_code) == (
        "done",
        "在武汉市江岸区打工",
        "420102",
    )
    corrected = services.task_record(
        scope=scopes["worker"], task=task, outcome="lives_elsewhere", where_code=SIBLING
    )
    assert (corrected.status, corrected.where_code, corrected.where_text) == ("done", SIBLING, "")
    assert [k for k, *_ in _events(task)] == ["created", "recorded", "recorded"]


def test_who_records_where(people: People, push: Push, scopes: Scopes) -> None:
    push([row("张三", ID_ZHANG), row("刘洋", ID_GRID)])
    zhang = VerificationTask.objects.get(person=people.zhang)
    liu = VerificationTask.objects.get(person=people.liu)
    with pytest.raises(NotFound):
        services.task_record(scope=scopes["grid"], task=zhang, outcome="not_found")
    with pytest.raises(NotFound):
        services.task_record(scope=scopes["sibling"], task=zhang, outcome="not_found")
    with pytest.raises(PermissionDenied):
        services.task_record(scope=scopes["community_viewer"], task=zhang, outcome="not_found")
    with pytest.raises(PermissionDenied):
        services.task_record(scope=scopes["data_entry"], task=zhang, outcome="not_found")
    assert (
        services.task_record(scope=scopes["grid"], task=liu, outcome="wrong_number").status
        == "done"
    )
    assert (
        services.task_record(scope=scopes["officer"], task=zhang, outcome="not_found").status
        == "done"
    )


def test_a_task_is_re_routed_with_its_deadline_and_history(
    task: VerificationTask, scopes: Scopes
) -> None:
    deadline = task.deadline
    services.task_record(
        scope=scopes["worker"], task=task, outcome="lives_elsewhere", where_code=SIBLING
    )
    moved = services.task_reroute(
        scope=scopes["officer"], task=task, to_code=SIBLING, reason="实际住安阳路社区"
    )
    assert (moved.jurisdiction_code, moved.community_code, moved.deadline) == (
        SIBLING,
        SIBLING,
        deadline,
    )
    assert (moved.status, moved.outcome, moved.verified_at, moved.where_code) == (
        "open",
        "",
        None,
        "",
    )
    assert task.entries.get().jurisdiction_code == SIBLING
    assert _events(task)[-1] == ("rerouted", "officer人", COMMUNITY, SIBLING, "实际住安阳路社区")
    event = TaskEvent.objects.filter(task=task, kind="rerouted").get()
    assert event.data == {"previous_outcome": "lives_elsewhere", "previous_where": ""}
    assert (_last_audit().action, _last_audit().data) == (
        "pushlists.task.rerouted",
        {"from": COMMUNITY, "to": SIBLING},
    )
    # The old community no longer sees it; the new one does, with where it came from.
    with pytest.raises(NotFound):
        selectors.task_get(scope=scopes["worker"], pk=task.pk)
    seen = selectors.task_get(scope=scopes["sibling"], pk=task.pk)
    assert [e.kind for e in selectors.task_events(scope=scopes["sibling"], task=seen)][
        -1
    ] == "rerouted"


def test_who_re_routes_where(task: VerificationTask, scopes: Scopes) -> None:
    with pytest.raises(PermissionDenied):
        services.task_reroute(scope=scopes["worker"], task=task, to_code=SIBLING, reason="住别处")
    with pytest.raises(NotFound):  # the subdistrict re-routes within its communities only
        services.task_reroute(
            scope=scopes["officer"], task=task, to_code=TOWN_COMMUNITY, reason="住峡窝镇"
        )
    with pytest.raises(NotFound):
        services.task_reroute(
            scope=scopes["town_officer"], task=task, to_code=TOWN_COMMUNITY, reason="x"
        )
    with pytest.raises(ApplicationError, match="already there"):
        services.task_reroute(scope=scopes["officer"], task=task, to_code=COMMUNITY, reason="原地")
    with pytest.raises(ApplicationError, match=r"Give the reason\."):
        services.task_reroute(scope=scopes["officer"], task=task, to_code=GRID, reason="")
    assert (
        services.task_reroute(
            scope=scopes["officer"], task=task, to_code=GRID, reason="在网格内"
        ).jurisdiction_code
        == GRID
    )
    assert (
        services.task_reroute(
            scope=scopes["admin"], task=task, to_code=TOWN_COMMUNITY, reason="住峡窝镇"
        ).jurisdiction_code
        == TOWN_COMMUNITY
    )


def test_the_office_above_closes_a_case(task: VerificationTask, scopes: Scopes) -> None:
    with pytest.raises(PermissionDenied):
        services.task_close(scope=scopes["worker"], task=task, reason="已在外地隔离")
    closed = services.task_close(scope=scopes["officer"], task=task, reason="已在外地隔离")
    assert (closed.status, closed.close_reason, closed.closed_by_id) == (
        "closed",
        "已在外地隔离",
        scopes["officer"].actor_id,
    )
    assert _events(task)[-1] == ("closed", "officer人", "", "", "已在外地隔离")
    with pytest.raises(ApplicationError, match=r"This task is closed\."):
        services.task_reroute(scope=scopes["officer"], task=task, to_code=SIBLING, reason="x x")


def test_overdue_tasks_are_escalated_once(people: People, push: Push, scopes: Scopes) -> None:
    now = timezone.now()
    push([row("张三", ID_ZHANG), row("刘洋", ID_GRID)], received_at=now - dt.timedelta(hours=30))
    push([row("孙丽", "", "", address="")], name="无")  # nothing to escalate there
    push([row("隔壁王五", "410106197005064516")], name="新", received_at=now)
    done = VerificationTask.objects.get(person=people.liu)
    services.task_record(scope=scopes["grid"], task=done, outcome="not_found")
    system = Scope.system(reason="tests")
    assert services.escalate_overdue(scope=system, now=now) == 1
    zhang = VerificationTask.objects.get(person=people.zhang)
    assert zhang.escalated_at == now
    assert [k for k, *_ in _events(zhang)] == ["created", "escalated"]
    assert services.escalate_overdue(scope=system, now=now + dt.timedelta(minutes=10)) == 0
    assert _last_audit().data == {"tasks": 1}
    with pytest.raises(PermissionDenied):
        services.escalate_overdue(scope=scopes["worker"])
