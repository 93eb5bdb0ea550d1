"""Results through the lab's API: stored once per (lab, key), applied to the tube and
its members with the coverage counters; a positive pool's alarm; a negative pool never
clears a locked member; an unknown barcode waits and is matched later."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.control.models import ControlOrder, Policy
from fangkong.core.models import AuditEntry, StaffNotice
from fangkong.core.scope import Scope
from fangkong.testing.labs import services
from fangkong.testing.models import Coverage, HomeTask, LabResult, Target, Tube
from tests.conftest import COMMUNITY, DISTRICT, PACKAGE, SIBLING

from .conftest import LabWorld, make_pool, outbox, post_results, row

pytestmark = pytest.mark.django_db


def _target(lw: LabWorld, person: Any) -> Target:
    return Target.objects.get(campaign=lw.tw.campaign, person=person)


def _coverage(lw: LabWorld, code: str) -> dict[str, int]:
    return Coverage.objects.filter(campaign=lw.tw.campaign, jurisdiction_code=code).aggregate(
        sampled=Sum("sampled"), resulted=Sum("resulted"), positive=Sum("positive")
    )


def test_a_negative_pool_is_stored_once_and_applied(lw: LabWorld, client: Client) -> None:
    make_pool(lw, "T1001", ["张三", "李梅"])
    batch = [
        row("t1001", "阴性", key="K-1", ct="ORF1ab 38; N 39"),
        row("NOSUCH-1", "negative", key="K-2"),
        row("T1001", "maybe", key="K-3"),
        row("T 1001", "阴性", key="K-4"),
        {**row("T1001", "阴性", key="K-5"), "tested_at": "2099-01-01T00:00:00+08:00"},
    ]
    body = post_results(client, lw.token, batch)
    assert [(r["key"], r["status"], r["code"], r["tube"]) for r in body["results"]] == [
        ("K-1", "stored", "", "T1001"),
        ("K-2", "unmatched", "unmatched", "NOSUCH-1"),
        ("K-3", "rejected", "bad_result", "T1001"),
        ("K-4", "rejected", "bad_barcode", "T 1001"),
        ("K-5", "rejected", "bad_time", "T1001"),
    ]
    tube = Tube.objects.get(barcode="T1001")
    assert (tube.result, tube.status) == ("negative", Tube.Status.RESULTED)
    assert _target(lw, lw.tw.mine.person).result == "negative"
    assert _target(lw, lw.tw.mine.housemate).result == "negative"
    assert _coverage(lw, COMMUNITY) == {"sampled": 2, "resulted": 2, "positive": 0}
    # The same batch again: nothing new, the counters unmoved.
    again = post_results(client, lw.token, batch[:2])
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert LabResult.objects.count() == 2
    assert LabResult.objects.get(key="K-1").ct_values == "ORF1ab 38; N 39"
    assert LabResult.objects.get(key="K-2").tube_id is None
    assert _coverage(lw, COMMUNITY) == {"sampled": 2, "resulted": 2, "positive": 0}


def test_only_a_lab_device_may_post(lw: LabWorld, client: Client) -> None:
    for token in (lw.tw.token, "fkt_nonsense", ""):
        response = client.post(
            "/api/v1/testing/results",
            {"results": [row("T1001", "阴性")]},
            content_type="application/json",
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401
    services.lab_device_revoke(scope=lw.tw.officer_scope, device=lw.device)
    response = client.post(
        "/api/v1/testing/results",
        {"results": [row("T1001", "阴性")]},
        content_type="application/json",
        headers={"authorization": f"Bearer {lw.token}"},
    )
    assert response.status_code == 401
    assert not LabResult.objects.exists()


def test_a_positive_pool_locks_alerts_texts_and_starts_retests(
    lw: LabWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    preset = json.loads(
        (PACKAGE / "control" / "orders" / "presets" / "ninth_edition.json").read_text("utf-8")
    )
    Policy.objects.create(
        jurisdiction_code=DISTRICT,
        family="test",
        name="测试方案",
        legal_basis=preset["legal_basis"],
        effective_from=dt.date(2022, 1, 1),
        rules=preset["rules"],
        created_at=timezone.now(),
    )
    tube = make_pool(lw, "T2001", ["张三", "李梅", "隔壁王五"])
    with django_capture_on_commit_callbacks(execute=True):
        body = post_results(client, lw.token, [row("T2001", "阳性", ct="ORF1ab 28.1")])
    assert body["results"][0]["status"] == "stored"
    zhang, li, wang = lw.tw.mine.person, lw.tw.mine.housemate, lw.tw.other.person
    for person in (zhang, li, wang):
        target = _target(lw, person)
        assert (target.result, target.locked) == ("positive", True)
        assert "T2001" in target.locked_reason
    assert _coverage(lw, COMMUNITY)["positive"] == 2
    assert _coverage(lw, SIBLING)["positive"] == 1
    # The staff of each member's community, with a link to the tube.
    notices = {n.jurisdiction_code: n for n in StaffNotice.objects.filter(source="testing")}
    assert set(notices) == {COMMUNITY, SIBLING}
    assert notices[COMMUNITY].link == reverse("testing:labs_tube", args=[tube.pk])
    assert "T2001" in notices[COMMUNITY].title
    assert notices[COMMUNITY].body == "张*、李*"
    # Texts after commit: every member with a phone; 赵六 for his household's member.
    # (赵六's phone is 李梅's number in the test world: texted once.)
    phones = sorted(m["phone"] for m in outbox())
    assert phones == ["13787654321", "13812345678", "13900001111"]
    assert {m["purpose"] for m in outbox()} == {"testing.alarm"}
    # Each in the message log, sent, for the person it was meant for.
    from fangkong.messaging.models import MessageLog

    logged = {(m.person_id, m.phone, m.status) for m in MessageLog.objects.all()}
    assert logged == {
        (zhang.pk, "13812345678", "sent"),
        (li.pk, "13900001111", "sent"),
        (wang.pk, "13787654321", "sent"),
    }
    # A retest at the door per member, by the community's team where there is one.
    tasks = {t.person_id: t for t in HomeTask.objects.filter(reason=HomeTask.Reason.RETEST)}
    assert set(tasks) == {zhang.pk, li.pk, wang.pk}
    assert tasks[zhang.pk].team_id == lw.team.pk
    assert tasks[li.pk].team_id == lw.team.pk
    assert tasks[wang.pk].team_id is None
    assert {t.source_tube_id for t in tasks.values()} == {tube.pk}
    # A control order proposed per member, resting on the pool (trigger "positive").
    alarm = AuditEntry.objects.get(action="testing.tube.alarm", object_id=str(tube.pk))
    assert sorted(alarm.data["members"]) == sorted([zhang.pk, li.pk, wang.pk])
    orders = ControlOrder.objects.filter(trigger="positive").order_by("person_id")
    assert [(o.person_id, o.status, o.trigger_ref) for o in orders] == sorted(
        (p.pk, "proposed", f"testing.tube:{tube.pk}") for p in (zhang, li, wang)
    )
    assert alarm.data["orders"] == {str(o.person_id): f"order:{o.pk}" for o in orders}
    # The pool stands behind each order: control resolves it through the plug point.
    from fangkong.control.orders import selectors as order_selectors

    assert order_selectors.unmatched_orders(scope=lw.tw.officer_scope, orders=orders) == {}
    # The same result again raises no second alarm.
    with django_capture_on_commit_callbacks(execute=True):
        post_results(client, lw.token, [row("T2001", "阳性", key="again")])
    assert AuditEntry.objects.filter(action="testing.tube.alarm").count() == 1
    assert HomeTask.objects.count() == 3


def test_the_texts_go_to_members_and_one_phone_per_household(
    lw: LabWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # Only 张三 in the pool: he is texted, and his household through 李梅's phone.
    make_pool(lw, "T2101", ["张三"])
    with django_capture_on_commit_callbacks(execute=True):
        post_results(client, lw.token, [row("T2101", "可疑")])
    texts = {m["phone"]: m["text"] for m in outbox()}
    assert sorted(texts) == ["13812345678", "13900001111"]
    assert "张*" in texts["13900001111"]
    assert _target(lw, lw.tw.mine.person).result == "suspicious"
    assert _target(lw, lw.tw.mine.housemate).result == ""


def test_a_negative_pool_never_clears_a_locked_member(
    lw: LabWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    make_pool(lw, "T3001", ["张三"])
    with django_capture_on_commit_callbacks(execute=True):
        post_results(client, lw.token, [row("T3001", "阳性")])
    # 李梅 locked by hand (flagged for another reason).
    Target.objects.filter(campaign=lw.tw.campaign, person=lw.tw.mine.housemate).update(
        locked=True, locked_reason="密接排查中"
    )
    # Both again in a pool of 20 that comes back negative: neither is cleared.
    make_pool(lw, "T3002", ["张三", "李梅"], repeat=True)
    post_results(client, lw.token, [row("T3002", "阴性")])
    zhang, li = _target(lw, lw.tw.mine.person), _target(lw, lw.tw.mine.housemate)
    assert (zhang.result, zhang.locked) == ("positive", True)
    assert (li.result, li.locked, li.locked_reason) == ("", True, "密接排查中")
    assert _coverage(lw, COMMUNITY) == {"sampled": 2, "resulted": 1, "positive": 1}
    # A single-tube retest of 张三 comes back negative: he is cleared.
    make_pool(lw, "R3003", ["张三"], single=True, repeat=True)
    post_results(client, lw.token, [row("R3003", "阴性")])
    zhang = _target(lw, lw.tw.mine.person)
    assert (zhang.result, zhang.locked, zhang.locked_reason) == ("negative", False, "")
    assert _coverage(lw, COMMUNITY) == {"sampled": 2, "resulted": 1, "positive": 0}
    # The pool itself stays positive (a tube's result never goes down its ladder).
    post_results(client, lw.token, [row("T3001", "阴性", key="rerun")])
    assert Tube.objects.get(barcode="T3001").result == "positive"


def test_an_unknown_barcode_waits_and_is_matched_when_its_tube_comes(
    lw: LabWorld, client: Client
) -> None:
    body = post_results(client, lw.token, [row("LATE-0001", "阴性")])
    assert body["results"][0]["status"] == "unmatched"
    scope = Scope.system(reason="test")
    assert services.results_match_known(scope=scope) == 0
    make_pool(lw, "LATE-0001", ["张三"])
    assert services.results_match_known(scope=scope) == 1
    result = LabResult.objects.get(barcode="LATE-0001")
    assert result.tube.barcode == "LATE-0001"
    assert result.matched_at is not None
    assert Tube.objects.get(barcode="LATE-0001").result == "negative"
    assert _target(lw, lw.tw.mine.person).result == "negative"
    assert services.results_match_known(scope=scope) == 0


def test_a_mis_keyed_barcode_is_matched_by_hand_with_a_reason(lw: LabWorld, client: Client) -> None:
    tube = make_pool(lw, "T4001", ["李梅"])
    post_results(client, lw.token, [row("T4O01", "阴性")])
    waiting = LabResult.objects.get(barcode="T4O01")
    client.force_login(lw.tw.officer)
    url = reverse("testing:labs_match", args=[waiting.pk])
    response = client.post(url, {"tube": "T4001", "reason": ""})
    assert response.status_code == 200
    assert LabResult.objects.get(pk=waiting.pk).tube_id is None
    response = client.post(url, {"tube": "t4001", "reason": "实验室录入时把0录成了O"})
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.tube_id == tube.pk
    assert waiting.matched_by_id == lw.tw.officer.pk
    assert _target(lw, lw.tw.mine.housemate).result == "negative"
    entry = AuditEntry.objects.get(action="testing.result.matched")
    assert entry.reason == "实验室录入时把0录成了O"
    # Once matched, it is not matched again.
    response = client.post(url, {"tube": "T4001", "reason": "再来一次"})
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="testing.result.matched").count() == 1


def test_the_pool_and_the_person_both_ways(
    lw: LabWorld, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    from fangkong.testing.labs import selectors

    tube = make_pool(lw, "T5001", ["张三", "隔壁王五"])
    with django_capture_on_commit_callbacks(execute=True):
        post_results(client, lw.token, [row("T5001", "阳性")])
    samples = selectors.person_samples(lw.tw.mine.person.pk)
    assert [(s["tube"], s["result"], s["campaign_id"]) for s in samples] == [
        ("T5001", "positive", lw.tw.campaign.pk)
    ]
    client.force_login(lw.tw.officer)
    page = client.get(reverse("testing:labs_tube", args=[tube.pk])).content.decode()
    assert "张*" in page and "隔**五" in page
    assert "41010619900101123X" not in page
    pools = client.get(reverse("testing:labs_alarms")).content.decode()
    assert 'data-tube="T5001"' in pools
    person = client.get(reverse("testing:labs_person", args=[lw.tw.mine.person.pk]))
    assert 'data-tube="T5001"' in person.content.decode()
