"""The day's follow-ups: made set-based and idempotently, recorded on the quick form,
fever and symptoms raise an alert and a transfer, missed slots become overdue and
their alerts climb with a controlled clock."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fangkong.control.care import selectors, services
from fangkong.control.models import Alert, FollowUp, Measure, TransferTask
from fangkong.core.errors import ApplicationError, PermissionDenied
from fangkong.registry import services as registry_services
from tests.conftest import COMMUNITY, SIBLING

from .conftest import CareWorld, home_phases

TZ = timezone.get_current_timezone()


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def test_generate_makes_two_slots_per_followed_order_and_is_idempotent(
    care: CareWorld, today: dt.date
) -> None:
    zhang = care.make_order(care.mine.person)  # home quarantine today
    wang = care.make_order(care.other.person, [(Measure.CENTRAL_QUARANTINE, today, today)])
    # Self monitoring is not followed; a released order is not in force; a phase that
    # ends yesterday is over.
    care.make_order(care.mine.housemate, [(Measure.SELF_MONITORING, today, today)])
    extra = registry_services.person_create(
        scope=_system(), household=care.mine.household, name="张小"
    )
    care.make_order(extra, home_phases(today), status="released")
    assert services.generate_followups(day=today) == 4
    rows = FollowUp.objects.order_by("order_id", "slot").values_list(
        "order_id", "slot", "measure", "status", "jurisdiction_code"
    )
    assert list(rows) == [
        (zhang.pk, 1, "home", "due", COMMUNITY),
        (zhang.pk, 2, "home", "due", COMMUNITY),
        (wang.pk, 1, "central", "due", SIBLING),
        (wang.pk, 2, "central", "due", SIBLING),
    ]
    assert services.generate_followups(day=today) == 0
    assert FollowUp.objects.count() == 4
    # The monitoring phase starts later: that day's rows carry its measure.
    later = today + dt.timedelta(days=6)
    assert services.generate_followups(day=later, code=COMMUNITY) == 2
    assert set(FollowUp.objects.filter(day=later).values_list("measure", flat=True)) == {
        "home_monitoring"
    }


def test_three_slots_by_setting(care: CareWorld, today: dt.date, settings: Any) -> None:
    settings.FANGKONG_FOLLOWUP_SLOTS = 3
    care.make_order(care.mine.person)
    assert services.generate_followups(day=today) == 3
    assert sorted(FollowUp.objects.values_list("slot", flat=True)) == [1, 2, 3]


def _system() -> Any:
    from fangkong.core.scope import Scope

    return Scope.system(reason="tests")


def test_recording_a_normal_temperature_raises_nothing(
    care: CareWorld, today: dt.date, make_user: Any, scope_of: Any
) -> None:
    care.make_order(care.mine.person)
    services.generate_followups(day=today)
    worker = scope_of(make_user("grid_worker", COMMUNITY, full_name="刘网格"))
    slot = FollowUp.objects.get(slot=1)
    done = services.followup_record(
        scope=worker,
        followup=slot,
        temperature="36.6",
        symptoms=[],
        services=["temperature", "garbage"],
        reported_by=care.mine.person,
    )
    done.refresh_from_db()
    assert (done.status, done.temperature, done.recorded_by_name) == (
        "done",
        Decimal("36.6"),
        "刘网格",
    )
    assert done.services == {
        "temperature": True,
        "shopping": False,
        "garbage": True,
        "disinfection": False,
    }
    assert done.reported_by_person_id == care.mine.person.pk
    assert Alert.objects.count() == 0
    with pytest.raises(ApplicationError, match="该次随访已登记"):
        services.followup_record(scope=worker, followup=slot, temperature="36.6")


def test_fever_raises_an_alert_a_transfer_and_tells_the_team(
    care: CareWorld,
    today: dt.date,
    make_user: Any,
    scope_of: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.VAR_DIR = tmp_path
    order = care.make_order(care.mine.person)
    officer = scope_of(make_user("community_worker", COMMUNITY))
    team = services.team_create(
        scope=officer, jurisdiction_code=COMMUNITY, name="一号专班", phone="03716000001"
    )
    services.member_add(scope=officer, team=team, role="doctor", name="王医生", phone="13700000001")
    services.team_assign(scope=officer, team=team, order=order)
    services.generate_followups(day=today)
    slot = FollowUp.objects.get(slot=1)
    assert slot.care_team_id == team.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.followup_record(
            scope=officer, followup=slot, temperature=Decimal("38.2"), symptoms=["cough"]
        )
    alert = Alert.objects.get()
    assert (alert.kind, alert.level, alert.status, alert.person_id, alert.jurisdiction_code) == (
        "fever",
        1,
        "open",
        care.mine.person.pk,
        COMMUNITY,
    )
    assert alert.source_ref == f"control.followup:{slot.pk}"
    transfer = TransferTask.objects.get()
    assert (transfer.alert_id, transfer.destination, transfer.status) == (
        alert.pk,
        "发热门诊",
        "open",
    )
    sent = [
        json.loads(line) for line in (tmp_path / "sms" / "outbox.jsonl").read_text().splitlines()
    ]
    assert [m["phone"] for m in sent] == ["03716000001", "13700000001"]
    assert "张三" in sent[0]["text"] and sent[0]["purpose"] == "control.alert"
    services.transfer_done(scope=officer, transfer=transfer, note="已送区人民医院")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.note) == ("done", "已送区人民医院")


def test_symptoms_alone_raise_a_symptoms_alert(
    care: CareWorld, today: dt.date, make_user: Any, scope_of: Any
) -> None:
    care.make_order(care.mine.person)
    services.generate_followups(day=today)
    worker = scope_of(make_user("grid_worker", COMMUNITY))
    services.followup_record(
        scope=worker,
        followup=FollowUp.objects.get(slot=2),
        temperature="36.9",
        symptoms=["taste_smell"],
    )
    assert list(Alert.objects.values_list("kind", flat=True)) == ["symptoms"]
    assert TransferTask.objects.count() == 1


def test_the_form_refuses_what_it_must(
    care: CareWorld, today: dt.date, make_user: Any, scope_of: Any
) -> None:
    care.make_order(care.mine.person)
    services.generate_followups(day=today)
    slot = FollowUp.objects.get(slot=1)
    worker = scope_of(make_user("grid_worker", COMMUNITY))
    viewer = scope_of(make_user("community_viewer", COMMUNITY))
    with pytest.raises(PermissionDenied):
        services.followup_record(scope=viewer, followup=slot, temperature="36.5")
    for bad in ("", "45", "abc"):
        with pytest.raises(ApplicationError) as caught:
            services.followup_record(scope=worker, followup=slot, temperature=bad)
        assert caught.value.errors[0].field == "temperature"
    with pytest.raises(ApplicationError) as caught:
        services.followup_record(
            scope=worker, followup=slot, temperature="36.5", reported_by=care.other.person
        )
    assert caught.value.errors[0].field == "reported_by"
    slot.refresh_from_db()
    assert slot.status == "due"


def test_missed_slots_become_overdue_and_alerts_climb(
    care: CareWorld, today: dt.date, make_user: Any, scope_of: Any, settings: Any
) -> None:
    settings.FANGKONG_ALERT_ESCALATE_MINUTES = 60
    care.make_order(care.mine.person)
    care.make_order(care.other.person)
    services.generate_followups(day=today)
    worker = scope_of(make_user("grid_worker", COMMUNITY))
    services.followup_record(
        scope=worker,
        followup=FollowUp.objects.get(order__person=care.mine.person, slot=1),
        temperature="36.5",
    )
    # 11:59: nothing is due yet.
    assert services.sweep(now=at(today, 11, 59)) == services.SweepResult(0, 0, 0)
    # 12:00: the sibling's first slot was not recorded.
    result = services.sweep(now=at(today, 12, 0))
    assert (result.overdue, result.alerts_raised, result.escalated) == (1, 1, 0)
    alert = Alert.objects.get()
    assert (alert.kind, alert.level, alert.jurisdiction_code) == ("followup_overdue", 1, SIBLING)
    assert FollowUp.objects.get(order__person=care.other.person, slot=1).status == "overdue"
    # A second run at the same time adds nothing.
    assert services.sweep(now=at(today, 12, 3)) == services.SweepResult(0, 0, 0)
    # An hour later nobody has acknowledged it: subdistrict; two hours: district.
    assert services.sweep(now=at(today, 13, 0)).escalated == 1
    alert.refresh_from_db()
    assert (alert.level, alert.escalated_at) == (2, at(today, 13, 0))
    assert services.sweep(now=at(today, 14, 0)).escalated == 1
    alert.refresh_from_db()
    assert alert.level == 3
    # 18:00: both second slots are missed; acknowledged alerts stop climbing.
    result = services.sweep(now=at(today, 18, 0))
    assert (result.overdue, result.alerts_raised) == (2, 2)
    mine = Alert.objects.get(jurisdiction_code=COMMUNITY)
    services.alert_acknowledge(scope=worker, alert=mine)
    services.sweep(now=at(today, 20, 0))
    mine.refresh_from_db()
    assert (mine.level, mine.status) == (1, "acknowledged")
    assert sorted(Alert.objects.values_list("jurisdiction_code", "level")) == [
        (COMMUNITY, 1),
        (SIBLING, 3),
        (SIBLING, 3),
    ]
    services.alert_close(scope=worker, alert=mine, resolution="电话联系，已补录")
    mine.refresh_from_db()
    assert (mine.status, mine.resolution) == ("closed", "电话联系，已补录")
    with pytest.raises(ApplicationError):
        services.alert_close(scope=worker, alert=mine, resolution="再关一次")


def test_lists_count_overdue_from_the_clock(
    care: CareWorld, today: dt.date, system_scope: Any
) -> None:
    care.make_order(care.mine.person)
    services.generate_followups(day=today)
    counts = selectors.day_counts(scope=system_scope, day=today, now=at(today, 12, 30))
    assert (counts.due, counts.done, counts.overdue) == (2, 0, 1)  # before any sweep
    counts = selectors.day_counts(scope=system_scope, day=today, now=at(today, 9, 0))
    assert counts.overdue == 0


def test_the_person_file_shows_the_alert_and_the_fever(
    care: CareWorld, today: dt.date, make_user: Any, scope_of: Any
) -> None:
    from fangkong.registry.timeline import events_for

    order = care.make_order(care.mine.person)
    officer = scope_of(make_user("community_worker", COMMUNITY))
    services.generate_followups(day=today)
    first, second = FollowUp.objects.filter(order=order).order_by("slot")
    services.followup_record(scope=officer, followup=first, temperature=Decimal("36.5"))
    services.followup_record(
        scope=officer, followup=second, temperature=Decimal("38.4"), symptoms=["cough"]
    )
    alert = Alert.objects.get()
    care_events = [
        e for e in events_for(scope=officer, person=care.mine.person) if e.source == "control_care"
    ]
    assert [(e.title, e.url) for e in care_events] == [
        ("预警：发热", f"/control/care/alerts/{alert.pk}/"),
        ("随访发现异常", f"/control/care/followups/{second.pk}/"),
    ]
    assert care_events[1].detail.startswith("38.4 °C · 咳嗽")
    # Outside the scope (the sibling community's worker), nothing of it shows.
    sibling = scope_of(make_user("community_worker", SIBLING))
    theirs = events_for(scope=sibling, person=care.mine.person)
    assert [e for e in theirs if e.source == "control_care"] == []
