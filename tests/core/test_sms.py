"""core.sms: the console backend's outbox, and the HTTP backend against a real local
HTTP server (http.server in a thread): what the gateway receives, its id, and every way
the hand-over can fail."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from fangkong.core import sms


class Gateway:
    """A provider that records what it receives and answers as told."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.answer: bytes = b'{"id": "prov-42"}'
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                gateway.received.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(gateway.status)
                if 300 <= gateway.status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(gateway.answer)

            def do_GET(self) -> None:
                gateway.received.append({"path": self.path, "headers": {}, "body": b""})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"id": "from-a-get"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Gateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    # A proxy of the environment must not catch a loopback request.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with Gateway() as running:
        settings.FANGKONG_SMS_BACKEND = "http"
        settings.FANGKONG_SMS_HTTP_URL = running.url
        settings.FANGKONG_SMS_HTTP_TOKEN = "s3cret-token"
        settings.FANGKONG_SMS_HTTP_TIMEOUT = 5
        yield running


def test_the_console_backend_appends_one_line_per_message(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_SMS_BACKEND = "console"
    first = sms.send_sms("13800000001", "【防控】验证码 123456", purpose="otp")
    second = sms.send_sms("13800000002", "您的求助已办结", purpose="support")
    lines = (tmp_path / "sms" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    sent = [json.loads(line) for line in lines]
    assert [(m["id"], m["phone"], m["purpose"], m["text"]) for m in sent] == [
        (first.message_id, "13800000001", "otp", "【防控】验证码 123456"),
        (second.message_id, "13800000002", "support", "您的求助已办结"),
    ]
    assert "验证码" in lines[0]  # written as UTF-8, not \\u escapes
    assert (first.backend, first.provider_id) == ("console", "")
    assert first.message_id != second.message_id and len(first.message_id) == 32


def test_the_http_backend_posts_to_the_gateway(gateway: Gateway) -> None:
    result = sms.send_sms("13812345678", "【防控】验证码 654321", purpose="otp")
    assert (result.backend, result.provider_id) == ("http", "prov-42")
    [request] = gateway.received
    assert request["path"] == "/send"
    headers = request["headers"]
    assert headers["authorization"] == "Bearer s3cret-token"
    assert headers["idempotency-key"] == result.message_id
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(request["body"].decode("utf-8")) == {
        "id": result.message_id,
        "phone": "13812345678",
        "text": "【防控】验证码 654321",
        "purpose": "otp",
    }


def test_an_answer_without_an_id_is_accepted(gateway: Gateway) -> None:
    gateway.status, gateway.answer = 202, b"queued"
    result = sms.send_sms("13812345678", "hello", purpose="otp")
    assert (result.backend, result.provider_id) == ("http", "")
    assert len(gateway.received) == 1


def test_a_server_error_raises(gateway: Gateway) -> None:
    gateway.status, gateway.answer = 500, b'{"error": "down"}'
    with pytest.raises(sms.SmsError, match="answered 500"):
        sms.send_sms("13812345678", "hello", purpose="otp")
    assert len(gateway.received) == 1


def test_an_unreachable_gateway_raises(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as sock:  # a port that was free a moment ago, nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.FANGKONG_SMS_BACKEND = "http"
    settings.FANGKONG_SMS_HTTP_URL = f"http://127.0.0.1:{port}/send"
    settings.FANGKONG_SMS_HTTP_TIMEOUT = 2
    with pytest.raises(sms.SmsError, match="cannot be reached"):
        sms.send_sms("13812345678", "hello", purpose="otp")


def test_an_unset_url_raises(settings: Any) -> None:
    settings.FANGKONG_SMS_BACKEND = "http"
    settings.FANGKONG_SMS_HTTP_URL = ""
    with pytest.raises(sms.SmsError, match="FANGKONG_SMS_HTTP_URL is not set"):
        sms.send_sms("13812345678", "hello", purpose="otp")


def test_a_redirect_is_not_taken_for_delivery(gateway: Gateway) -> None:
    """urllib would follow a 302 with a GET without the message and call it success."""
    gateway.status, gateway.answer = 302, b""
    with pytest.raises(sms.SmsError, match="answered 302"):
        sms.send_sms("13812345678", "hello", purpose="otp")
    assert [r["path"] for r in gateway.received] == ["/send"]


def test_an_answer_that_is_not_http_raises(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """http.client raises its own HTTPException (not an OSError) on a garbled status
    line: it is the gateway's failure like any other."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer() -> None:
        conn, _address = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"GARBAGE\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    settings.FANGKONG_SMS_BACKEND = "http"
    settings.FANGKONG_SMS_HTTP_URL = f"http://127.0.0.1:{server.getsockname()[1]}/send"
    settings.FANGKONG_SMS_HTTP_TIMEOUT = 5
    try:
        with pytest.raises(sms.SmsError, match="not HTTP"):
            sms.send_sms("13812345678", "hello", purpose="otp")
    finally:
        thread.join(5)
        server.close()
