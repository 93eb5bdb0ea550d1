"""The simulated sampling devices of `fangkong bench sampling` (run by locust, on
loopback only). Each user is one device of the plan (FANGKONG_BENCH_PLAN, a JSON file
written by plan.py): it walks its own people, opening a tube, scanning 20 people into
it, closing it, and posts the scans in batches; a batch not answered 200 is sent again,
the same scans with the same ids, until it is. Every scan the server acknowledges
(stored or duplicate) is written to OUT/acked-<pid>.txt as "<monotonic time> <id>".

FANGKONG_BENCH_MODE: `batch` or `faults` (the API, batches of plan["batch"]), `bare`
(the bare endpoint, same batches). Single scans have their own driver (driver.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from geventhttpclient import connectionpool
from locust import FastHttpUser, constant, task

_tcp_socket = connectionpool.ConnectionPool._create_tcp_socket


def _no_delay(self: Any, family: int, socktype: int, protocol: int) -> Any:
    """Send each request at once (TCP_NODELAY), as browsers and phone HTTP stacks do.
    Without it the client's Nagle algorithm holds a POST's body until the server has
    acknowledged its headers, and Linux delays that acknowledgement by up to 200 ms:
    latency of the test client, not of the server."""
    sock = _tcp_socket(self, family, socktype, protocol)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


connectionpool.ConnectionPool._create_tcp_socket = _no_delay  # type: ignore[method-assign]

PLAN = json.loads(Path(os.environ["FANGKONG_BENCH_PLAN"]).read_text())
MODE = os.environ.get("FANGKONG_BENCH_MODE", "batch")
OUT = Path(PLAN["out"])
POOL = 20
_next_device = itertools.count()
_acked = (OUT / f"acked-{MODE}-{os.getpid()}.txt").open("a", buffering=1)
_rejected = (OUT / f"rejected-{MODE}-{os.getpid()}.txt").open("a", buffering=1)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def scan_stream(device: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """open, 20 samples, close, … over the device's own identity numbers."""
    ids = device["ids"]
    for n, start in enumerate(range(0, len(ids), POOL)):
        tube = f"{device['prefix']}{MODE[0].upper()}{n:06d}"
        yield {"id": uuid.uuid4().hex, "kind": "open", "tube": tube, "at": _now()}
        for code in ids[start : start + POOL]:
            yield {
                "id": uuid.uuid4().hex,
                "kind": "sample",
                "tube": tube,
                "code": code,
                "at": _now(),
            }
        yield {"id": uuid.uuid4().hex, "kind": "close", "tube": tube, "at": _now()}


class Device(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 5.0
    network_timeout = 30.0

    def on_start(self) -> None:
        index = next(_next_device)
        devices = PLAN["devices"]
        self.device = devices[index % len(devices)]
        self.stream = scan_stream(self.device)
        self.size = int(PLAN["batch"])
        self.path = "/bench/bare-scans" if MODE == "bare" else "/api/v1/testing/scans"
        self.name = {"batch": "scans-batch", "bare": "bare-batch", "faults": "scans-faults"}[MODE]
        self.headers = {"Authorization": f"Bearer {self.device['token']}"}

    @task
    def post_batch(self) -> None:
        batch = list(itertools.islice(self.stream, self.size))
        if not batch:
            time.sleep(1)
            return
        body = json.dumps({"campaign": PLAN["campaign"], "scans": batch})
        delay = 0.1
        while True:  # a device retries until the server answers
            with self.client.post(
                self.path, data=body, headers=self.headers, name=self.name, catch_response=True
            ) as response:
                if response.status_code == 200:
                    answers = response.json()["results"]
                    t = time.monotonic()
                    for a in answers:
                        if a["status"] == "rejected":
                            _rejected.write(f"{a['id']} {a.get('code', '')}\n")
                        else:
                            _acked.write(f"{t:.3f} {a['id']}\n")
                    response.success()
                    return
                response.failure(f"HTTP {response.status_code}")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
