"""Text messages to residents' phones: one interface, two backends.

    from fangkong.core.sms import send_sms
    result = send_sms("13800000000", "【防控】您的验证码是 123456", purpose="otp")

The backend is chosen by settings (docs/operations.md):

- `console` (the default, for development and tests): writes each message to the log
  and appends it as one JSON line to `<var>/sms/outbox.jsonl`, where a developer reads
  the one-time codes. Nothing leaves the machine.
- `http`: POSTs `{"id", "phone", "text", "purpose"}` as JSON to
  `FANGKONG_SMS_HTTP_URL` with `Authorization: Bearer FANGKONG_SMS_HTTP_TOKEN`; any
  2xx answer is accepted, and the provider's `{"id": …}` is kept when it sends one.
  A provider with another protocol gets a small adapter service in front, or a backend
  class here.

Callers log every message they send (who, what kind, when, status) in their own
tables; this module keeps no database state.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("fangkong.sms")

BACKENDS = {
    "console": "fangkong.core.sms.ConsoleBackend",
    "http": "fangkong.core.sms.HttpBackend",
}


class SmsError(Exception):
    """The message could not be handed to the gateway."""


@dataclass(frozen=True)
class SmsResult:
    message_id: str  # ours, sent with the message
    provider_id: str  # the gateway's, when it gives one
    backend: str


class Backend(Protocol):
    name: str

    def send(self, *, message_id: str, phone: str, text: str, purpose: str) -> str:
        """Hand the message over; return the provider's id (or ""), raise SmsError."""
        ...


class ConsoleBackend:
    name = "console"
    _lock = threading.Lock()

    @staticmethod
    def outbox() -> Path:
        return Path(settings.VAR_DIR) / "sms" / "outbox.jsonl"

    def send(self, *, message_id: str, phone: str, text: str, purpose: str) -> str:
        line = json.dumps(
            {
                "id": message_id,
                "at": timezone.now().isoformat(),
                "phone": phone,
                "purpose": purpose,
                "text": text,
            },
            ensure_ascii=False,
        )
        path = self.outbox()
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        log.info("SMS (console) %s to %s: %s", purpose, phone[-4:], text)
        return ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A gateway that redirects has not taken the message: urllib would follow a 30x
    to a POST with a GET without the body and report success."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class HttpBackend:
    name = "http"

    def __init__(self) -> None:
        self.url = getattr(settings, "FANGKONG_SMS_HTTP_URL", "")
        self.token = getattr(settings, "FANGKONG_SMS_HTTP_TOKEN", "")
        self.timeout = float(getattr(settings, "FANGKONG_SMS_HTTP_TIMEOUT", 10))
        if not self.url:
            raise SmsError("FANGKONG_SMS_HTTP_URL is not set")

    def send(self, *, message_id: str, phone: str, text: str, purpose: str) -> str:
        body = json.dumps(
            {"id": message_id, "phone": phone, "text": text, "purpose": purpose},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message_id,
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"the gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"the gateway cannot be reached: {exc}") from exc
        except http.client.HTTPException as exc:  # not HTTP: a malformed answer
            raise SmsError(f"the gateway answered what is not HTTP: {exc!r}") from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            return ""
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


def backend() -> Backend:
    name = getattr(settings, "FANGKONG_SMS_BACKEND", "console")
    path = BACKENDS.get(name, name)
    backend_class = import_string(path)
    return backend_class()


def send_sms(phone: str, text: str, *, purpose: str, message_id: str = "") -> SmsResult:
    """Send one message now; raises SmsError when the gateway refuses or is down.
    `message_id` is the caller's id of the message (its log row's), sent along as the
    idempotency key so that a retry is the same message; a new one by default."""
    message_id = message_id or uuid.uuid4().hex
    chosen = backend()
    provider_id = chosen.send(message_id=message_id, phone=phone, text=text, purpose=purpose)
    return SmsResult(message_id=message_id, provider_id=provider_id, backend=chosen.name)
