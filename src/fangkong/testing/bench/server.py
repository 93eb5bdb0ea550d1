"""The application served as in production (gunicorn sync workers, DEBUG off, the
settings `fangkong serve` uses), in its own process group so that the benchmark can
kill -9 the master and all its workers at once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from fangkong.core.management.commands.serve import gunicorn_command


class Server:
    def __init__(self, *, port: int, workers: int, log: Path, database: str) -> None:
        self.database = database
        self.port = port
        self.workers = workers
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        command = gunicorn_command(bind=f"127.0.0.1:{self.port}", workers=self.workers, timeout=60)
        at = command.index("--access-logfile")  # a line per batch: noise, unless asked
        del command[at : at + 2]
        if path := os.environ.get("FANGKONG_BENCH_ACCESS_LOG"):
            # Each request's time in the server, to tell queueing from serving.
            command += ["--access-logfile", path, "--access-logformat", "%(L)s %(s)s %(r)s"]
        env = {
            **os.environ,
            "FANGKONG_BENCH_BARE": "1",
            "DEBUG": "0",
            "DATABASE_URL": self.database,
        }
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                command, env=env, stdout=out, stderr=out, start_new_session=True
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on {self.url} (see {self.log})")

    def kill(self) -> None:
        """kill -9 the master and every worker (the whole process group)."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.kill()
