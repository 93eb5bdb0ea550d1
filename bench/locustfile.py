"""Load test of person search and the person list, on pages and in the API.

`bench/load.sh` runs it headless against a server on 127.0.0.1 with the demo district
loaded at 2,000,000 people. By hand, against a running server with the demo accounts:

    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 10 -t 60s \\
        --host http://127.0.0.1:8077

Three kinds of user, as the demo accounts: a community worker (one community, about
37,000 people at 2M), a subdistrict officer (its communities) and a district
administrator (the whole district, with TOTP). Each logs in on the web and takes an API
token, then browses: the list, pages forward, searches of every kind the search box
understands, the htmx fragment the search box fetches while one types, the API search
and the API person file, and the jurisdiction tree page. Requests are named by kind
("list", "search:initials", "api:persons", ...) so that the statistics group them;
tasks are tagged "list", "search", "api" and "tree" for locust's --tags and
--exclude-tags.

Search values come from `LOAD_SAMPLES` (default build/load/samples.json), which
load.sh writes from the database once: real names, pinyin, initials, last fours,
phones and addresses of people inside each account's scope. Without the file, common
initials and surnames stand in, and phone and address searches are skipped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import random
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
import pyotp
from locust import HttpUser, between, events, tag, task
from locust.env import Environment
from locust.exception import StopUser

PASSWORD = os.environ.get("FANGKONG_DEMO_PASSWORD", "fangkong-demo")
SAMPLES_PATH = Path(
    os.environ.get(
        "LOAD_SAMPLES", Path(__file__).resolve().parent.parent / "build/load/samples.json"
    )
)
WAIT_MIN = float(os.environ.get("LOAD_WAIT_MIN", "0.5"))
WAIT_MAX = float(os.environ.get("LOAD_WAIT_MAX", "2.0"))
WARMUP_SECONDS = float(os.environ.get("LOAD_WARMUP", "5"))
# With it, the run stops this many seconds after the warm-up (load.sh sets it); without
# it, locust's own --run-time ends the run.
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS", "0"))
# Requests slower than this are logged with their URL, to find the query behind them.
SLOW_MS = float(os.environ.get("LOAD_SLOW_MS", "1000"))
log = logging.getLogger("load")
PER_PAGE = 30  # what the list page shows; paging forward goes this far per page

# Stand-ins when there is no samples file: the commonest surnames and initials. Phones
# and address fragments have none (a made-up one tests nothing): those searches are
# skipped.
FALLBACK = {
    "initials": ["zs", "wl", "lj", "zy", "wj", "lh", "cx", "yl", "zh", "lm"],
    "name": ["张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴"],
    "pinyin": ["zhang", "wang", "li", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu"],
    "last4": ["1234", "0011", "2023", "5678", "3021", "0102", "4417", "6666", "7890", "1001"],
    "phone": [],
    "address": [],
}


def demo_totp_secret(username: str) -> str:
    """The fixed TOTP secret of a demo district account.

    The same derivation as `demo_totp_secret` in
    src/fangkong/accounts/management/commands/demo_accounts.py, repeated here because
    importing that module needs a configured Django; `fangkong totp_code USERNAME`
    prints the same code.
    """
    digest = hashlib.sha256(b"fangkong-demo-totp:" + username.encode()).digest()
    return base64.b32encode(digest[:20]).decode()


def _typed(pinyins: list[str]) -> list[str]:
    """Half the pinyin searches give a whole name, half only its first half, as typed."""
    return [p if i % 2 else p[: max(3, len(p) // 2)] for i, p in enumerate(pinyins) if p]


def load_samples() -> dict[str, dict[str, list[Any]]]:
    """Search values per scope code, from the file load.sh writes; {} without it."""
    try:
        raw = json.loads(SAMPLES_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    samples: dict[str, dict[str, list[Any]]] = {}
    for code, people in (raw or {}).items():
        people = people or []
        samples[code] = {
            "ids": [p["id"] for p in people],
            "initials": [p["name_initials"] for p in people if p["name_initials"]],
            "name": [p["name"] for p in people if p["name"]],
            "pinyin": _typed([p["name_pinyin"] for p in people]),
            "last4": [p["id_last4"] for p in people if p["id_last4"]],
            "phone": [p["phone"] for p in people if p["phone"]],
            "address": [p["fragment"] for p in people if p.get("fragment")],
        }
    return samples


SAMPLES = load_samples()

_started_users = 0
_measuring = False  # set once the warm-up is over and the statistics are reset


def _user_started(environment: Environment) -> None:
    """Once every user has logged in, wait WARMUP_SECONDS and reset the statistics.

    Logging in costs two Argon2 hashes (web and API token; a third of a second of CPU
    each, on purpose), so twenty users logging in at once hold a two-core server for
    many seconds; and each worker's first requests compile templates. The figures are
    meant for the steady state of browsing, so what came before is dropped, except the
    logins themselves ("auth:*"), which keep their own figures and stay out of the
    total. Then, with MEASURE_SECONDS, the run lasts that long and stops.
    """
    global _started_users
    _started_users += 1
    runner = environment.runner
    if runner is None or _started_users != runner.target_user_count:
        return

    def reset() -> None:
        global _measuring
        _measuring = True
        stats = environment.stats
        stats.total.reset()
        stats.history = []
        for (name, _method), entry in stats.entries.items():
            if not name.startswith("auth:"):
                entry.reset()
        log.info("all users logged in; statistics reset after %g s of warm-up", WARMUP_SECONDS)
        if MEASURE_SECONDS > 0 and runner is not None:
            gevent.spawn_later(MEASURE_SECONDS, runner.quit)

    gevent.spawn_later(WARMUP_SECONDS, reset)


@events.request.add_listener
def _log_slow(
    request_type: str, name: str, response_time: float, url: str = "", **kwargs: Any
) -> None:
    if _measuring and response_time >= SLOW_MS and not name.startswith("auth:"):
        log.warning("slow: %s %.0f ms %s %s", name, response_time, request_type, url)


class FangkongUser(HttpUser):
    """One person at a browser (and an API client), as one demo account."""

    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)
    username: ClassVar[str] = ""
    scope_code: ClassVar[str] = ""
    needs_totp: ClassVar[bool] = False

    token: str = ""

    def on_start(self) -> None:
        found = SAMPLES.get(self.scope_code) or {}
        self.values = {kind: found.get(kind) or FALLBACK.get(kind, []) for kind in FALLBACK}
        self.person_ids: list[int] = list(found.get("ids") or [])
        try:
            self.web_login()
            self.api_login()
        finally:
            _user_started(self.environment)

    # --- logging in -----------------------------------------------------------------

    def _csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "") or ""

    def _totp(self) -> str:
        return pyotp.TOTP(demo_totp_secret(self.username)).now()

    def web_login(self) -> None:
        self.client.get("/accounts/login/", name="auth:login-page")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self._csrf(),
            },
            name="auth:login",
            catch_response=True,
        ) as response:
            # Redirects are followed: a wrong password shows the login form again.
            path = urlsplit(response.url or "").path
            failed = response.status_code != 200 or path == "/accounts/login/"
            if failed:
                response.failure(f"login as {self.username} failed")
        if failed:
            raise StopUser
        if path == "/accounts/login/totp/":
            with self.client.post(
                "/accounts/login/totp/",
                data={"code": self._totp(), "csrfmiddlewaretoken": self._csrf()},
                name="auth:login-totp",
                catch_response=True,
            ) as response:
                failed = urlsplit(response.url or "").path.startswith("/accounts/login/")
                if failed:
                    response.failure(f"TOTP step for {self.username} failed")
            if failed:
                raise StopUser

    def api_login(self) -> None:
        body: dict[str, str] = {"username": self.username, "password": PASSWORD}
        if self.needs_totp:
            body["totp"] = self._totp()
        with self.client.post(
            "/api/v1/auth/token", json=body, name="auth:token", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"token for {self.username}: {response.status_code}")
            else:
                self.token = response.json()["token"]
        if not self.token:
            raise StopUser

    # --- helpers ----------------------------------------------------------------------

    def pick(self, kind: str) -> str:
        return str(random.choice(self.values[kind]))

    def page(self, name: str, params: dict[str, Any], **headers: str) -> None:
        with self.client.get(
            "/registry/persons/",
            params=params,
            headers=headers or None,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")

    def search(self, kind: str) -> None:
        if self.values[kind]:
            self.page(f"search:{kind}", {"q": self.pick(kind)})

    def api(self, name: str, path: str, params: dict[str, Any] | None = None) -> Any:
        with self.client.get(
            path,
            params=params,
            headers={"Authorization": f"Bearer {self.token}"},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return None
            return response.json()

    # --- what a user does -------------------------------------------------------------

    @task(3)
    @tag("list")
    def list_first_page(self) -> None:
        self.page("list", {})

    @task(2)
    @tag("list")
    def list_page_forward(self) -> None:
        self.page("list:page", {"page": random.randint(2, 10)})

    @task(3)
    @tag("search")
    def search_initials(self) -> None:
        self.search("initials")

    @task(2)
    @tag("search")
    def search_name(self) -> None:
        self.search("name")

    @task(2)
    @tag("search")
    def search_pinyin(self) -> None:
        self.search("pinyin")

    @task(2)
    @tag("search")
    def search_last4(self) -> None:
        self.search("last4")

    @task(1)
    @tag("search")
    def search_phone(self) -> None:
        self.search("phone")

    @task(2)
    @tag("search")
    def search_address(self) -> None:
        self.search("address")

    @task(1)
    @tag("search")
    def search_page_forward(self) -> None:
        self.page("search:page", {"q": self.pick("initials")[:2], "page": random.randint(2, 5)})

    @task(3)
    @tag("search")
    def search_as_you_type(self) -> None:
        """The search box: htmx asks for the result rows only, 400 ms after typing stops."""
        kind = random.choice(["initials", "name", "last4"])
        self.page(
            "search:htmx",
            {"q": self.pick(kind)},
            **{"HX-Request": "true", "HX-Target": "results", "HX-Current-URL": self.host or ""},
        )

    @task(2)
    @tag("api")
    def api_search(self) -> None:
        kind = random.choice(["initials", "name", "pinyin", "last4"])
        data = self.api("api:persons", "/api/v1/persons", {"q": self.pick(kind)})
        if data and data.get("items") and len(self.person_ids) < 500:
            self.person_ids.extend(item["id"] for item in data["items"][:3])

    @task(1)
    @tag("api")
    def api_list_next(self) -> None:
        data = self.api("api:list", "/api/v1/persons", {"limit": PER_PAGE})
        if data and data.get("next_cursor"):
            self.api(
                "api:list:next",
                "/api/v1/persons",
                {"limit": PER_PAGE, "cursor": data["next_cursor"]},
            )

    @task(1)
    @tag("api")
    def api_person(self) -> None:
        if self.person_ids:
            self.api("api:person", f"/api/v1/persons/{random.choice(self.person_ids)}")

    @task(1)
    @tag("tree")
    def tree(self) -> None:
        with self.client.get(
            f"/registry/tree/{self.scope_code}/", name="tree", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class CommunityWorker(FangkongUser):
    weight = 3
    username = "community_worker"
    scope_code = "410106001001"


class SubdistrictOfficer(FangkongUser):
    weight = 2
    username = "subdistrict_officer"
    scope_code = "410106001"


class DistrictAdmin(FangkongUser):
    weight = 1
    username = "district_admin"
    scope_code = "410106"
    needs_totp = True
