"""Texts to residents: an audience previewed and sent in the background at a rate limit,
each message logged with its status; once a kind a person a day unless forced with a
reason; the gateway's failures and the provider's receipts; the scope."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.errors import ApplicationError, NotFound
from fangkong.messaging import services
from fangkong.messaging.models import MessageBatch, MessageLog
from fangkong.testing.campaigns import selectors as campaigns
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, DISTRICT, SUBDISTRICT

from .conftest import TWorld

pytestmark = pytest.mark.django_db
TEXT = "【防控】{name}您好，请今天{until}前到{site}核酸采样。"


def params(tw: TWorld) -> dict[str, str]:
    return {
        "campaign": str(tw.campaign.pk),
        "compound": str(tw.mine.compound.pk),
        "site": str(tw.site.pk),
    }


def outbox() -> list[dict[str, Any]]:
    path = Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def send(tw: TWorld, capture: Any, forced_reason: str = "") -> MessageBatch:
    with capture(execute=True):
        batch = services.batch_create(
            scope=tw.officer_scope,
            key="testing.unsampled",
            params=params(tw),
            text=TEXT,
            forced_reason=forced_reason,
        )
    batch.refresh_from_db()
    return batch


@pytest.fixture(autouse=True)
def _own_outbox(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_SMS_PER_SECOND = 1000.0


def test_the_audience_is_the_unsampled_list(tw: TWorld) -> None:
    listed = campaigns.people(
        scope=tw.officer_scope,
        campaign=tw.campaign,
        filters=campaigns.PeopleFilters(compound=tw.mine.compound.pk),
    )
    preview = services.preview(
        scope=tw.officer_scope, key="testing.unsampled", params=params(tw), text=TEXT
    )
    assert preview.total == listed.count() == 2
    assert (preview.no_phone, preview.texted_today) == (0, 0)
    until = timezone.localtime(tw.campaign.ends_at).strftime("%H:%M")
    assert preview.sample == f"【防控】张*您好，请今天{until}前到中安街社区广场采样点核酸采样。"


def test_a_batch_is_sent_and_logged(tw: TWorld, django_capture_on_commit_callbacks: Any) -> None:
    batch = send(tw, django_capture_on_commit_callbacks)
    assert (batch.status, batch.total, batch.done, batch.sent, batch.failed) == (
        "done",
        2,
        2,
        2,
        0,
    )
    logged = {(m.person_id, m.phone, m.status) for m in MessageLog.objects.filter(batch=batch)}
    assert logged == {
        (tw.mine.person.pk, "13812345678", "sent"),
        (tw.mine.housemate.pk, "13900001111", "sent"),
    }
    assert sorted(m["phone"] for m in outbox()) == ["13812345678", "13900001111"]
    assert {m["purpose"] for m in outbox()} == {"testing.unsampled"}
    texts = {m["text"] for m in outbox()}
    assert any(t.startswith("【防控】张*您好") for t in texts)


def test_a_site_of_the_subdistrict_for_a_compound_of_a_community(
    tw: TWorld, django_capture_on_commit_callbacks: Any
) -> None:
    """The background job finds the audience in the sender's office, as the sender chose
    it: the subdistrict's site is outside the compound's community (it failed with
    "not found" when the job looked in the community)."""
    site = sampling.site_create(
        scope=tw.officer_scope, jurisdiction_code=SUBDISTRICT, name="济源路街道体育场采样点"
    )
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.batch_create(
            scope=tw.officer_scope,
            key="testing.unsampled",
            params={**params(tw), "site": str(site.pk)},
            text=TEXT,
        )
    batch.refresh_from_db()
    assert (batch.jurisdiction_code, batch.office_code) == (COMMUNITY, DISTRICT)
    assert (batch.status, batch.error, batch.total, batch.sent) == ("done", "", 2, 2)
    assert {m["text"].count("济源路街道体育场采样点") for m in outbox()} == {1}


def test_once_a_kind_a_day_unless_forced_with_a_reason(
    tw: TWorld, django_capture_on_commit_callbacks: Any
) -> None:
    send(tw, django_capture_on_commit_callbacks)
    again = send(tw, django_capture_on_commit_callbacks)
    assert (again.sent, again.skipped) == (0, 2)
    assert len(outbox()) == 2
    preview = services.preview(
        scope=tw.officer_scope, key="testing.unsampled", params=params(tw), text=TEXT
    )
    assert preview.texted_today == 2
    forced = send(tw, django_capture_on_commit_callbacks, forced_reason="采样点改址，重新通知")
    assert (forced.sent, forced.skipped) == (2, 0)
    assert len(outbox()) == 4
    assert MessageLog.objects.filter(forced_reason="采样点改址，重新通知").count() == 2
    # The database holds the rule even when two senders race.
    first = MessageLog.objects.filter(forced_reason="").first()
    assert first is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageLog.objects.create(
            kind=first.kind,
            person_id=first.person_id,
            phone=first.phone,
            jurisdiction_code=first.jurisdiction_code,
            day=first.day,
            text="again",
            message_id="x" * 32,
            queued_at=timezone.now(),
        )


def test_the_pace_is_the_rate_limit() -> None:
    slept: list[float] = []
    now = [100.0]

    def clock() -> float:
        return now[0]

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = services.Pacer(4.0, clock=clock, sleep=sleep)
    for _ in range(5):
        pacer.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    now[0] += 10  # a pause longer than the interval: no wait
    pacer.wait()
    assert len(slept) == 4


def test_two_batches_at_once_share_the_pace(settings: Any) -> None:
    """The task queue's two workers sending two batches: each caller reserves the next
    slot, so callers whose sleeps overlap (the clock does not move between them) still
    go out one interval apart, and the process has one pace."""
    slept: list[float] = []
    pacer = services.Pacer(4.0, clock=lambda: 100.0, sleep=slept.append)
    for _ in range(3):  # three callers at the same instant
        pacer.wait()
    assert slept == [0.25, 0.5]
    settings.FANGKONG_SMS_PER_SECOND = 20.0
    assert services.shared_pacer() is services.shared_pacer()
    assert services.shared_pacer().rate == 20.0
    settings.FANGKONG_SMS_PER_SECOND = 5.0
    assert services.shared_pacer().rate == 5.0


def test_bad_input_names_the_field(tw: TWorld, english: Any) -> None:
    cases = [
        ({**params(tw), "campaign": "999999"}, TEXT, "campaign"),
        ({**params(tw), "compound": str(tw.other.compound.pk + 1000)}, TEXT, "compound"),
        (params(tw), "  ", "text"),
        (params(tw), "{name} come at {time}", "text"),
        (params(tw), "x" * 301, "text"),
    ]
    for given, text, field in cases:
        with pytest.raises(ApplicationError) as caught:
            services.batch_create(
                scope=tw.officer_scope, key="testing.unsampled", params=given, text=text
            )
        assert [e.field for e in caught.value.errors] == [field], (given, text)
    assert MessageBatch.objects.count() == 0


def test_a_community_texts_only_its_own(tw: TWorld, make_user: Any, scope_of: Any) -> None:
    worker = scope_of(make_user("community_worker", COMMUNITY))
    own = services.preview(scope=worker, key="testing.unsampled", params=params(tw), text=TEXT)
    assert own.total == 2
    other = {**params(tw), "compound": str(tw.other.compound.pk)}
    with pytest.raises(ApplicationError):  # not among its choices
        services.batch_create(scope=worker, key="testing.unsampled", params=other, text=TEXT)
    with pytest.raises(NotFound):
        services.audiences.get("testing.unsampled").code_of(worker, other)  # type: ignore[union-attr]


class _Gateway(BaseHTTPRequestHandler):
    status = 500
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Gateway.seen.append(body)
        self.send_response(_Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": f"P-{body['id'][:6]}"}).encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Any:
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FANGKONG_SMS_BACKEND = "http"
    settings.FANGKONG_SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/sms"
    _Gateway.status, _Gateway.seen = 500, []
    yield _Gateway
    server.shutdown()


def test_a_failing_gateway_then_a_retry(
    tw: TWorld, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    batch = send(tw, django_capture_on_commit_callbacks)
    assert (batch.sent, batch.failed) == (0, 2)
    failed = MessageLog.objects.filter(batch=batch)
    assert {m.status for m in failed} == {"failed"}
    assert {m.error for m in failed} == {"the gateway answered 500"}
    gateway.status = 200
    assert services.retry_failed(scope=tw.officer_scope, batch=batch) == 2
    batch.refresh_from_db()
    assert (batch.sent, batch.failed) == (2, 0)
    sent = list(MessageLog.objects.filter(batch=batch))
    assert {m.status for m in sent} == {"sent"}
    assert {m.provider_id for m in sent} == {f"P-{m.message_id[:6]}" for m in sent}
    assert len(gateway.seen) == 4  # two refused, two taken


def test_delivery_receipts(
    tw: TWorld, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(tw, django_capture_on_commit_callbacks)
    ids = sorted(MessageLog.objects.values_list("message_id", flat=True))
    url = "/api/v1/messaging/receipts"
    body = [
        {"id": ids[0], "status": "delivered", "at": "2026-12-05T10:00:00+08:00"},
        {"id": ids[1], "status": "undelivered"},
        {"id": "nope", "status": "delivered"},
        {"id": ids[0], "status": "lost"},
    ]
    client = Client()
    settings.FANGKONG_SMS_RECEIPT_TOKEN = ""
    refused = client.post(
        url, body, content_type="application/json", headers={"authorization": "Bearer "}
    )
    assert refused.status_code == 401
    settings.FANGKONG_SMS_RECEIPT_TOKEN = "provider-secret"
    wrong = client.post(
        url, body, content_type="application/json", headers={"authorization": "Bearer wrong"}
    )
    assert wrong.status_code == 401
    for _ in range(2):  # the same receipts twice: the same answers and rows
        answer = client.post(
            url,
            body,
            content_type="application/json",
            headers={"authorization": "Bearer provider-secret"},
        )
        assert answer.status_code == 200
        assert answer.json() == {"results": {ids[0]: "invalid", ids[1]: "ok", "nope": "unknown"}}
    statuses = dict(MessageLog.objects.values_list("message_id", "status"))
    assert statuses == {ids[0]: "delivered", ids[1]: "undelivered"}


class Broken:
    """A backend with a bug (not an SmsError): the message is failed, the batch goes on."""

    name = "broken"

    def send(self, *, message_id: str, phone: str, text: str, purpose: str) -> str:
        raise RuntimeError("a bug in the backend")


def test_a_backend_that_breaks_fails_the_message_not_the_batch(
    tw: TWorld, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FANGKONG_SMS_BACKEND = "tests.messaging.test_messages.Broken"
    batch = send(tw, django_capture_on_commit_callbacks)
    assert (batch.status, batch.done, batch.sent, batch.failed) == ("done", 2, 0, 2)
    assert set(MessageLog.objects.values_list("status", "error")) == {
        ("failed", "a bug in the backend")
    }
    one = services.send_one(
        kind="control.release",
        person_id=tw.mine.person.pk,
        phone="13812345678",
        jurisdiction_code=COMMUNITY,
        text="您已解除管控",
    )
    assert one is not None and (one.status, one.error) == ("failed", "a bug in the backend")


def test_a_forced_message_counts_for_the_day(
    tw: TWorld, django_capture_on_commit_callbacks: Any
) -> None:
    forced = send(tw, django_capture_on_commit_callbacks, forced_reason="采样点改址")
    assert (forced.sent, forced.skipped) == (2, 0)
    preview = services.preview(
        scope=tw.officer_scope, key="testing.unsampled", params=params(tw), text=TEXT
    )
    assert preview.texted_today == 2
    later = send(tw, django_capture_on_commit_callbacks)
    assert (later.sent, later.skipped) == (0, 2)
    assert len(outbox()) == 2


def test_a_refused_message_does_not_hold_the_day(
    tw: TWorld, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    refused = send(tw, django_capture_on_commit_callbacks)
    assert (refused.sent, refused.failed) == (0, 2)
    gateway.status = 200
    later = send(tw, django_capture_on_commit_callbacks)
    assert (later.sent, later.skipped, later.failed) == (2, 0, 0)
    # The first batch's retry finds them texted since: nothing goes twice.
    assert services.retry_failed(scope=tw.officer_scope, batch=refused) == 0
    refused.refresh_from_db()
    assert (refused.sent, refused.failed) == (0, 2)
    assert len(gateway.seen) == 4
    assert set(MessageLog.objects.filter(batch=refused).values_list("status", flat=True)) == {
        "failed"
    }


def test_a_retry_is_for_today_and_those_still_in_the_audience(
    tw: TWorld, gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.testing.field.conftest import sample
    from tests.testing.labs.conftest import code_of

    batch = send(tw, django_capture_on_commit_callbacks)
    assert batch.failed == 2
    sample(tw, "RT0001", [code_of(tw.mine.person)])  # 张三 came for sampling meanwhile
    gateway.status = 200
    assert services.retry_failed(scope=tw.officer_scope, batch=batch) == 1
    assert [seen["phone"] for seen in gateway.seen[2:]] == ["13900001111"]
    statuses = dict(MessageLog.objects.filter(batch=batch).values_list("person_id", "status"))
    assert statuses == {tw.mine.person.pk: "failed", tw.mine.housemate.pk: "sent"}
    batch.refresh_from_db()
    assert (batch.sent, batch.failed) == (1, 1)
    # An audience that cannot be found any more (its round closed): nothing is sent.
    MessageBatch.objects.filter(pk=batch.pk).update(params={})
    batch.refresh_from_db()
    with pytest.raises(ApplicationError) as lost:
        services.retry_failed(scope=tw.officer_scope, batch=batch)
    assert (lost.value.status, len(gateway.seen)) == (409, 3)
    # A batch of an earlier day is not retried: its "come today" no longer holds.
    MessageBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - dt.timedelta(days=1)
    )
    batch.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        services.retry_failed(scope=tw.officer_scope, batch=batch)
    assert refused.value.status == 409
    assert len(gateway.seen) == 3


def test_a_receipt_takes_only_a_sent_message_and_the_first_holds(
    tw: TWorld, gateway: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    failed = send(tw, django_capture_on_commit_callbacks)
    [refused, *_] = MessageLog.objects.filter(batch=failed)
    gateway.status = 200
    sent = send(tw, django_capture_on_commit_callbacks)
    [first, second] = MessageLog.objects.filter(batch=sent).order_by("id")
    answers = services.record_receipts(
        [
            services.Receipt(id=refused.message_id, status="delivered"),
            services.Receipt(
                id=first.message_id, status="delivered", at=dt.datetime(2026, 12, 5, 10, 0)
            ),
            services.Receipt(id=first.message_id, status="undelivered"),
            services.Receipt(id=second.message_id, status="undelivered"),
            services.Receipt(id=second.message_id, status="delivered"),
        ]
    )
    assert answers == {refused.message_id: "ok", first.message_id: "ok", second.message_id: "ok"}
    rows = {m.message_id: m for m in MessageLog.objects.all()}
    assert (rows[refused.message_id].status, rows[refused.message_id].delivered_at) == (
        "failed",
        None,
    )
    assert rows[first.message_id].status == "delivered"
    # A time without a zone is the local time (Asia/Shanghai).
    assert timezone.localtime(rows[first.message_id].delivered_at).strftime("%H:%M") == "10:00"
    assert rows[second.message_id].status == "undelivered"
    settings.FANGKONG_SMS_RECEIPT_TOKEN = "provider-secret"
    naive = Client().post(
        "/api/v1/messaging/receipts",
        [{"id": second.message_id, "status": "delivered", "at": "2026-12-05T10:00:00"}],
        content_type="application/json",
        headers={"authorization": "Bearer provider-secret"},
    )
    assert naive.status_code == 200
    assert naive.json() == {"results": {second.message_id: "ok"}}


def test_the_pages(tw: TWorld, django_capture_on_commit_callbacks: Any) -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(tw.officer)
    new = reverse("messaging:new", args=["testing.unsampled"])
    preview = client.post(new, {**params(tw), "text": TEXT, "preview": "1"})
    assert preview.status_code == 200
    assert "2 people; 0 without a phone" in preview.content.decode()
    assert MessageBatch.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(new, {**params(tw), "text": TEXT, "confirm": "1"})
    batch = MessageBatch.objects.get()
    assert sent.status_code == 302 and sent["Location"] == reverse(
        "messaging:batch", args=[batch.pk]
    )
    page = client.get(sent["Location"]).content.decode()
    assert page.count('data-status="sent"') == 2
    assert "138****5678" in page and "13812345678" not in page
    export = client.get(reverse("messaging:export", args=[batch.pk]))
    assert export.status_code == 200 and export.content[:2] == b"PK"
    # The person file shows the message, masked, linked to its batch.
    # A page number beyond reach (it would overflow the database) is the first page.
    far = client.get(reverse("messaging:batch", args=[batch.pk]) + "?page=" + "9" * 30)
    assert far.status_code == 200 and far.content.decode().count('data-status="sent"') == 2
    beyond = client.get(reverse("messaging:batch", args=[batch.pk]) + "?page=999999999")
    assert beyond.status_code == 200 and 'data-status="sent"' not in beyond.content.decode()
    person = client.get(reverse("registry:person", args=[tw.mine.person.pk])).content.decode()
    assert "Text message (Not yet sampled in a round, in a compound): Sent" in person
    assert reverse("messaging:batch", args=[batch.pk]) in person
