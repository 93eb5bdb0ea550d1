"""Browser tests: the real server on a throwaway database, driven by Debian's Chromium.

Once per test session (per xdist worker, when the suite runs with xdist): a temporary
var dir, a database of its own (a new PostgreSQL database on the server the suite uses,
or a SQLite file), `fangkong migrate`, `fangkong demo --persons 600`, and `fangkong
serve` (gunicorn and the huey consumer, as in production) on a free loopback port.
Everything the tests check goes through the browser; what they compare against comes
from the database through `fangkong shell` (`Server.query`), never from the test's own
writes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PERSONS = 600
DEMO_PASSWORD = "fangkong-demo"  # the demo's documented password
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_TIMEOUT = 45.0
RESULT_MARK = "E2E-RESULT "

# The background import and the htmx polling (1 s) take a few seconds; the rest is quick.
expect.set_options(timeout=10_000)


# Runs inside `fangkong shell` for the whole session: one Django start-up instead of one
# per query. Each request is a line of JSON {"source", "params"}; the source sets `result`.
QUERY_LOOP = f"""
import json, sys, traceback
for line in sys.stdin:
    request = json.loads(line)
    namespace = {{"params": request["params"]}}
    try:
        exec(request["source"], namespace)
        reply = {{"result": namespace.get("result")}}
    except Exception:
        reply = {{"error": traceback.format_exc()}}
    print({RESULT_MARK!r} + json.dumps(reply, ensure_ascii=False, default=str), flush=True)
"""


class Database:
    """Read-only questions to the server's database, answered by a `fangkong shell`."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log = log
        self._errors = log.open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "fangkong", "shell", "--no-imports", "-c", QUERY_LOOP],
            env=env,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            encoding="utf-8",
        )

    def query(self, source: str, **params: Any) -> Any:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps({"source": textwrap.dedent(source), "params": params}) + "\n")
        stdin.flush()
        while line := stdout.readline():
            if line.startswith(RESULT_MARK):
                reply = json.loads(line[len(RESULT_MARK) :])
                if "error" in reply:
                    pytest.fail(f"query failed:\n{reply['error']}", pytrace=False)
                return reply["result"]
        pytest.fail(
            f"`fangkong shell` exited with {self._process.wait()}:\n{_log_tail(self.log)}",
            pytrace=False,
        )

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._errors.close()


@dataclass
class Server:
    url: str
    env: dict[str, str]
    var_dir: Path
    log: Path
    database: Database
    # What one test leaves for another in the same session (e.g. the worker's reveal,
    # which the audit viewer test looks for).
    state: dict[str, Any] = field(default_factory=dict)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start a `fangkong` command against this server's database; `output` waits for
        it. A test goes on (say, logs in) while the command starts up."""
        return subprocess.Popen(
            [sys.executable, "-m", "fangkong", *args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @staticmethod
    def output(process: subprocess.Popen[str], timeout: float = 120) -> str:
        """The standard output of a command from `start`; fail if it failed."""
        out, err = process.communicate(timeout=timeout)
        if process.returncode != 0:
            command = (
                process.args
                if isinstance(process.args, str)
                else " ".join(
                    str(a)
                    for a in process.args  # type: ignore[union-attr]
                )
            )
            pytest.fail(
                f"`{command}` exited with {process.returncode}:\n{out[-4000:]}\n{err[-6000:]}",
                pytrace=False,
            )
        return out

    def last_traceback(self) -> str:
        """The server's last logged traceback (gunicorn or the huey consumer), if any."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        start = text.rfind("Traceback (most recent call last)")
        if start < 0:
            return "(no traceback in the server's log)"
        lines = text[start:].splitlines()
        end = next(
            (
                i
                for i, line in enumerate(lines[1:], 1)
                if line
                and not line.startswith((" ", "Traceback", "During", "The above"))
                and ":" in line
            ),
            len(lines) - 1,
        )
        return "\n".join(lines[: end + 1])

    def query(self, source: str, **params: Any) -> Any:
        """Run `source` against the server's database: it reads `params` and sets `result`
        (anything JSON can carry)."""
        return self.database.query(source, **params)


