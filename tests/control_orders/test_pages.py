"""The pages: proposing from a trigger's query parameters, the open-order message, the
printed notice, the person's own notice and section, the person-file timeline."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.control.models import Alert, ControlOrder, OrderTest
from fangkong.control.orders import services
from fangkong.control.orders.resident import section_context
from fangkong.registry.timeline import events_for
from fangkong.residents.session import SESSION_KEY, SESSION_UNTIL
from tests.conftest import COMMUNITY

from .conftest import Control, close_contact_task, manual, negative_all

pytestmark = pytest.mark.usefixtures("english")


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_propose_from_a_push_list_check(control: Control) -> None:
    task = close_contact_task(control, control.zhang)
    client = _client(control.worker)
    params = {
        "person": control.zhang.pk,
        "trigger": "close_contact",
        "trigger_ref": f"pushlists.verificationtask:{task.pk}",
        "trigger_date": control.today.isoformat(),
    }
    page = client.get(reverse("control:orders_propose"), params)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Push-list check" in body  # the trigger record, resolved
    assert "新型冠状病毒肺炎防控方案（第九版）" in body  # the policy in force
    response = client.post(reverse("control:orders_propose"), params | {"reason": ""})
    order = ControlOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("control:orders_detail", args=[order.pk])
    assert (order.trigger, order.trigger_ref, order.status) == (
        "close_contact",
        f"pushlists.verificationtask:{task.pk}",
        "proposed",
    )
    # A second proposal names the open order and links to it.
    again = client.post(
        reverse("control:orders_propose"),
        params | {"trigger": "manual", "trigger_ref": "", "reason": "另一个原因再提一次"},
    )
    assert again.status_code == 200
    text = again.content.decode()
    assert "already has an order" in text
    assert reverse("control:orders_detail", args=[order.pk]) in text
    assert ControlOrder.objects.count() == 1


def test_a_manual_proposal_without_a_reason_stays_on_the_form(control: Control) -> None:
    client = _client(control.worker)
    response = client.post(
        reverse("control:orders_propose"),
        {
            "person": control.zhang.pk,
            "trigger": "manual",
            "trigger_date": control.today.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Write the reason (at least 5 characters)." in response.content.decode()
    assert not ControlOrder.objects.exists()


def test_the_printed_notice(control: Control) -> None:
    order = manual(control, days_ago=1)
    services.order_approve(scope=control.officer_scope, order=order)
    order.refresh_from_db()
    page = _client(control.worker).get(reverse("control:orders_notice", args=[order.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert order.notice_no and order.notice_no in body
    for text in (
        order.reason,
        order.legal_basis,
        "王建华",  # the approver
        "60 days",
        "6 months",
        f"{order.starts_on:%Y-%m-%d} – {order.ends_on:%Y-%m-%d}",
        "12345",  # no care team, no community phone: the public service line
        "@page { size: A4",
    ):
        assert text in body
    # A manual order says its reason, not "because of Manual, with a written reason".
    assert f"Because {order.reason} ({order.trigger_date:%Y-%m-%d})" in body
    assert "Because of" not in body
    # Not yet approved: no notice.
    proposal = manual(control, person=control.li)
    assert (
        _client(control.worker)
        .get(reverse("control:orders_notice", args=[proposal.pk]))
        .status_code
        == 404
    )


def _resident(person_pk: int) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = person_pk
    session[SESSION_UNTIL] = int(time.time()) + 600
    session.save()
    client.cookies["django_language"] = "en"
    return client


def test_the_person_reads_their_own_notice_and_nobody_else_s(
    control: Control, settings: Any
) -> None:
    settings.FANGKONG_CONTROL_PHONES = {COMMUNITY: "0371-68901234"}
    mine = manual(control, days_ago=1)
    services.order_approve(scope=control.officer_scope, order=mine)
    theirs = manual(control, person=control.li)
    services.order_approve(scope=control.officer_scope, order=theirs)
    url = reverse("control:orders_my_notice", args=[mine.pk])
    assert Client().get(url).status_code == 302  # no resident session: sign in first
    own = _resident(control.zhang.pk).get(url)
    assert own.status_code == 200
    assert "0371-68901234" in own.content.decode()
    other = _resident(control.zhang.pk).get(reverse("control:orders_my_notice", args=[theirs.pk]))
    assert other.status_code == 404
    context = section_context(control.zhang)
    assert context is not None
    assert context["order"].pk == mine.pk
    assert context["contact_phone"] == "0371-68901234"
    assert section_context(control.other.person) is None


def test_a_proposal_is_not_shown_to_the_person(control: Control) -> None:
    order = manual(control)
    assert section_context(control.zhang) is None
    assert (
        _resident(control.zhang.pk)
        .get(reverse("control:orders_my_notice", args=[order.pk]))
        .status_code
        == 404
    )


def test_the_person_file_timeline(control: Control) -> None:
    order = manual(control, days_ago=8)
    services.order_approve(scope=control.officer_scope, order=order)
    negative_all(control, order)
    services.order_release(scope=control.officer_scope, order=order)
    titles = [
        e.title
        for e in events_for(scope=control.worker_scope, person=control.zhang)
        if e.source == "control_orders"
    ]
    assert titles == [
        "Control order Released",
        "Control order Test result",
        "Control order Approved",
        "Control order Proposed",
    ]
    assert events_for(scope=control.worker_scope, person=control.li) == [] or all(
        e.source != "control_orders"
        for e in events_for(scope=control.worker_scope, person=control.li)
    )


def test_order_detail_shows_the_second_person_rule(control: Control) -> None:
    order = services.order_propose(
        scope=control.officer_scope,
        person=control.zhang,
        trigger="manual",
        trigger_date=control.today - dt.timedelta(days=1),
        reason="街道干部自己提议",
    )
    own = (
        _client(control.officer)
        .get(reverse("control:orders_detail", args=[order.pk]))
        .content.decode()
    )
    assert "another officer decides it" in own and 'id="approve-button"' not in own
    other = (
        _client(control.officer2)
        .get(reverse("control:orders_detail", args=[order.pk]))
        .content.decode()
    )
    assert 'id="approve-button"' in other
    response = _client(control.officer).post(reverse("control:orders_approve", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "proposed"


def test_correcting_a_result_on_the_order_page(control: Control) -> None:
    order = services.order_approve(scope=control.officer_scope, order=manual(control, days_ago=8))
    test = OrderTest.objects.get(order=order)  # day 7, yesterday
    services.test_record(scope=control.worker_scope, test=test, result="positive")
    url = reverse("control:orders_detail", args=[order.pk])
    client = _client(control.worker)
    page = client.get(url).content.decode()
    correct = reverse("control:orders_test_correct", args=[test.pk])
    assert f'action="{correct}"' in page
    assert "The positive alert of this test stays open" in page
    response = client.post(correct, {"result": "negative", "reason": "错"}, follow=True)
    assert "Say why the result is corrected (at least 5 characters)." in response.content.decode()
    test.refresh_from_db()
    assert test.status == "positive"
    response = client.post(correct, {"result": "negative", "reason": "复核为阴性，录错了"})
    assert response.status_code == 302 and response["Location"] == url
    test.refresh_from_db()
    assert test.status == "negative"
    page = client.get(url).content.decode()
    assert "The positive alert of this test stays open: close it once the correction" in page
    assert Alert.objects.get().status == "open"
