"""The reads: a list's counts, a community's tasks in the order of urgency, overdue and
supervision counts (right without the periodic escalation), the daily report's counts,
the person file's timeline - each within its scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.scope import Scope
from fangkong.pushlists import selectors, services
from fangkong.pushlists.models import PushList, PushListEntry, VerificationTask
from fangkong.pushlists.selectors import ListCounts, TaskCounts
from fangkong.registry.timeline import events_for
from tests.conftest import COMMUNITY, GRID, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY
from tests.world import ID_WANG, ID_ZHANG

from .conftest import ID_GRID, ID_NOBODY, ID_TOWN, People, Push
from .lists import row

pytestmark = pytest.mark.usefixtures("english")
Scopes = dict[str, Scope]
NOW = timezone.now().replace(microsecond=0)


def _task(person: Any) -> VerificationTask:
    return VerificationTask.objects.get(person=person)


@pytest.fixture
def busy(people: People, push: Push, scopes: Scopes) -> dict[str, Any]:
    """An old list (its deadline passed 6 hours ago) and a new one (due in 3 hours):

    old: 张三 (found at home, closed), 刘洋 (grid, overdue), 孙丽 (town, overdue),
         王芳 at 金华小区 (ambiguous), 赵四 (unknown, returned), 钱七 (unknown, in queue)
    new: 隔壁王五 (sibling, due soon), 陈刚 (not found: awaiting decision)
    """
    old = push(
        [
            row("张三", ID_ZHANG),
            row("刘洋", ID_GRID),
            row("孙丽", ID_TOWN),
            row("王芳", address="金华小区"),
            row("赵四", ID_NOBODY),
            row("钱七", "", "13700000000"),
        ],
        name="旧名单",
        received_at=NOW - dt.timedelta(hours=30),
    )
    new = push(
        [row("隔壁王五", ID_WANG), row("陈刚", "", "13600000504")],
        name="新名单",
        received_at=NOW - dt.timedelta(hours=21),
    )
    services.task_record(
        scope=scopes["worker"], task=_task(people.zhang), outcome="found_at_home", measure="testing"
    )
    services.task_record(scope=scopes["worker"], task=_task(people.chen), outcome="not_found")
    returned = PushListEntry.objects.get(push_list_id=old.push_list_id, row_no=6)
    services.entry_return(scope=scopes["admin"], entry=returned, reason="非本区")
    return {
        "old": PushList.objects.get(pk=old.push_list_id),
        "new": PushList.objects.get(pk=new.push_list_id),
    }


def test_a_lists_counts(busy: dict[str, Any], scopes: Scopes) -> None:
    counts = selectors.list_counts(
        scope=scopes["viewer"], lists=[busy["old"], busy["new"]], now=NOW
    )
    assert counts[busy["old"].pk] == ListCounts(
        entries=6,
        matched=3,
        ambiguous=1,
        unmatched=1,
        in_queue=2,
        routed=3,
        verified=1,
        overdue=2,
        closed=2,
        returned=1,
    )
    assert counts[busy["new"].pk] == ListCounts(
        entries=2, matched=2, routed=2, verified=1, overdue=0, closed=0
    )
    assert counts[busy["old"].pk].open == 4
    # The counts are right before the periodic escalation ever ran.
    assert VerificationTask.objects.filter(escalated_at__isnull=False).count() == 0


def test_the_entries_a_list_page_shows(busy: dict[str, Any], scopes: Scopes) -> None:
    def names(show: str) -> list[str]:
        found = selectors.list_entries(
            scope=scopes["viewer"], push_list=busy["old"], show=show, now=NOW
        )
        return [e.name for e in found]

    assert names("all") == ["张三", "刘洋", "孙丽", "王芳", "赵四", "钱七"]
    assert names("matched") == ["张三", "刘洋", "孙丽"]
    assert names("queue") == ["王芳", "钱七"]
    assert names("verified") == ["张三"]
    assert names("overdue") == ["刘洋", "孙丽"]
    assert names("closed") == ["张三", "赵四"]


def test_the_queue_holds_what_waits_for_the_district(busy: dict[str, Any], scopes: Scopes) -> None:
    assert [e.name for e in selectors.queue(scope=scopes["admin"])] == ["王芳", "钱七"]
    assert [e.name for e in selectors.queue(scope=scopes["admin"], kind="ambiguous")] == ["王芳"]
    with pytest.raises(PermissionDenied):
        selectors.queue(scope=scopes["viewer"])


def test_lists_belong_to_the_district(busy: dict[str, Any], scopes: Scopes) -> None:
    assert [pl.name for pl in selectors.push_lists(scope=scopes["viewer"])] == ["新名单", "旧名单"]
    assert list(selectors.push_lists(scope=scopes["worker"])) == []
    with pytest.raises(NotFound):
        selectors.push_list_get(scope=scopes["officer"], pk=busy["old"].pk)


def test_each_community_sees_its_own_tasks_overdue_first(
    people: People, busy: dict[str, Any], push: Push, scopes: Scopes
) -> None:
    push([row("李梅", "", "13900001111")], name="最新", received_at=NOW)
    mine = selectors.tasks(scope=scopes["worker"])
    assert [t.person.name for t in mine] == ["刘洋", "李梅"]  # overdue, then the rest
    assert [t.person.name for t in selectors.tasks(scope=scopes["grid"])] == ["刘洋"]
    assert [t.person.name for t in selectors.tasks(scope=scopes["sibling"])] == ["隔壁王五"]
    assert [t.person.name for t in selectors.tasks(scope=scopes["worker"], show="done")] == ["陈刚"]
    assert [t.person.name for t in selectors.tasks(scope=scopes["worker"], show="closed")] == [
        "张三"
    ]
    assert [t.person.name for t in selectors.tasks(scope=scopes["worker"], query="李")] == ["李梅"]
    officer = [t.person.name for t in selectors.tasks(scope=scopes["officer"])]
    assert officer == ["刘洋", "隔壁王五", "李梅"]
    due_soon = _task(people.wang)
    assert selectors.is_due_soon(due_soon, NOW) and not selectors.is_due_soon(_task(people.li), NOW)


def test_overdue_and_supervision_counts(busy: dict[str, Any], scopes: Scopes) -> None:
    assert [t.person.name for t in selectors.overdue(scope=scopes["admin"], now=NOW)] == [
        "刘洋",
        "孙丽",
    ]
    assert [t.person.name for t in selectors.overdue(scope=scopes["officer"], now=NOW)] == ["刘洋"]
    district = selectors.supervision(scope=scopes["admin"], now=NOW)
    assert [(node.code, c) for node, c in district.children] == [
        (SUBDISTRICT, TaskCounts(open=2, overdue=1, due_soon=1, done=1, closed=1)),
        (TOWN, TaskCounts(open=1, overdue=1)),
    ]
    assert district.total == TaskCounts(open=3, overdue=2, due_soon=1, done=1, closed=1)
    subdistrict = selectors.supervision(scope=scopes["officer"], now=NOW)
    assert [(node.code, c) for node, c in subdistrict.children] == [
        (COMMUNITY, TaskCounts(open=1, overdue=1, done=1, closed=1)),
        (SIBLING, TaskCounts(open=1, due_soon=1)),
    ]
    community = selectors.supervision(scope=scopes["worker"], now=NOW)
    assert [(node.code, c.overdue) for node, c in community.children] == [(GRID, 1)]
    with pytest.raises(NotFound):
        selectors.supervision(scope=scopes["officer"], code=TOWN_COMMUNITY, now=NOW)


def test_the_daily_reports_counts(people: People, busy: dict[str, Any], scopes: Scopes) -> None:
    today = timezone.localdate()
    # 张三 (closed), 陈刚 (awaiting decision) and 刘洋 (in the grid, overdue) count for
    # the community; 隔壁王五 is due in three hours.
    assert selectors.verification_counts(scope=scopes["admin"], day=today) == {
        COMMUNITY: TaskCounts(created=3, verified=2, open=1, overdue=1),
        SIBLING: TaskCounts(created=1, open=1),
        TOWN_COMMUNITY: TaskCounts(created=1, open=1, overdue=1),
    }
    by_subdistrict = selectors.verification_counts(scope=scopes["officer"], day=today, width=9)
    assert by_subdistrict == {SUBDISTRICT: TaskCounts(created=4, verified=2, open=2, overdue=1)}
    # Yesterday, nothing existed yet.
    yesterday = today - dt.timedelta(days=1)
    assert selectors.verification_counts(scope=scopes["admin"], day=yesterday) == {}


def test_the_daily_report_reads_a_past_day_as_it_was(
    people: People, push: Push, scopes: Scopes
) -> None:
    push([row("张三", ID_ZHANG), row("刘洋", ID_GRID)], received_at=NOW - dt.timedelta(days=3))
    zhang, liu = _task(people.zhang), _task(people.liu)
    three_days_ago = timezone.localtime(NOW - dt.timedelta(days=3))
    VerificationTask.objects.filter(pk__in=[zhang.pk, liu.pk]).update(created_at=three_days_ago)
    services.task_record(
        scope=scopes["worker"], task=zhang, outcome="found_at_home", measure="reminded"
    )
    day = three_days_ago.date()
    assert selectors.verification_counts(scope=scopes["worker"], day=day) == {
        COMMUNITY: TaskCounts(created=2, verified=0, open=2, overdue=0)
    }
    later = selectors.verification_counts(scope=scopes["worker"], day=day + dt.timedelta(days=2))
    assert later == {COMMUNITY: TaskCounts(created=0, verified=0, open=2, overdue=2)}
    today = selectors.verification_counts(scope=scopes["worker"], day=timezone.localdate())
    assert today == {COMMUNITY: TaskCounts(created=0, verified=1, open=1, overdue=1)}


def test_the_person_file_shows_the_lists_and_the_checks(
    people: People, busy: dict[str, Any], scopes: Scopes
) -> None:
    events = events_for(scope=scopes["worker"], person=people.zhang)
    mine = [(e.title, e.detail) for e in events if e.source == "pushlists"]
    assert mine == [
        ("Checked on the ground: Found at home", "Nucleic acid test arranged · worker人"),
        ("Closed", ""),
        ("Named on push list 旧名单", "省指挥部"),
    ]
    elsewhere = events_for(scope=scopes["sibling"], person=people.zhang)
    assert [e for e in elsewhere if e.source == "pushlists"] == []


def test_recent_checks_of_the_same_person(
    people: People, busy: dict[str, Any], push: Push, scopes: Scopes
) -> None:
    push([row("张三", "", "13812345678", reason="同航班")], name="再次", received_at=NOW)
    again = VerificationTask.objects.get(person=people.zhang, status="open")
    recent = list(selectors.recent_checks(scope=scopes["worker"], task=again, now=NOW))
    assert [(t.outcome, t.measure, t.verified_by_name) for t in recent] == [
        ("found_at_home", "testing", "worker人")
    ]
    assert (
        list(
            selectors.recent_checks(
                scope=scopes["worker"], task=again, now=NOW + dt.timedelta(days=15)
            )
        )
        == []
    )


def test_candidates_are_read_within_the_scope(people: People, push: Push, scopes: Scopes) -> None:
    summary = push([row("", "", "13900001111")])
    entry = PushListEntry.objects.get(push_list_id=summary.push_list_id)
    assert [
        (p.name, c) for p, c in selectors.candidates_of(scope=scopes["admin"], entry=entry)
    ] == [
        ("李梅", 50),
        ("隔壁赵六", 50),
    ]
    assert [p.name for p, _c in selectors.candidates_of(scope=scopes["officer"], entry=entry)] == [
        "李梅",
        "隔壁赵六",
    ]
    assert [p.name for p, _c in selectors.candidates_of(scope=scopes["worker"], entry=entry)] == [
        "李梅"
    ]
