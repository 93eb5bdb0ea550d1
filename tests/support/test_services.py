"""Help requests: created by the resident or by staff, taken, done, cancelled; every
write permission-checked and audited; the counts of the daily report."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.registry import timeline
from fangkong.support import selectors, services
from fangkong.support.models import ServiceRequest
from fangkong.support.selectors import RequestCounts, RequestFilters
from tests.conftest import COMMUNITY, DISTRICT, SIBLING
from tests.world import Side

pytestmark = pytest.mark.django_db
Staff = dict[str, Any]


def test_staff_record_a_request_for_a_person(world: tuple[Side, Side], staff: Staff) -> None:
    mine, _other = world
    user, worker = staff["worker"]
    item = services.request_record(scope=worker, person=mine.person, kind="doctor", text="腿疼")
    item.refresh_from_db()
    assert (item.channel, item.created_by_name, item.status) == ("staff", "王社工", "new")
    assert item.created_by_id == user.pk
    entry = AuditEntry.objects.get(action="support.request.created")
    assert (entry.actor_id, entry.data["channel"]) == (user.pk, "staff")


def test_staff_of_another_community_or_without_the_permission_cannot_record(
    world: tuple[Side, Side], staff: Staff
) -> None:
    mine, _other = world
    with pytest.raises(NotFound):
        services.request_record(
            scope=staff["sibling"][1], person=mine.person, kind="other", text="x x"
        )
    with pytest.raises(PermissionDenied):
        services.request_record(
            scope=staff["viewer"][1], person=mine.person, kind="other", text="xx"
        )
    assert (
        not ServiceRequest.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="support.").exists()
    )


def test_take_then_done(world: tuple[Side, Side], staff: Staff) -> None:
    mine, _other = world
    item = services.request_submit(person=mine.person, kind="groceries", text="米和菜")
    worker_user, worker = staff["worker"]
    services.request_take(scope=worker, request=item)
    item.refresh_from_db()
    assert (item.status, item.taken_by_id, item.taken_by_name) == (
        "taken",
        worker_user.pk,
        "王社工",
    )
    with pytest.raises(ApplicationError):
        services.request_take(scope=staff["officer"][1], request=item)  # already taken
    with pytest.raises(ApplicationError) as short:
        services.request_done(scope=worker, request=item, note=" ")
    assert [e.field for e in short.value.errors] == ["note"]
    services.request_done(scope=staff["officer"][1], request=item, note="已送到门口")
    item.refresh_from_db()
    assert (item.status, item.note, item.closed_by_name) == ("done", "已送到门口", "街道干部")
    assert item.taken_by_name == "王社工"  # who took it stays
    with pytest.raises(ApplicationError):
        services.request_cancel(scope=worker, request=item, reason="重复")
    assert list(
        AuditEntry.objects.filter(action__startswith="support.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["support.request.created", "support.request.taken", "support.request.done"]


def test_done_straight_from_new_records_who_took_it(world: tuple[Side, Side], staff: Staff) -> None:
    mine, _other = world
    item = services.request_submit(person=mine.person, kind="medicine", text="退烧药")
    services.request_done(scope=staff["worker"][1], request=item, note="已送药")
    item.refresh_from_db()
    assert (item.status, item.taken_by_name, item.closed_by_name) == ("done", "王社工", "王社工")
    assert item.taken_at == item.closed_at


def test_cancel_needs_a_reason_and_the_permission(world: tuple[Side, Side], staff: Staff) -> None:
    mine, _other = world
    item = services.request_submit(person=mine.person, kind="other", text="帮忙取快递")
    with pytest.raises(PermissionDenied):
        services.request_cancel(scope=staff["viewer"][1], request=item, reason="重复提交")
    with pytest.raises(NotFound):
        services.request_cancel(scope=staff["sibling"][1], request=item, reason="重复提交")
    with pytest.raises(ApplicationError) as missing:
        services.request_cancel(scope=staff["worker"][1], request=item, reason="")
    assert [e.field for e in missing.value.errors] == ["reason"]
    services.request_cancel(scope=staff["worker"][1], request=item, reason="重复提交")
    item.refresh_from_db()
    assert (item.status, item.note, item.is_withdrawn) == ("cancelled", "重复提交", False)
    assert AuditEntry.objects.get(action="support.request.cancelled").reason == "重复提交"


def test_a_moved_out_person_cannot_ask(world: tuple[Side, Side]) -> None:
    mine, _other = world
    mine.person.status = "moved_out"
    with pytest.raises(ApplicationError):
        services.request_submit(person=mine.person, kind="other", text="帮帮忙")


def test_the_queue_is_scoped_filtered_and_ordered(world: tuple[Side, Side], staff: Staff) -> None:
    mine, other = world
    first = services.request_submit(person=mine.person, kind="medicine", text="买药")
    second = services.request_submit(person=mine.housemate, kind="groceries", text="菜菜")
    services.request_submit(person=other.person, kind="medicine", text="隔壁的药")
    done = services.request_submit(person=mine.person, kind="doctor", text="看病")
    services.request_done(scope=staff["worker"][1], request=done, note="医生已上门")
    worker = staff["worker"][1]
    assert list(selectors.queue(scope=worker)) == [first, second]  # open, oldest first
    assert list(selectors.queue(scope=worker, filters=RequestFilters(status="all"))) == [
        done,
        second,
        first,
    ]
    assert list(selectors.queue(scope=worker, filters=RequestFilters(kind="groceries"))) == [second]
    assert list(selectors.queue(scope=worker, filters=RequestFilters(query="李"))) == [second]
    assert list(selectors.queue(scope=worker, filters=RequestFilters(status="done"))) == [done]
    officer = staff["officer"][1]
    assert selectors.queue(scope=officer).count() == 3
    assert list(selectors.queue(scope=officer, filters=RequestFilters(jurisdiction=SIBLING))) == [
        ServiceRequest.objects.get(text="隔壁的药")
    ]
    with pytest.raises(NotFound):
        selectors.request_get(scope=staff["sibling"][1], pk=first.pk)


def test_counts_for_the_daily_report(world: tuple[Side, Side], staff: Staff) -> None:
    mine, other = world
    worker = staff["worker"][1]
    now = timezone.now()
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    old_open = services.request_submit(person=mine.person, kind="medicine", text="昨天的药")
    old_done_today = services.request_submit(person=mine.person, kind="groceries", text="昨天的菜")
    services.request_done(scope=worker, request=old_done_today, note="送到了")
    ServiceRequest.objects.filter(pk__in=[old_open.pk, old_done_today.pk]).update(
        created_at=now - dt.timedelta(days=1)
    )
    new_done = services.request_submit(person=mine.housemate, kind="doctor", text="今天看病")
    services.request_done(scope=worker, request=new_done, note="已看")
    services.request_submit(person=mine.housemate, kind="other", text="今天的事")
    cancelled = services.request_submit(person=mine.person, kind="other", text="取消的")
    services.request_cancel(scope=worker, request=cancelled, reason="不需要了")
    services.request_submit(person=other.person, kind="other", text="隔壁今天")
    system = staff["officer"][1]
    assert selectors.counts(scope=system, code=COMMUNITY, day=today) == RequestCounts(
        new=3, done=2, open=2
    )
    assert selectors.counts(scope=system, code=SIBLING, day=today) == RequestCounts(1, 0, 1)
    assert selectors.counts(scope=system, code=DISTRICT[:6], day=today) == RequestCounts(4, 2, 3)
    # Yesterday: two asked, both still open at its end.
    assert selectors.counts(scope=system, code=COMMUNITY, day=yesterday) == RequestCounts(2, 0, 2)
    # The sibling's worker counts nothing of ours.
    assert selectors.counts(scope=staff["sibling"][1], code=COMMUNITY, day=today) == (
        RequestCounts(0, 0, 0)
    )


def test_the_person_file_shows_the_requests(world: tuple[Side, Side], staff: Staff) -> None:
    mine, _other = world
    item = services.request_submit(person=mine.person, kind="medicine", text="降压药")
    services.request_take(scope=staff["worker"][1], request=item)
    services.request_done(scope=staff["worker"][1], request=item, note="已送达")
    with translation.override("en"):
        events = [
            e
            for e in timeline.events_for(scope=staff["worker"][1], person=mine.person)
            if e.source == "support"
        ]
        assert events[0].source_label == "Help requests"
    assert [(e.title, e.detail, e.level) for e in events] == [
        ("Help given: Medicine", "已送达 · 王社工", "success"),
        ("Help request taken: Medicine", "王社工", "info"),
        ("Asked for help: Medicine", "降压药", "warning"),
    ]
    assert {e.url for e in events} == {f"/support/{item.pk}/"}
    sibling = timeline.events_for(scope=staff["sibling"][1], person=mine.person)
    assert [e for e in sibling if e.source == "support"] == []
