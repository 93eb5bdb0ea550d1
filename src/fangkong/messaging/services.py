"""Writes of texts to residents: a batch to an audience (previewed, then sent in the
background at a rate limit), one system message (a release notice, a retest alarm), the
provider's delivery receipts, and a retry of the failed.

Every message is a `MessageLog` row written before it is handed to the gateway
(core.sms), then marked sent or failed; at most one message of a kind reaches a person
a day unless forced with a reason: the database refuses a second unforced row, and an
unforced message is not written when a forced one went out that day. A message the
gateway refused does not count: a later batch (or the retry) may text the person.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

from fangkong.accounts.selectors import actor_display
from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError
from fangkong.core.masking import mask_name
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.sms import SmsError, send_sms

from . import audiences, selectors
from .models import MessageBatch, MessageLog

log = logging.getLogger("fangkong.messaging")

TEXT_MAX = 300
FILL_RE = re.compile(r"\{(\w+)\}")
PROGRESS_EVERY = 20
DEFAULT_PER_SECOND = 20.0


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        message, errors=[FieldError(field=field, code="invalid", message=message)]
    )


def per_second() -> float:
    return float(getattr(settings, "FANGKONG_SMS_PER_SECOND", DEFAULT_PER_SECOND)) or 1.0


def render(text: str, fill: dict[str, str]) -> str:
    return FILL_RE.sub(lambda m: fill.get(m.group(1), ""), text)


def _audience(key: str) -> audiences.Audience:
    found = audiences.get(key)
    if found is None:
        raise _invalid("audience", _("Choose whom to text."))
    return found


def _clean(
    scope: Scope, audience: audiences.Audience, params: dict[str, Any], text: str
) -> tuple[dict[str, str], str, str]:
    """The parameters (each one of its choices), the text and the jurisdiction."""
    cleaned: dict[str, str] = {}
    for param in audience.params:
        value = str(params.get(param.name, "")).strip()
        if value not in {v for v, _label in param.choices(scope)}:
            raise _invalid(param.name, _("Choose %(what)s from the list.") % {"what": param.label})
        cleaned[param.name] = value
    text = " ".join(text.split())
    if not text:
        raise _invalid("text", _("Write the text of the message."))
    if len(text) > TEXT_MAX:
        raise _invalid("text", _("At most %(n)s characters.") % {"n": TEXT_MAX})
    allowed = {"name", *audience.fill_ins}
    unknown = sorted(set(FILL_RE.findall(text)) - allowed)
    if unknown:
        raise _invalid(
            "text",
            _("Unknown fill-in %(names)s; use %(allowed)s.")
            % {
                "names": "、".join(f"{{{n}}}" for n in unknown),
                "allowed": "、".join(f"{{{n}}}" for n in sorted(allowed)),
            },
        )
    code = audience.code_of(scope, cleaned)
    scope.require(audience.perm, at=code)
    return cleaned, text, code


@dataclass(frozen=True)
class Preview:
    total: int
    no_phone: int
    texted_today: int
    sample: str


def preview(*, scope: Scope, key: str, params: dict[str, Any], text: str) -> Preview:
    audience = _audience(key)
    cleaned, text, _code = _clean(scope, audience, params, text)
    people = list(audience.people(scope, cleaned))
    with_phone = [p for p in people if p.phone]
    already = selectors.texted_today(kind=key, person_ids=[p.person_id for p in with_phone])
    first = with_phone[0] if with_phone else None
    sample = render(text, {**first.fill, "name": mask_name(first.name)}) if first else ""
    return Preview(
        total=len(people),
        no_phone=len(people) - len(with_phone),
        texted_today=len(already),
        sample=sample,
    )


def batch_create(
    *, scope: Scope, key: str, params: dict[str, Any], text: str, forced_reason: str = ""
) -> MessageBatch:
    """A batch to an audience, sent in the background once this transaction commits."""
    audience = _audience(key)
    cleaned, text, code = _clean(scope, audience, params, text)
    forced_reason = " ".join(forced_reason.split())[:200]
    with transaction.atomic():
        batch = MessageBatch.objects.create(
            kind=key,
            audience=key,
            params=cleaned,
            text=text,
            jurisdiction_code=code,
            office_code=scope.code or "",
            forced_reason=forced_reason,
            created_by_id=scope.actor_id,
            created_by_name=actor_display(scope),
        )
        audit.record(
            scope,
            "messaging.batch",
            batch,
            jurisdiction_code=code,
            reason=forced_reason,
            data={"audience": key, "params": cleaned, "text": text},
        )
        transaction.on_commit(lambda: send_batch_task(batch.pk))
    return batch


class Pacer:
    """At most `rate` messages a second: wait before a message until its turn. Safe to
    share between threads: each caller reserves the next slot, then sleeps outside the
    lock."""

    def __init__(
        self,
        rate: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self.clock, self.sleep = clock, sleep
        self.next_at: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.clock()
            turn = now if self.next_at is None else max(now, self.next_at)
            self.next_at = turn + self.interval
        if turn > now:
            self.sleep(turn - now)


_shared: Pacer | None = None
_shared_lock = threading.Lock()


def shared_pacer() -> Pacer:
    """The process's one pace: the task queue's workers (HUEY_WORKERS threads) sending
    two batches at once share FANGKONG_SMS_PER_SECOND instead of each taking it."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared.rate != per_second():
            _shared = Pacer(per_second())
        return _shared


