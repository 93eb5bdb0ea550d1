"""Proposals from real triggers, approval by a second person, notices, tests, release,
ending early, extension and handover."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.control.models import (
    Alert,
    ControlOrder,
    ControlZone,
    OrderEvent,
    OrderPhase,
    OrderTest,
)
from fangkong.control.orders import selectors, services
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, SIBLING, TOWN_COMMUNITY

from .conftest import Control, arrival, close_contact_task, manual, negative_all

pytestmark = pytest.mark.usefixtures("english")


def _events(order: ControlOrder) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order).order_by("at", "id").values_list("kind", flat=True)
    )


# --- Proposals -------------------------------------------------------------------------------


def test_manual_order_follows_the_policy_in_force(control: Control) -> None:
    order = manual(control, days_ago=2)
    order.refresh_from_db()
    assert order.status == "proposed"
    assert order.policy_id == control.policy.pk and order.policy_version == 1
    assert order.legal_basis.endswith(
        "《新型冠状病毒肺炎防控方案（第九版）》（联防联控机制综发〔2022〕71号）"
    )
    assert order.release_rule == {"tests": "all_negative"}
    assert (order.starts_on, order.ends_on) == (
        control.today - dt.timedelta(days=2),
        control.today + dt.timedelta(days=4),
    )
    assert order.proposed_by_name == "张晓燕"
    assert order.jurisdiction_code == COMMUNITY and order.household_id == control.zhang.household_id
    assert list(
        OrderPhase.objects.filter(order=order).values_list("measure", "jurisdiction_code")
    ) == [("home_monitoring", COMMUNITY)]
    assert _events(order) == ["proposed"]
    assert (
        AuditEntry.objects.filter(action="control.order.proposed", object_id=str(order.pk)).count()
        == 1
    )


@pytest.mark.parametrize("reason", ["", "  ", "太近了"])
def test_manual_order_needs_a_written_reason(control: Control, reason: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        manual(control, reason=reason)
    assert caught.value.errors[0].field == "reason"
    assert "at least 5 characters" in caught.value.message
    assert not ControlOrder.objects.exists()


def test_a_trigger_needs_its_record(control: Control) -> None:
    with pytest.raises(ApplicationError) as caught:
        services.order_propose(
            scope=control.worker_scope,
            person=control.zhang,
            trigger="close_contact",
            trigger_date=control.today,
            reason="听说是密接",
        )
    assert caught.value.errors[0].field == "trigger_ref"
    assert not ControlOrder.objects.exists()


def test_an_arrival_report_verified_and_classified_high(control: Control) -> None:
    report = arrival(control, control.zhang, classification="high")
    order = services.order_propose(
        scope=control.worker_scope,
        person=control.zhang,
        trigger="arrival_high",
        trigger_date=report.arrival_date,
        trigger_ref=f"arrivals.arrivalreport:{report.pk}",
    )
    assert (
        order.reason
        == f"Arrival report {report.receipt}: from 上海市黄浦区 on {report.arrival_date}"
    )
    assert [(p.measure, p.test_days) for p in OrderPhase.objects.filter(order=order)] == [
        ("central", [1, 2, 3, 5, 7])
    ]


@pytest.mark.parametrize(
    ("classification", "status", "trigger", "problem"),
    [
        ("medium", "verified", "arrival_high", "not classified as this trigger says"),
        ("high", "waiting", "arrival_high", "not verified yet"),
        ("high", "verified", "close_contact", "cannot stand behind this trigger"),
    ],
)
def test_an_arrival_report_that_does_not_match_is_refused(
    control: Control, classification: str, status: str, trigger: str, problem: str
) -> None:
    report = arrival(control, control.zhang, classification=classification, status=status)
    with pytest.raises(ApplicationError) as caught:
        services.order_propose(
            scope=control.worker_scope,
            person=control.zhang,
            trigger=trigger,
            trigger_date=report.arrival_date,
            trigger_ref=f"arrivals.arrivalreport:{report.pk}",
        )
    assert problem in caught.value.message
    assert not ControlOrder.objects.exists()


def test_a_record_about_someone_else_is_refused(control: Control) -> None:
    report = arrival(control, control.li, classification="high")
    with pytest.raises(ApplicationError) as caught:
        services.order_propose(
            scope=control.worker_scope,
            person=control.zhang,
            trigger="arrival_high",
            trigger_date=report.arrival_date,
            trigger_ref=f"arrivals.arrivalreport:{report.pk}",
        )
    assert caught.value.message == "The record is about someone else."


def test_a_push_list_check_needs_an_outcome(control: Control) -> None:
    unchecked = close_contact_task(control, control.zhang, outcome="")
    with pytest.raises(ApplicationError) as caught:
        services.order_propose(
            scope=control.worker_scope,
            person=control.zhang,
            trigger="close_contact",
            trigger_date=control.today,
            trigger_ref=f"pushlists.verificationtask:{unchecked.pk}",
        )
    assert caught.value.message == "The push-list check has not found the person here."
    checked = close_contact_task(control, control.li)
    order = services.order_propose(
        scope=control.worker_scope,
        person=control.li,
        trigger="close_contact",
        trigger_date=control.today,
        trigger_ref=f"pushlists.verificationtask:{checked.pk}",
    )
    assert [p.measure for p in OrderPhase.objects.filter(order=order)] == [
        "central",
        "home_monitoring",
    ]


def test_a_trigger_missing_from_the_policy_cannot_be_proposed(
    control: Control, system_scope: Scope
) -> None:
    services.policy_install(
        scope=system_scope,
        preset="twenty_measures",
        effective_from=control.today - dt.timedelta(days=3),
        district="410106",
    )
    task = close_contact_task(control, control.zhang)
    with pytest.raises(ApplicationError) as caught:
        services.order_propose(
            scope=control.worker_scope,
            person=control.zhang,
            trigger="secondary_contact",
            trigger_date=control.today,
            trigger_ref=f"pushlists.verificationtask:{task.pk}",
        )
    assert caught.value.message == (
        "The policy in force (进一步优化防控措施二十条（2022年11月）) has no measure for "
        "“Secondary contact”."
    )
    # Four days ago, the ninth edition was in force: it has secondary contacts.
    order = services.order_propose(
        scope=control.worker_scope,
        person=control.zhang,
        trigger="secondary_contact",
        trigger_date=control.today - dt.timedelta(days=4),
        trigger_ref=f"pushlists.verificationtask:{task.pk}",
    )
    assert order.policy_id == control.policy.pk


def test_no_policy_in_force(control: Control) -> None:
    with pytest.raises(ApplicationError) as caught:
        manual(control, days_ago=61)
    assert caught.value.errors[0].field == "trigger_date"


def test_one_open_order_per_person(control: Control) -> None:
    first = manual(control)
    with pytest.raises(services.OpenOrderExists) as caught:
        manual(control, reason="第二次提议，另一原因")
    assert caught.value.order.pk == first.pk
    assert "张三 already has an order Proposed, awaiting approval" in caught.value.message
    # The database says the same when the service is bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        ControlOrder.objects.create(
            person=control.zhang,
            jurisdiction_code=COMMUNITY,
            community_code=COMMUNITY,
            trigger="manual",
            trigger_date=control.today,
            reason="绕过服务层",
            policy=control.policy,
            policy_version=1,
            legal_basis="x",
            starts_on=control.today,
            ends_on=control.today,
            proposed_at=first.proposed_at,
        )


def test_proposing_is_scoped(control: Control, scope_of: Any, make_user: Any) -> None:
    sibling = scope_of(make_user("community_worker", SIBLING))
    with pytest.raises(NotFound):
        services.order_propose(
            scope=sibling,
            person=control.zhang,
            trigger="manual",
            trigger_date=control.today,
            reason="跨社区提议不可以",
        )
    viewer = scope_of(make_user("community_viewer", COMMUNITY))
    with pytest.raises(PermissionDenied):
        services.order_propose(
            scope=viewer,
            person=control.zhang,
            trigger="manual",
            trigger_date=control.today,
            reason="只读账号不可以",
        )


def test_sealed_zone_orders_for_every_resident(control: Control, system_scope: Scope) -> None:
    zone = ControlZone.objects.create(
        jurisdiction_code=COMMUNITY,
        kind="sealed",
        compound=control.mine.compound,
        starts_on=control.today - dt.timedelta(days=1),
        reason="出现阳性病例",
        created_at=dt.datetime.now(dt.UTC),
    )
    manual(control, person=control.li)
    result = services.zone_propose(scope=control.worker_scope, zone=zone)
    assert [o.person_id for o in result.proposed] == [control.zhang.pk]
    assert [(p.pk, m[:12]) for p, m in result.skipped] == [(control.li.pk, "李梅 already h")]
    order = result.proposed[0]
    assert (order.trigger, order.trigger_ref, order.status) == (
        "sealed_zone",
        f"control.controlzone:{zone.pk}",
        "proposed",
    )
    assert order.reason.startswith("Resident of the sealed zone 金华小区")
    zone.status = "lifted"
    zone.lifted_at = dt.datetime.now(dt.UTC)
    zone.lifted_by_name = "王建华"
    zone.save()
    with pytest.raises(ApplicationError):
        services.zone_propose(scope=control.worker_scope, zone=zone)


# --- Approval by a second person -------------------------------------------------------------


def test_nobody_approves_their_own_proposal(control: Control) -> None:
    order = services.order_propose(
        scope=control.officer_scope,
        person=control.zhang,
        trigger="manual",
        trigger_date=control.today,
        reason="街道干部自己提议",
    )
    with pytest.raises(ApplicationError) as caught:
        services.order_approve(scope=control.officer_scope, order=order)
    assert (
        caught.value.message
        == "An order is decided by someone other than the person who proposed it."
    )
    with pytest.raises(ApplicationError):
        services.order_reject(scope=control.officer_scope, order=order, reason="自己驳回")
    order.refresh_from_db()
    assert order.status == "proposed" and order.notice_no is None
    # And the database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        ControlOrder.objects.filter(pk=order.pk).update(
            decided_by_id=control.officer.pk, status="rejected"
        )
    approved = services.order_approve(scope=control.officer2_scope, order=order)
    assert approved.decided_by_name == "赵国强"


def test_a_community_worker_cannot_approve(control: Control) -> None:
    order = manual(control)
    with pytest.raises(PermissionDenied):
        services.order_approve(scope=control.worker_scope, order=order)


def test_approval_numbers_the_notice_and_schedules_tests(control: Control) -> None:
    task = close_contact_task(control, control.zhang)
    order = services.order_propose(
        scope=control.worker_scope,
        person=control.zhang,
        trigger="close_contact",
        trigger_date=control.today - dt.timedelta(days=1),
        trigger_ref=f"pushlists.verificationtask:{task.pk}",
    )
    other = manual(control, person=control.li)
    services.order_approve(scope=control.officer_scope, order=order)
    services.order_approve(scope=control.officer_scope, order=other)
    order.refresh_from_db()
    other.refresh_from_db()
    assert order.decided_at is not None
    day = timezone.localdate(order.decided_at).strftime("%Y%m%d")
    assert order.notice_no == f"410106-{day}-0001"
    assert other.notice_no == order.notice_no[:-4] + "0002"
    start = control.today - dt.timedelta(days=1)
    assert list(OrderTest.objects.filter(order=order).values_list("due_on", "place", "status")) == [
        (start + dt.timedelta(days=d - 1), "site", "scheduled") for d in (1, 2, 3, 5, 7)
    ] + [(start + dt.timedelta(days=9), "door", "scheduled")]
    assert _events(order) == ["proposed", "approved"]
    assert OrderEvent.objects.get(order=order, kind="approved").data == {
        "notice_no": order.notice_no,
        "tests": 6,
    }


def test_reject_needs_a_reason(control: Control) -> None:
    order = manual(control)
    with pytest.raises(ApplicationError):
        services.order_reject(scope=control.officer_scope, order=order, reason="")
    services.order_reject(scope=control.officer_scope, order=order, reason="无流调依据")
    order.refresh_from_db()
    assert (order.status, order.decision_note, order.notice_no) == ("rejected", "无流调依据", None)
    manual(control)  # a rejected order is not open: the person may get a new proposal


def test_bulk_approval_each_by_a_second_person(control: Control) -> None:
    mine = manual(control)
    own = services.order_propose(
        scope=control.officer_scope,
        person=control.li,
        trigger="manual",
        trigger_date=control.today,
        reason="街道干部自己提议",
    )
    result = services.orders_approve(
        scope=control.officer_scope, order_ids=[mine.pk, own.pk, 999999]
    )
    assert [o.pk for o in result.approved] == [mine.pk]
    assert [pk for pk, _ in result.refused] == [own.pk, 999999]


# --- Tests during the order -----------------------------------------------------------------


def _active_close_contact(control: Control, days_ago: int) -> ControlOrder:
    task = close_contact_task(control, control.zhang)
    order = services.order_propose(
        scope=control.worker_scope,
        person=control.zhang,
        trigger="close_contact",
        trigger_date=control.today - dt.timedelta(days=days_ago),
        trigger_ref=f"pushlists.verificationtask:{task.pk}",
    )
    return services.order_approve(scope=control.officer_scope, order=order)


def test_a_positive_test_raises_an_alert(control: Control) -> None:
    order = _active_close_contact(control, 3)
    first = OrderTest.objects.filter(order=order).order_by("due_on").first()
    assert first is not None
    services.test_record(scope=control.worker_scope, test=first, result="positive")
    alert = Alert.objects.get()
    assert (
        alert.kind,
        alert.jurisdiction_code,
        alert.order_id,
        alert.person_id,
        alert.source_ref,
    ) == (
        "positive",
        COMMUNITY,
        order.pk,
        control.zhang.pk,
        f"control.ordertest:{first.pk}",
    )
    assert _events(order)[-1] == "test"
    with pytest.raises(ApplicationError):
        services.test_record(scope=control.worker_scope, test=first, result="negative")
    future = OrderTest.objects.filter(order=order).order_by("-due_on").first()
    assert future is not None
    with pytest.raises(ApplicationError) as caught:
        services.test_record(scope=control.worker_scope, test=future, result="negative")
    assert caught.value.message == "This test is not due yet."


# --- Release, end, extend, hand over -------------------------------------------------------------


def _negative_all(control: Control, order: ControlOrder) -> None:
    for test in OrderTest.objects.filter(order=order):
        services.test_record(scope=control.worker_scope, test=test, result="negative")


def test_release_when_due_and_negative(
    control: Control, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    order = _active_close_contact(control, 10)  # 7+3 days: ended yesterday
    assert order.ends_on == control.today - dt.timedelta(days=1)
    first = OrderTest.objects.filter(order=order).order_by("due_on").first()
    assert first is not None
    services.test_record(scope=control.worker_scope, test=first, result="missed")
    assert list(selectors.due_for_release(scope=control.officer_scope, today=control.today)) == []
    with pytest.raises(ApplicationError) as caught:
        services.order_release(scope=control.officer_scope, order=order)
    assert caught.value.message.startswith("The tests do not allow release yet")
    OrderTest.objects.filter(pk=first.pk).update(status="scheduled")
    _negative_all(control, order)
    assert [
        o.pk for o in selectors.due_for_release(scope=control.officer_scope, today=control.today)
    ] == [order.pk]
    with django_capture_on_commit_callbacks(execute=True):
        services.order_release(scope=control.officer_scope, order=order)
    order.refresh_from_db()
    assert (order.status, order.end_kind, order.ended_by_name) == ("released", "released", "王建华")
    assert _events(order)[-2:] == ["released", "notified"]
    notified = OrderEvent.objects.get(order=order, kind="notified")
    assert notified.data["sent"] == ["person"] and notified.data["ok"] is True
    outbox = Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"
    line = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])
    assert line["phone"] == "13812345678"
    assert order.notice_no in line["text"]
    # The resident's text is in the message log, sent, once.
    from fangkong.messaging.models import MessageLog

    message = MessageLog.objects.get(kind="control.release")
    assert (message.person_id, message.status, message.text) == (
        control.zhang.pk,
        "sent",
        line["text"],
    )


def test_release_is_not_blocked_by_the_sms_gateway(
    control: Control, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.FANGKONG_SMS_BACKEND = "http"
    settings.FANGKONG_SMS_HTTP_URL = ""
    order = manual(control, days_ago=8)
    services.order_approve(scope=control.officer_scope, order=order)
    negative_all(control, order)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_release(scope=control.officer_scope, order=order)
    order.refresh_from_db()
    assert order.status == "released"
    notified = OrderEvent.objects.get(order=order, kind="notified")
    assert notified.data["ok"] is False and notified.data["sent"] == []
    assert "FANGKONG_SMS_HTTP_URL is not set" in notified.reason


def test_release_not_before_the_days_are_served(control: Control) -> None:
    order = manual(control, days_ago=6)  # 7 days: today is the last
    services.order_approve(scope=control.officer_scope, order=order)
    with pytest.raises(ApplicationError) as caught:
        services.order_release(scope=control.officer_scope, order=order)
    assert caught.value.message == (
        f"The order runs until {control.today.isoformat()}; it can be released from the day after."
    )


def test_end_early_needs_a_reason_and_where(control: Control) -> None:
    order = _active_close_contact(control, 2)
    with pytest.raises(ApplicationError):
        services.order_end(scope=control.officer_scope, order=order, kind="hospital", reason="")
    with pytest.raises(ApplicationError) as caught:
        services.order_end(
            scope=control.officer_scope, order=order, kind="handover", reason="返回原籍"
        )
    assert caught.value.errors[0].field == "handed_to"
    services.order_end(
        scope=control.officer_scope,
        order=order,
        kind="handover",
        reason="返回原籍隔离",
        handed_to="郑州市金水区",
    )
    order.refresh_from_db()
    assert (order.status, order.end_kind, order.handed_to) == ("ended", "handover", "郑州市金水区")
    assert set(OrderTest.objects.filter(order=order).values_list("status", flat=True)) == {
        "cancelled"
    }


def test_extend_moves_the_last_phase(control: Control) -> None:
    order = _active_close_contact(control, 2)
    before = order.ends_on
    services.order_extend(scope=control.officer_scope, order=order, days=3, reason="第5天核酸漏检")
    order.refresh_from_db()
    last = OrderPhase.objects.filter(order=order).order_by("-position").first()
    assert last is not None
    assert order.ends_on == last.ends_on == before + dt.timedelta(days=3)
    assert OrderTest.objects.filter(order=order, due_on=order.ends_on).exists()
    with pytest.raises(ApplicationError):
        services.order_extend(scope=control.officer_scope, order=order, days=31, reason="太久")


def test_handover_inside_the_district_moves_codes_and_keeps_history(
    control: Control, scope_of: Any, make_user: Any
) -> None:
    order = _active_close_contact(control, 2)
    services.order_handover(
        scope=control.officer_scope, order=order, to_code=TOWN_COMMUNITY, reason="搬到金昌社区居住"
    )
    order.refresh_from_db()
    assert (order.jurisdiction_code, order.community_code) == (TOWN_COMMUNITY, TOWN_COMMUNITY)
    assert set(
        OrderPhase.objects.filter(order=order).values_list("jurisdiction_code", flat=True)
    ) == {TOWN_COMMUNITY}
    assert set(
        OrderTest.objects.filter(order=order).values_list("jurisdiction_code", flat=True)
    ) == {TOWN_COMMUNITY}
    assert _events(order) == ["proposed", "approved", "handed_over"]
    town_worker = scope_of(make_user("community_worker", TOWN_COMMUNITY))
    assert selectors.order_get(scope=town_worker, pk=order.pk).pk == order.pk
    with pytest.raises(NotFound):
        selectors.order_get(scope=control.worker_scope, pk=order.pk)
    with pytest.raises(ApplicationError):
        services.order_handover(
            scope=control.officer2_scope, order=order, to_code="410107001001", reason="区外"
        )


def test_notice_numbers_do_not_collide(control: Control, system_scope: Scope) -> None:
    """Concurrency is exercised on PostgreSQL in test_concurrency; here the sequence."""
    from fangkong.control.orders.services import _notice_no

    day = dt.date(2026, 12, 4)
    assert _notice_no("410106", day) == "410106-20261204-0001"
    order = manual(control)
    ControlOrder.objects.filter(pk=order.pk).update(notice_no="410106-20261204-0007")
    assert _notice_no("410106", day) == "410106-20261204-0008"
    assert _notice_no("410106", day + dt.timedelta(days=1)) == "410106-20261205-0001"


# --- Correcting a recorded result -------------------------------------------------------------


def _recorded(control: Control, result: str) -> tuple[ControlOrder, OrderTest]:
    order = _active_close_contact(control, 3)
    first = OrderTest.objects.filter(order=order).order_by("due_on").first()
    assert first is not None
    services.test_record(scope=control.worker_scope, test=first, result=result)
    return order, first


def test_a_recorded_result_is_corrected_with_its_reason(control: Control) -> None:
    order, test = _recorded(control, "missed")
    corrected = services.test_correct(
        scope=control.officer_scope, test=test, result="negative", reason="  采样点补录 结果  "
    )
    test.refresh_from_db()
    assert (test.status, test.recorded_by_name, test.sampled_at is not None) == (
        "negative",
        control.officer.full_name,
        True,
    )
    assert corrected.status == "negative"
    event = OrderEvent.objects.filter(order=order, kind="test").order_by("id").last()
    assert event is not None
    assert (event.reason, event.actor_id, event.data) == (
        "采样点补录 结果",
        control.officer.pk,
        {
            "test": test.pk,
            "due_on": test.due_on.isoformat(),
            "result": "negative",
            "previous": "missed",
            "corrected": True,
        },
    )
    entry = AuditEntry.objects.get(action="control.test.corrected")
    assert (entry.object_id, entry.reason, entry.data) == (
        str(test.pk),
        "采样点补录 结果",
        {"previous": "missed", "result": "negative"},
    )
    assert not Alert.objects.exists()


def test_a_correction_needs_a_reason_a_result_and_an_order_in_force(control: Control) -> None:
    order, test = _recorded(control, "negative")
    with pytest.raises(ApplicationError) as caught:
        services.test_correct(scope=control.worker_scope, test=test, result="positive", reason="错")
    assert (caught.value.errors[0].field, caught.value.message) == (
        "reason",
        "Say why the result is corrected (at least 5 characters).",
    )
    with pytest.raises(ApplicationError) as caught:
        services.test_correct(
            scope=control.worker_scope, test=test, result="negative", reason="录入时点错了"
        )
    assert caught.value.message == "The test has this result already."
    scheduled = OrderTest.objects.filter(order=order, status="scheduled").first()
    assert scheduled is not None
    with pytest.raises(ApplicationError) as caught:
        services.test_correct(
            scope=control.worker_scope, test=scheduled, result="negative", reason="录入时点错了"
        )
    assert caught.value.message == "This test has no result yet: record it instead."
    ControlOrder.objects.filter(pk=order.pk).update(
        status="released", end_kind="released", ended_at=timezone.now()
    )
    with pytest.raises(ApplicationError) as caught:
        services.test_correct(
            scope=control.worker_scope, test=test, result="positive", reason="录入时点错了"
        )
    assert caught.value.message == "The order is not in force."
    test.refresh_from_db()
    assert test.status == "negative"
    assert not AuditEntry.objects.filter(action="control.test.corrected").exists()


def test_a_correction_to_positive_raises_the_alert_and_back_leaves_it_open(
    control: Control,
) -> None:
    order, test = _recorded(control, "negative")
    services.test_correct(
        scope=control.worker_scope, test=test, result="positive", reason="检测机构复核为阳性"
    )
    alert = Alert.objects.get()
    assert (alert.kind, alert.status, alert.order_id, alert.person_id, alert.source_ref) == (
        "positive",
        "open",
        order.pk,
        control.zhang.pk,
        f"control.ordertest:{test.pk}",
    )
    services.test_correct(
        scope=control.worker_scope, test=test, result="negative", reason="复核为阴性，录错了"
    )
    services.test_correct(
        scope=control.worker_scope, test=test, result="positive", reason="第三次复核仍为阳性"
    )
    assert list(Alert.objects.values_list("pk", "status")) == [(alert.pk, "open")]
    assert [
        (e["previous"], e["result"])
        for e in OrderEvent.objects.filter(order=order, kind="test", data__corrected=True)
        .order_by("id")
        .values_list("data", flat=True)
    ] == [("negative", "positive"), ("positive", "negative"), ("negative", "positive")]


def test_a_correction_outside_the_order_s_community_is_not_found(
    control: Control, scope_of: Any, make_user: Any
) -> None:
    _order, test = _recorded(control, "negative")
    sibling_scope = scope_of(make_user("community_worker", SIBLING))
    with pytest.raises(NotFound):
        services.test_correct(
            scope=sibling_scope, test=test, result="positive", reason="录入时点错了"
        )
