"""The resident's own daily health report from the status page: the head of a household
reports for a child, the same checks and alerts as the care team's record, nothing
about anybody outside the household, and the care team's list shows who reported."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fangkong.control.care import services
from fangkong.control.care.resident import section_context
from fangkong.control.models import Alert, ControlOrder, FollowUp, Measure, TransferTask
from fangkong.core.errors import NotFound
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.registry import services as registry_services
from fangkong.registry.models import Person
from fangkong.residents.session import SESSION_KEY, SESSION_UNTIL
from tests.conftest import COMMUNITY

from .conftest import CareWorld

STATUS = "/me/"
SECTION = 'data-section="control_care_report"'


@pytest.fixture(autouse=True)
def _language() -> Any:
    """The resident's client asks for English; the request leaves it active in the
    thread: the next test file must not inherit it."""
    before = translation.get_language()
    yield
    translation.activate(before)


@pytest.fixture
def child(care: CareWorld, system_scope: Scope) -> Person:
    """张小明, the child of 张三 (户主), in the same household."""
    return registry_services.person_create(
        scope=system_scope, household=care.mine.household, name="张小明", relation_to_head="子女"
    )


def resident(person: Person, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    session = client.session
    session[SESSION_KEY] = person.pk
    session[SESSION_UNTIL] = int(time.time()) + 600
    session.save()
    client.cookies["django_language"] = "en"
    return client


def report_url(followup: FollowUp) -> str:
    return reverse("control:care_self_report", args=[followup.pk])


def page(client: Client) -> str:
    response = client.get(STATUS)
    assert response.status_code == 200
    return response.content.decode()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_head_reports_for_the_child(care: CareWorld, child: Person) -> None:
    order = care.make_order(child)
    assert FollowUp.objects.count() == 0
    client = resident(care.mine.person)
    body = page(client)
    # Today's rows are made when the page is opened; the child is shown masked.
    first, second = FollowUp.objects.filter(order=order).order_by("slot")
    assert SECTION in body
    assert "张*明" in body and "张小明" not in body
    assert f'action="{report_url(first)}"' in body
    assert report_url(second) not in body  # one form: the next slot
    response = client.post(report_url(first), {"temperature": "36.6"}, follow=True)
    assert response.redirect_chain == [(STATUS, 303)]
    assert messages_of(response) == ["Thank you: today's report #1 for 张*明 is recorded."]
    first.refresh_from_db()
    assert (
        first.status,
        first.temperature,
        first.symptoms,
        first.reported_by_person_id,
        first.recorded_by_id,
        first.recorded_by_name,
        first.services,
    ) == ("done", Decimal("36.6"), [], care.mine.person.pk, None, "张三", {})
    entry = AuditEntry.objects.get(action="control.followup.self_reported")
    assert (entry.object_id, entry.actor_name, entry.reason, entry.data["reported_by"]) == (
        str(first.pk),
        "system",
        "resident self-report",
        care.mine.person.pk,
    )
    assert Alert.objects.count() == 0
    # The page now offers the second slot and shows the first as done.
    body = response.content.decode()
    assert f'action="{report_url(second)}"' in body
    assert 'data-slot="1" data-status="done"' in body and "36.6 °C" in body


def test_a_fever_raises_the_alert_and_the_transfer_and_tells_the_team(
    care: CareWorld,
    child: Person,
    system_scope: Scope,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.VAR_DIR = tmp_path
    order = care.make_order(child)
    team = services.team_create(
        scope=system_scope, jurisdiction_code=COMMUNITY, name="一号专班", phone="03716000001"
    )
    services.team_assign(scope=system_scope, team=team, order=order)
    client = resident(care.mine.person)
    page(client)
    first = FollowUp.objects.get(order=order, slot=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            report_url(first), {"temperature": "38.4", "symptoms": ["cough"]}, follow=True
        )
    assert messages_of(response)[0].startswith("张*明: the temperature or symptoms need")
    alert = Alert.objects.get()
    assert (alert.kind, alert.person_id, alert.order_id, alert.source_ref, alert.status) == (
        "fever",
        child.pk,
        order.pk,
        f"control.followup:{first.pk}",
        "open",
    )
    assert alert.summary == f"38.4 °C at the follow-up of {first.day:%m-%d} #1; Cough"
    transfer = TransferTask.objects.get()
    assert (transfer.alert_id, transfer.person_id, transfer.status) == (alert.pk, child.pk, "open")
    sent = [
        json.loads(line) for line in (tmp_path / "sms" / "outbox.jsonl").read_text().splitlines()
    ]
    assert [m["phone"] for m in sent] == ["03716000001"]
    assert "张小明" in sent[0]["text"]
    raised = AuditEntry.objects.filter(action="control.alert.raised", reason="resident self-report")
    assert raised.count() == 1


def test_symptoms_alone_raise_a_symptoms_alert(care: CareWorld, child: Person) -> None:
    care.make_order(child)
    services.generate_followups(day=timezone.localdate())
    slot = FollowUp.objects.get(slot=2)
    done = services.followup_self_report(
        reporter=care.mine.person, followup=slot, temperature="36.8", symptoms=["taste_smell"]
    )
    assert (done.status, done.symptoms) == ("done", ["taste_smell"])
    assert list(Alert.objects.values_list("kind", flat=True)) == ["symptoms"]
    assert TransferTask.objects.count() == 1


def test_a_stranger_s_follow_up_is_not_found(care: CareWorld, child: Person) -> None:
    care.make_order(care.other.person)  # 隔壁王五, another community
    services.generate_followups(day=timezone.localdate())
    theirs = FollowUp.objects.get(slot=1)
    client = resident(care.mine.person)
    response = client.post(report_url(theirs), {"temperature": "36.5"})
    assert response.status_code == 404
    assert "隔壁" not in response.content.decode()
    missing = client.post(reverse("control:care_self_report", args=[theirs.pk + 1000]))
    assert missing.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.temperature) == ("due", None)
    with pytest.raises(NotFound):
        services.followup_self_report(
            reporter=care.mine.person, followup=theirs, temperature="36.5"
        )
    # The section shows only the household: nobody here is followed.
    assert section_context(care.mine.person) is None


def test_a_person_of_another_household_is_not_found(
    care: CareWorld, child: Person, system_scope: Scope
) -> None:
    order = care.make_order(child)
    services.generate_followups(day=timezone.localdate())
    slot = FollowUp.objects.get(order=order, slot=1)
    loner = registry_services.person_create(
        scope=system_scope, household=None, community_code=COMMUNITY, name="单身汉"
    )
    for outsider in (care.other.person, loner):
        response = resident(outsider).post(report_url(slot), {"temperature": "36.5"})
        assert response.status_code == 404
        assert section_context(outsider) is None
    slot.refresh_from_db()
    assert slot.status == "due"
    # Without a resident session: the sign-in page, nothing recorded.
    anonymous = Client().post(report_url(slot), {"temperature": "36.5"})
    assert (anonymous.status_code, anonymous["Location"]) == (
        302,
        f"/me/sign-in/?next={report_url(slot)}",
    )
    slot.refresh_from_db()
    assert slot.status == "due"


def test_a_double_report_another_day_or_an_order_ended_get_a_message(
    care: CareWorld, child: Person
) -> None:
    order = care.make_order(child)
    today = timezone.localdate()
    services.generate_followups(day=today)
    services.generate_followups(day=today - dt.timedelta(days=1))
    first = FollowUp.objects.get(order=order, day=today, slot=1)
    client = resident(care.mine.person)
    client.post(report_url(first), {"temperature": "36.6"}, follow=True)
    again = client.post(report_url(first), {"temperature": "39.0"}, follow=True)
    assert again.status_code == 200
    assert messages_of(again) == ["This report has been sent already; thank you."]
    first.refresh_from_db()
    assert first.temperature == Decimal("36.6")
    assert Alert.objects.count() == 0
    yesterday = FollowUp.objects.get(order=order, day=today - dt.timedelta(days=1), slot=1)
    old = client.post(report_url(yesterday), {"temperature": "36.6"}, follow=True)
    assert messages_of(old) == ["This report is not for today: send today's from your status page."]
    bad = client.post(
        report_url(FollowUp.objects.get(order=order, day=today, slot=2)),
        {"temperature": "45"},
        follow=True,
    )
    assert messages_of(bad) == ["A temperature between 34 and 43 °C."]
    ControlOrder.objects.filter(pk=order.pk).update(
        status=ControlOrder.Status.RELEASED, ended_at=timezone.now(), end_kind="released"
    )
    ended = client.post(
        report_url(FollowUp.objects.get(order=order, day=today, slot=2)),
        {"temperature": "36.6"},
        follow=True,
    )
    assert messages_of(ended) == ["The control measure is no longer in force: no report is needed."]
    assert SECTION not in ended.content.decode()  # nobody is followed any more
    assert FollowUp.objects.filter(status="done").count() == 1


def test_the_messages_are_chinese_by_default(care: CareWorld, child: Person) -> None:
    care.make_order(child)
    services.generate_followups(day=timezone.localdate())
    slot = FollowUp.objects.get(slot=1)
    client = resident(care.mine.person)
    client.cookies["django_language"] = "zh-hans"
    bad = client.post(report_url(slot), {"temperature": "abc"}, follow=True)
    assert messages_of(bad) == ["请输入体温，如 36.5。"]
    long = client.post(report_url(slot), {"temperature": "36.5" * 5}, follow=True)
    assert messages_of(long) == ["请输入体温，如 36.5。"]
    odd = client.post(report_url(slot), {"temperature": "36.5", "symptoms": ["x"]}, follow=True)
    assert messages_of(odd) == ["未知症状。"]
    slot.refresh_from_db()
    assert slot.status == "due"


def test_the_section_hides_itself_when_nobody_is_followed(care: CareWorld, child: Person) -> None:
    today = timezone.localdate()
    assert section_context(care.mine.person) is None
    # Self monitoring is not followed; an order of another household is not shown.
    care.make_order(care.mine.housemate, [(Measure.SELF_MONITORING, today, today)])
    care.make_order(care.other.person)
    assert section_context(care.mine.person) is None
    assert SECTION not in page(resident(care.mine.person))
    # The housemate's own order under home quarantine: the head sees her (masked),
    # she sees herself first.
    care.make_order(care.mine.person)
    context = section_context(care.mine.housemate)
    assert context is not None
    assert [(m.name, m.is_self) for m in context["members"]] == [("张*", False)]
    order = care.make_order(child)
    context = section_context(care.mine.person)
    assert context is not None
    assert [(m.name, m.is_self, m.order_id) for m in context["members"]] == [
        ("张*", True, ControlOrder.objects.get(person=care.mine.person).pk),
        ("张*明", False, order.pk),
    ]


def test_the_csrf_token_is_required(care: CareWorld, child: Person) -> None:
    care.make_order(child)
    client = resident(care.mine.person, enforce_csrf_checks=True)
    body = page(client)
    slot = FollowUp.objects.get(slot=1)
    assert client.post(report_url(slot), {"temperature": "36.6"}).status_code == 403
    slot.refresh_from_db()
    assert slot.status == "due"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert token is not None
    done = client.post(
        report_url(slot), {"temperature": "36.6", "csrfmiddlewaretoken": token.group(1)}
    )
    assert done.status_code == 303
    slot.refresh_from_db()
    assert slot.status == "done"
    assert client.get(report_url(slot)).status_code == 405


def test_the_care_team_s_list_shows_the_head_s_report(
    care: CareWorld, child: Person, make_user: Any
) -> None:
    order = care.make_order(child)
    client = resident(care.mine.person)
    page(client)
    slot = FollowUp.objects.get(order=order, slot=1)
    client.post(report_url(slot), {"temperature": "36.7"})
    staff = Client()
    staff.force_login(make_user("grid_worker", COMMUNITY))
    staff.cookies["django_language"] = "en"
    body = staff.get(reverse("control:care_followups") + "?show=all").content.decode()
    row = body[body.index(f'id="order-{order.pk}"') :]
    assert re.search(
        r'data-slot="1" data-status="done">#1 36\.7°C <span class="fw-normal" '
        r'data-reported-by="张三">· 张三, self-report</span>',
        row,
    )
    one = staff.get(reverse("control:care_followup", args=[slot.pk])).content.decode()
    assert '<span data-reported-by="张三">张三, self-report</span>' in one