def _pacer(clock: Callable[[], float] | None, sleep: Callable[[float], None] | None) -> Pacer:
    if clock is None and sleep is None:
        return shared_pacer()
    return Pacer(per_second(), clock=clock or time.monotonic, sleep=sleep or time.sleep)


def _log_once(
    *,
    kind: str,
    person_id: int,
    phone: str,
    jurisdiction_code: str,
    text: str,
    forced_reason: str,
    batch: MessageBatch | None,
    day: dt.date,
) -> MessageLog | None:
    """The message's row, or None when the person had this kind today already."""
    if not forced_reason and selectors.texted_today(kind=kind, person_ids=[person_id], day=day):
        return None  # a forced message today counts too
    try:
        with transaction.atomic():
            return MessageLog.objects.create(
                batch=batch,
                kind=kind,
                person_id=person_id,
                phone=phone,
                jurisdiction_code=jurisdiction_code,
                day=day,
                text=text,
                forced_reason=forced_reason,
                message_id=uuid.uuid4().hex,
                queued_at=timezone.now(),
            )
    except IntegrityError:  # an unforced one of another batch at the same moment
        return None


def _hand_over(message: MessageLog) -> bool:
    try:
        result = send_sms(
            message.phone, message.text, purpose=message.kind, message_id=message.message_id
        )
    except Exception as exc:  # SmsError, or a backend's bug: the message says so
        if not isinstance(exc, SmsError):
            log.exception("message %s: the SMS backend failed", message.pk)
        MessageLog.objects.filter(pk=message.pk).update(
            status=MessageLog.Status.FAILED, error=str(exc)[:300] or type(exc).__name__
        )
        return False
    MessageLog.objects.filter(pk=message.pk).update(
        status=MessageLog.Status.SENT,
        provider_id=result.provider_id[:100],
        sent_at=timezone.now(),
        error="",
    )
    return True


def send_one(
    *,
    kind: str,
    person_id: int,
    phone: str,
    jurisdiction_code: str,
    text: str,
    forced_reason: str = "",
) -> MessageLog | None:
    """A system message now (a release notice, a retest alarm), logged; None when the
    person had one of this kind today already. Call it after the commit of the change it
    tells about; a gateway failure is logged, never raised."""
    message = _log_once(
        kind=kind,
        person_id=person_id,
        phone=phone,
        jurisdiction_code=jurisdiction_code,
        text=text,
        forced_reason=forced_reason,
        batch=None,
        day=timezone.localdate(),
    )
    if message is not None:
        _hand_over(message)
        message.refresh_from_db()
    return message


def _progress(batch: MessageBatch, counts: dict[str, int]) -> None:
    MessageBatch.objects.filter(pk=batch.pk).update(**counts)