def run_fangkong(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    process = subprocess.run(
        [sys.executable, "-m", "fangkong", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if process.returncode != 0:
        pytest.fail(
            f"`fangkong {' '.join(args[:2])}` exited with {process.returncode}:\n"
            f"{process.stdout[-4000:]}\n{process.stderr[-6000:]}",
            pytrace=False,
        )
    return process.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def throwaway_database(tmp: Path) -> Iterator[str]:
    """A database for this session only: on the suite's PostgreSQL server, else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp / 'fangkong.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    name = f"fangkong_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def server_environment(tmp: Path, database_url: str) -> dict[str, str]:
    dropped = {
        "HUEY_SQLITE_PATH",
        "REDIS_URL",
        "TEST_DATABASE_NAME",
        "STATIC_ROOT",
        "FANGKONG_SECURE_COOKIES",
        "ALLOWED_HOSTS",
        "FANGKONG_HOME",
    }
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "fangkong.settings",
            "DATABASE_URL": database_url,
            "FANGKONG_VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "static"),
            "FANGKONG_PLAIN_STATIC": "1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FANGKONG_DEMO_PASSWORD": DEMO_PASSWORD,
            "HUEY_IMMEDIATE": "0",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _get(url: str, timeout: float = 2.0) -> int:
    """Status of a GET on loopback, ignoring any proxy settings of the environment."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # `serve` forwards it to gunicorn and huey
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _log_tail(path: Path, chars: int = 8000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no output)"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    with throwaway_database(tmp) as database_url:
        env = server_environment(tmp, database_url)
        # Static files do not need the database: copy them while migrate runs. They
        # must be in place before the server starts (WhiteNoise looks once, at start).
        static = subprocess.Popen(
            [sys.executable, "-m", "fangkong", "collectstatic", "--noinput", "--verbosity", "0"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        run_fangkong(env, "migrate", "--noinput", "--verbosity", "0")
        static_output = static.communicate(timeout=300)[0].decode(errors="replace")
        if static.returncode != 0:
            pytest.fail(f"`fangkong collectstatic` failed:\n{static_output}", pytrace=False)

        # The server and the query helper start up while the demo district loads.
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                # migrate has run the system checks
                [
                    sys.executable,
                    "-m",
                    "fangkong",
                    "serve",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--skip-checks",
                ],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group
            )
        database = Database(env, tmp / "query.log")
        try:
            run_fangkong(
                env, "demo", "--persons", str(DEMO_PERSONS), "--seed", "1", "--skip-checks"
            )
            started = time.monotonic()
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"`fangkong serve` exited with {process.returncode}:\n{_log_tail(log)}",
                        pytrace=False,
                    )
                try:
                    if _get(f"{url}/healthz") == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() - started > SERVER_START_TIMEOUT:
                    pytest.fail(
                        f"`fangkong serve` did not answer /healthz within "
                        f"{SERVER_START_TIMEOUT:.0f} s:\n{_log_tail(log)}",
                        pytrace=False,
                    )
                time.sleep(0.2)
            status = _get(f"{url}/static/fangkong/app.css")
            if status != 200:
                pytest.fail(
                    f"static files are not served: /static/fangkong/app.css -> {status}",
                    pytrace=False,
                )
            yield Server(url=url, env=env, var_dir=tmp / "var", log=log, database=database)
        finally:
            database.close()
            _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """Script errors and failed static files on a page: a test must not pass over them."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on(
            "response",
            lambda r: (
                self.errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and "/static/" in r.url
                else None
            ),
        )
        return page


@pytest.fixture
def phone(browser: Browser, server: Server) -> Iterator[Page]:
    """A page on a 360×740 phone (2x pixels, touch), Chinese locale, downloads allowed."""
    context = browser.new_context(
        base_url=server.url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        accept_downloads=True,
    )
    problems = PageProblems()
    yield problems.watch(context.new_page())
    context.close()
    assert problems.errors == []


@pytest.fixture
def desktop(browser: Browser, server: Server) -> Iterator[Callable[[], Page]]:
    """Pages on a 1366×900 desktop, each in a fresh context (one user per context)."""
    contexts = []
    problems = PageProblems()

    def new_page() -> Page:
        context = browser.new_context(
            base_url=server.url,
            viewport=DESKTOP,
            device_scale_factor=1,
            locale="zh-CN",
            accept_downloads=True,
        )
        contexts.append(context)
        return problems.watch(context.new_page())

    yield new_page
    for context in contexts:
        context.close()
    assert problems.errors == []


LogIn = Callable[..., None]
Shoot = Callable[[Page, str], Path]


def _log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/(\?.*)?$"))


def _screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot into build/screenshots/; then check nothing overflows
    sideways (the screenshot shows what does)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (
        f"{page.url} is {scroll_width} px wide on a {width} px screen; see {path}"
    )
    return path


@pytest.fixture(scope="session")
def log_in() -> LogIn:
    """log_in(page, username[, password]): the login form; waits until it is left."""
    return _log_in


@pytest.fixture(scope="session")
def shoot() -> Shoot:
    """shoot(page, "01-name.png"): assert no horizontal overflow, save a full-page PNG."""
    return _screenshot


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The phone journey first: the desktop audit test then finds the worker's reveal."""
    positions = [i for i, item in enumerate(items) if HERE in Path(str(item.path)).parents]
    ours = sorted(
        (items[i] for i in positions),
        key=lambda item: 0 if Path(str(item.path)).name == "test_worker_on_phone.py" else 1,
    )
    for position, item in zip(positions, ours, strict=True):
        items[position] = item
