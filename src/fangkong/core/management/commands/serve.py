"""`fangkong serve`: the production web server and the task consumer, together.

Runs gunicorn (sync workers, WSGI) and huey's consumer (`run_huey`) as child processes,
forwards SIGINT and SIGTERM to both, and when either exits on its own stops the other
and exits non-zero, so a supervisor (systemd, `make run`) sees the failure. In a larger
deployment run `fangkong serve --no-consumer` and `fangkong run_huey` as separate
services instead.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Seconds the children get to finish after a stop signal before they are killed.
STOP_TIMEOUT = 35.0


def gunicorn_command(*, bind: str, workers: int, timeout: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "fangkong.wsgi:application",
        "--bind", bind,
        "--workers", str(workers),
        "--worker-class", "sync",
        "--timeout", str(timeout),
        "--graceful-timeout", "30",
        "--keep-alive", "5",
        # Load the application once in the master: a recycled worker is a fork, not a
        # second of Django start-up during which its share of requests waits.
        "--preload",
        # Recycle workers now and then so a slow leak never takes the server down.
        "--max-requests", "2000",
        "--max-requests-jitter", "200",
        "--access-logfile", "-",
        "--error-logfile", "-",
        # gunicorn 27's control socket lives in $HOME: two servers on one machine would
        # fight over it, and nothing here uses it.
        "--no-control-socket",
    ]  # fmt: skip


def consumer_command() -> list[str]:
    # `serve` has run the system checks already (unless told to skip them).
    return [sys.executable, "-m", "fangkong", "run_huey", "--skip-checks"]


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run the huey task consumer beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("FANGKONG_BIND", "127.0.0.1:8000"),
            help="Address to listen on, HOST:PORT or unix:PATH (default: %(default)s).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "3")),
            help="Number of gunicorn sync worker processes (default: %(default)s).",
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=int(os.environ.get("FANGKONG_REQUEST_TIMEOUT", "60")),
            help="Seconds before a stuck request's worker is restarted (default: %(default)s).",
        )
        parser.add_argument(
            "--no-consumer",
            action="store_true",
            help="Run only the web server (run `fangkong run_huey` elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        env = {"DJANGO_SETTINGS_MODULE": "fangkong.settings", **os.environ}
        commands = {
            "gunicorn": gunicorn_command(
                bind=options["bind"], workers=options["workers"], timeout=options["timeout"]
            )
        }
        if not options["no_consumer"]:
            commands["huey"] = consumer_command()

        stop_signal: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop_signal.append(signum)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)

        # Each child gets its own process group, so a Ctrl-C in the terminal reaches only
        # this process, which forwards it once.
        children = {
            name: subprocess.Popen(command, env=env, process_group=0, preexec_fn=die_with_parent)
            for name, command in commands.items()
        }
        self.stderr.write(
            f"serve: gunicorn on {options['bind']} ({options['workers']} workers)"
            + (", huey consumer" if "huey" in children else "")
            + f"; pids {', '.join(f'{n}={p.pid}' for n, p in children.items())}"
        )

        exited: str | None = None
        while not stop_signal and exited is None:
            for name, process in children.items():
                if process.poll() is not None:
                    exited = name
                    break
            else:
                time.sleep(0.2)

        if stop_signal:
            signum = stop_signal[0]
            self.stderr.write(f"serve: {signal.Signals(signum).name}, stopping")
        else:
            signum = signal.SIGTERM
            code = children[exited].returncode if exited else None
            self.stderr.write(f"serve: {exited} exited with {code}; stopping the rest")
        stop_children(children, signum)

        if exited is not None:
            sys.exit(1)
        failed = {
            name: process.returncode
            for name, process in children.items()
            if process.returncode not in (0, -signum)
        }
        if failed:
            self.stderr.write(f"serve: unclean exit: {failed}")
            sys.exit(1)


def die_with_parent() -> None:
    """In the child: get SIGTERM if `serve` itself dies without stopping us (Linux)."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_children(children: dict[str, subprocess.Popen[bytes]], signum: int) -> None:
    """Send `signum` to every live child, wait, then kill whatever is left."""
    for process in children.values():
        if process.poll() is None:
            process.send_signal(signum)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in children.values():
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