def send_batch(
    batch_id: int,
    *,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> MessageBatch:
    """The background job: every person of the audience, at the rate limit."""
    with transaction.atomic():
        batch = MessageBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != MessageBatch.Status.QUEUED:
            return batch
        batch.status = MessageBatch.Status.SENDING
        batch.started_at = timezone.now()
        batch.save(update_fields=["status", "started_at"])
    audience = audiences.get(batch.audience)
    scope = Scope.system(
        reason=f"text message batch {batch.pk}",
        code=batch.office_code or batch.jurisdiction_code,
    )
    try:
        if audience is None:
            raise RuntimeError(f"no audience {batch.audience!r}")
        people = list(audience.people(scope, dict(batch.params)))
    except Exception as exc:  # the audience failed: the batch says why
        log.exception("batch %s: audience failed", batch.pk)
        MessageBatch.objects.filter(pk=batch.pk).update(
            status=MessageBatch.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        batch.refresh_from_db()
        return batch
    counts = {"total": len(people), "done": 0, "sent": 0, "failed": 0, "skipped": 0, "no_phone": 0}
    _progress(batch, counts)
    try:
        _send_to(batch, people, counts, _pacer(clock, sleep))
    except Exception as exc:  # the database went away mid-batch: the batch says so
        log.exception("batch %s: stopped after %s", batch.pk, counts["done"])
        MessageBatch.objects.filter(pk=batch.pk).update(
            **counts,
            status=MessageBatch.Status.FAILED,
            error=str(exc)[:500],
            finished_at=timezone.now(),
        )
    else:
        MessageBatch.objects.filter(pk=batch.pk).update(
            **counts, status=MessageBatch.Status.DONE, finished_at=timezone.now()
        )
    batch.refresh_from_db()
    return batch


def _send_to(
    batch: MessageBatch, people: list[audiences.Recipient], counts: dict[str, int], pacer: Pacer
) -> None:
    day = timezone.localdate()
    for index, person in enumerate(people, start=1):
        if not person.phone:
            counts["no_phone"] += 1
        else:
            message = _log_once(
                kind=batch.kind,
                person_id=person.person_id,
                phone=person.phone,
                jurisdiction_code=person.jurisdiction_code,
                text=render(batch.text, {**person.fill, "name": mask_name(person.name)}),
                forced_reason=batch.forced_reason,
                batch=batch,
                day=day,
            )
            if message is None:
                counts["skipped"] += 1
            else:
                pacer.wait()
                counts["sent" if _hand_over(message) else "failed"] += 1
        counts["done"] = index
        if index % PROGRESS_EVERY == 0:
            _progress(batch, counts)


def _send_batch_job(batch_id: int) -> None:
    send_batch(batch_id)


# The background task (huey discovers it through messaging/tasks.py).
send_batch_task = db_task(retries=0)(_send_batch_job)


def retry_failed(
    *,
    scope: Scope,
    batch: MessageBatch,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Send the batch's failed messages of today again (the same rows) to those still in
    its audience and not texted this kind since; returns those now sent. A batch of an
    earlier day is not retried: its text ("come today …") no longer holds."""
    audience = audiences.get(batch.audience)
    scope.require(audience.perm if audience else Perm.MESSAGE_SEND, at=batch.jurisdiction_code)
    if batch.status != MessageBatch.Status.DONE:
        raise Conflict(_("The batch is still being sent."))
    today = timezone.localdate()
    if timezone.localdate(batch.created_at) != today or audience is None:
        raise Conflict(_("The batch was sent on an earlier day; send a new one."))
    office = Scope.system(
        reason=f"retry of text message batch {batch.pk}",
        code=batch.office_code or batch.jurisdiction_code,
    )
    try:
        still = {p.person_id for p in audience.people(office, dict(batch.params))}
    except Exception:  # its round closed, its compound gone: as in send_batch
        log.exception("batch %s: the audience failed on retry", batch.pk)
        raise Conflict(
            _("The audience of the batch cannot be found now; send a new one.")
        ) from None
    failed = [
        m
        for m in MessageLog.objects.filter(
            batch=batch, status=MessageLog.Status.FAILED, day=today
        ).order_by("id")
        if m.person_id in still
    ]
    with transaction.atomic():
        audit.record(
            scope,
            "messaging.retry",
            batch,
            jurisdiction_code=batch.jurisdiction_code,
            data={"messages": len(failed)},
        )
    pacer = _pacer(clock, sleep)
    sent = 0
    for message in failed:
        if not _requeue(message):
            continue  # texted this kind since, by another batch
        pacer.wait()
        sent += _hand_over(message)
    MessageBatch.objects.filter(pk=batch.pk).update(
        sent=F("sent") + sent, failed=F("failed") - sent
    )
    return sent


def _requeue(message: MessageLog) -> bool:
    """The failed row back to queued; False when the person had an unforced message of
    the kind that day since (the rule refuses a second) or a forced one."""
    if not message.forced_reason and selectors.texted_today(
        kind=message.kind, person_ids=[message.person_id], day=message.day
    ):
        return False
    try:
        with transaction.atomic():
            return bool(
                MessageLog.objects.filter(pk=message.pk, status=MessageLog.Status.FAILED).update(
                    status=MessageLog.Status.QUEUED, error=""
                )
            )
    except IntegrityError:
        return False


@dataclass(frozen=True)
class Receipt:
    id: str
    status: str  # "delivered" | "undelivered"
    at: dt.datetime | None = None


def record_receipts(receipts: list[Receipt]) -> dict[str, str]:
    """The provider's delivery receipts, by our message id: "ok", "unknown" or
    "invalid" per id. Only a message handed to the gateway (sent) takes a receipt, and
    the first one holds: a receipt repeated, or contradicting one already taken, changes
    nothing and answers "ok". A time without a zone is local time."""
    answers: dict[str, str] = {}
    statuses = {
        "delivered": MessageLog.Status.DELIVERED,
        "undelivered": MessageLog.Status.UNDELIVERED,
    }
    known = set(
        MessageLog.objects.filter(message_id__in=[r.id for r in receipts]).values_list(
            "message_id", flat=True
        )
    )
    for receipt in receipts:
        status = statuses.get(receipt.status)
        if status is None:
            answers[receipt.id] = "invalid"
            continue
        if receipt.id not in known:
            answers[receipt.id] = "unknown"
            continue
        at = receipt.at or timezone.now()
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        MessageLog.objects.filter(message_id=receipt.id, status=MessageLog.Status.SENT).update(
            status=status, delivered_at=at
        )
        answers[receipt.id] = "ok"
    return answers


def record_export(*, scope: Scope, batch: MessageBatch, rows: int) -> None:
    """The log's export is a read of personal data (masked phones): audited."""
    with transaction.atomic():
        audit.record(
            scope,
            "messaging.export",
            batch,
            jurisdiction_code=batch.jurisdiction_code,
            data={"rows": rows},
        )
