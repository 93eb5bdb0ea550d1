"""The single-scan devices of `fangkong bench sampling`: one thread per device, each
sending one scan a second on a fresh connection (TCP_NODELAY, as a phone's HTTP stack
does), timing every request from send to answer. A plain driver of the same kind as
locust: locust's gevent client, reconnecting for every request to the sync server, put
about 200 ms of its own into each of these requests (its median 220-280 ms while
gunicorn's own access log showed 7 ms; ADR 0020), which would measure the client."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import random
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

POOL = 20


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class _Device(threading.Thread):
    def __init__(
        self, device: dict[str, Any], campaign: int, url: str, until: float, start_at: float
    ) -> None:
        super().__init__(daemon=True)
        self.device = device
        self.campaign = campaign
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.until = until
        self.start_at = start_at
        self.latencies: list[tuple[float, float]] = []  # (sent at, seconds)
        self.acked: list[str] = []
        self.failures = 0

    def _post(self, scan: dict[str, Any]) -> bool:
        body = json.dumps({"campaign": self.campaign, "scans": [scan]})
        headers = {
            "Authorization": f"Bearer {self.device['token']}",
            "Content-Type": "application/json",
        }
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.connect()
            assert conn.sock is not None
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sent = time.monotonic()
            started = time.perf_counter()
            conn.request("POST", "/api/v1/testing/scans", body, headers)
            response = conn.getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - started
        except OSError:
            self.failures += 1
            return False
        finally:
            conn.close()
        if response.status != 200:
            self.failures += 1
            return False
        self.latencies.append((sent, elapsed))
        for answer in json.loads(payload)["results"]:
            if answer["status"] != "rejected":
                self.acked.append(answer["id"])
        return True

    def _scans(self) -> Any:
        ids = self.device["ids"]
        for n, start in enumerate(range(0, len(ids), POOL)):
            tube = f"{self.device['prefix']}S{n:06d}"
            yield {"id": uuid.uuid4().hex, "kind": "open", "tube": tube}
            for code in ids[start : start + POOL]:
                yield {"id": uuid.uuid4().hex, "kind": "sample", "tube": tube, "code": code}

    def run(self) -> None:
        time.sleep(max(0.0, self.start_at - time.monotonic()))
        tick = time.monotonic()
        for scan in self._scans():
            scan["at"] = _now()
            while time.monotonic() < self.until and not self._post(scan):
                time.sleep(0.2)  # sent again, the same scan, until answered
            tick += 1.0
            if time.monotonic() >= self.until:
                return
            time.sleep(max(0.0, tick - time.monotonic()))


def single_scans(*, plan: Path, url: str, seconds: int, ramp: int, out: Path) -> list[float]:
    """Run every device of the plan for `seconds` after a start spread over `ramp`
    seconds; return the latencies of the requests answered after the ramp, and write
    the acknowledged ids to OUT/acked-single-driver.txt."""
    spec = json.loads(plan.read_text())
    now = time.monotonic()
    until = now + ramp + seconds
    rng = random.Random(7)
    devices = [
        _Device(d, spec["campaign"], url, until, now + rng.uniform(0, ramp))
        for d in spec["devices"]
    ]
    for device in devices:
        device.start()
    for device in devices:
        device.join()
    with (out / "acked-single-driver.txt").open("w") as file:
        for device in devices:
            for cid in device.acked:
                file.write(f"0 {cid}\n")
    with (out / "single-latencies.txt").open("w") as file:  # for a look at the tail
        for d in devices:
            for sent, elapsed in d.latencies:
                file.write(f"{sent - now:.3f} {elapsed * 1000:.1f}\n")
    # The steady load: the requests sent once every device had started.
    steady = now + ramp
    return [elapsed for d in devices for sent, elapsed in d.latencies if sent >= steady]
