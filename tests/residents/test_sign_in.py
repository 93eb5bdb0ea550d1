"""Sign-in by a one-time code: the same answer for every phone, hashed codes that
expire and run out of attempts, one live code per phone, rate limits in the database,
the choice of person for a family's phone, and an audit entry for each step."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.registry import services as registry_services
from fangkong.registry.models import Person
from fangkong.residents import ratelimit, services
from fangkong.residents.models import RateCounter, SignInCode
from fangkong.residents.session import SESSION_KEY, SESSION_UNTIL
from tests.residents.conftest import (
    NOBODY_PHONE,
    WANG_PHONE,
    ZHANG_PHONE,
    SignIn,
    last_code,
    outbox,
)
from tests.world import Side

pytestmark = pytest.mark.django_db
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _actions(prefix: str = "residents.") -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_registered_phone_gets_a_code_and_signs_in(
    world: tuple[Side, Side], browser: Client, tmp_path: Path
) -> None:
    mine, _other = world
    response = browser.post("/me/sign-in/", {"phone": "138 1234 5678"})
    assert (response.status_code, response["Location"]) == (303, "/me/sign-in/code/")
    [message] = outbox(tmp_path)
    assert (message["phone"], message["purpose"]) == (ZHANG_PHONE, "otp")
    code = last_code(tmp_path, ZHANG_PHONE)
    # Only keyed hashes are kept: neither the phone nor the code is in the table.
    row = SignInCode.objects.get()
    assert ZHANG_PHONE not in row.phone_key and code not in row.code_hash
    assert row.code_hash == services.code_hash(ZHANG_PHONE, code)
    assert row.expires_at - row.created_at == dt.timedelta(minutes=5)

    page = browser.get("/me/sign-in/code/")
    assert b'id="code-sent"' in page.content and b"138****5678" in page.content
    assert mine.person.name.encode() not in page.content

    response = browser.post("/me/sign-in/code/", {"code": code})
    assert (response.status_code, response["Location"]) == (303, "/me/")
    assert browser.session[SESSION_KEY] == mine.person.pk
    assert not SignInCode.objects.exists()  # used once
    status = browser.get("/me/")
    assert status.status_code == 200
    assert re.search(rb'id="resident-name">\s*\xe5\xbc\xa0\*\s*<', status.content)  # 张*
    assert b'id="resident-community">\xe4\xb8\xad\xe5\xae\x89\xe8\xa1\x97' in status.content
    assert _actions() == ["residents.code.sent", "residents.sign_in"]
    signed = AuditEntry.objects.get(action="residents.sign_in")
    assert (signed.object_id, signed.jurisdiction_code) == (str(mine.person.pk), "410106001001")
    assert signed.data == {"phone": "138****5678"}
    assert signed.actor_id is None and signed.reason == "resident sign-in"


def test_the_answer_is_the_same_for_a_phone_nobody_holds(
    world: tuple[Side, Side], tmp_path: Path
) -> None:
    pages = {}
    for phone in (ZHANG_PHONE, NOBODY_PHONE):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        response = client.post("/me/sign-in/", {"phone": phone})
        page = client.get(response["Location"])
        masked = phone[:3] + "****" + phone[-4:]
        pages[phone] = (
            response.status_code,
            response["Location"],
            CSRF.sub(b"", page.content).replace(masked.encode(), b"PHONE"),
        )
    assert pages[ZHANG_PHONE] == pages[NOBODY_PHONE]
    assert [m["phone"] for m in outbox(tmp_path)] == [ZHANG_PHONE]
    unknown = AuditEntry.objects.get(action="residents.code.unknown_phone")
    assert unknown.data == {"phone": "136****0000"}
    # And the code page of the unknown phone refuses every code alike.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.post("/me/sign-in/", {"phone": NOBODY_PHONE})
    response = client.post("/me/sign-in/code/", {"code": "123456"})
    assert response.status_code == 400
    assert b"The code is wrong or has expired" in response.content
    assert SESSION_KEY not in client.session


def test_a_moved_out_person_gets_no_code(
    world: tuple[Side, Side], browser: Client, tmp_path: Path, system_scope: Scope
) -> None:
    mine, _other = world
    Person.objects.filter(pk=mine.person.pk).update(status=Person.Status.MOVED_OUT)
    response = browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    assert response.status_code == 303
    assert outbox(tmp_path) == []
    assert _actions() == ["residents.code.unknown_phone"]


def test_five_wrong_codes_use_the_code_up(
    world: tuple[Side, Side], browser: Client, tmp_path: Path
) -> None:
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    code = last_code(tmp_path, ZHANG_PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, 5):
        response = browser.post("/me/sign-in/code/", {"code": wrong})
        assert response.status_code == 400
        assert SignInCode.objects.get().attempts == attempt
    response = browser.post("/me/sign-in/code/", {"code": wrong})
    assert response.status_code == 400
    assert not SignInCode.objects.exists()
    response = browser.post("/me/sign-in/code/", {"code": code})  # too late now
    assert response.status_code == 400
    assert SESSION_KEY not in browser.session
    failed = AuditEntry.objects.filter(action="residents.sign_in.failed").order_by("id")
    assert [e.data["why"] for e in failed] == ["wrong_code"] * 4 + [
        "attempts_used_up",
        "no_code",
    ]
    assert {e.data["phone"] for e in failed} == {"138****5678"}
    everything = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert code not in everything and wrong not in everything and ZHANG_PHONE not in everything


def test_an_expired_code_fails(world: tuple[Side, Side], browser: Client, tmp_path: Path) -> None:
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    code = last_code(tmp_path, ZHANG_PHONE)
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = browser.post("/me/sign-in/code/", {"code": code})
    assert response.status_code == 400
    assert AuditEntry.objects.get(action="residents.sign_in.failed").data["why"] == "expired"
    assert not SignInCode.objects.exists()


def test_a_new_code_replaces_the_old_one(
    world: tuple[Side, Side], browser: Client, tmp_path: Path
) -> None:
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    first = last_code(tmp_path, ZHANG_PHONE)
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    second = last_code(tmp_path, ZHANG_PHONE)
    assert SignInCode.objects.count() == 1
    if first != second:  # one in a million they are the same
        assert browser.post("/me/sign-in/code/", {"code": first}).status_code == 400
    assert browser.post("/me/sign-in/code/", {"code": second}).status_code == 303


def test_malformed_input_is_refused_before_anything_is_sent(
    world: tuple[Side, Side], browser: Client, tmp_path: Path
) -> None:
    response = browser.post("/me/sign-in/", {"phone": "0371-12345678"})
    assert response.status_code == 400
    assert b'data-error="phone"' in response.content
    assert outbox(tmp_path) == []
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    response = browser.post("/me/sign-in/code/", {"code": "12ab"})
    assert response.status_code == 400 and b'data-error="code"' in response.content
    assert SignInCode.objects.get().attempts == 0


def test_the_code_page_needs_a_phone_first(browser: Client, db: Any) -> None:
    response = browser.get("/me/sign-in/code/")
    assert (response.status_code, response["Location"]) == (303, "/me/sign-in/")


def test_too_many_codes_for_one_phone(
    world: tuple[Side, Side], tmp_path: Path, settings: Any
) -> None:
    settings.FANGKONG_RESIDENT_CODE_LIMIT_PER_PHONE = "2/900"
    answers = []
    for n in range(3):
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"10.0.0.{n + 1}")
        answers.append(client.post("/me/sign-in/", {"phone": ZHANG_PHONE}))
    assert [a.status_code for a in answers] == [303, 303, 429]
    assert b'id="too-many"' in answers[2].content
    assert 1 <= int(answers[2]["Retry-After"]) <= 900
    assert len(outbox(tmp_path)) == 2
    # The counters hold keyed hashes, never the phone.
    assert RateCounter.objects.exists()
    assert not RateCounter.objects.filter(key__contains=ZHANG_PHONE).exists()


def test_too_many_code_requests_from_one_address(
    world: tuple[Side, Side], browser: Client, tmp_path: Path, settings: Any
) -> None:
    settings.FANGKONG_RESIDENT_CODE_LIMIT_PER_ADDRESS = "2/600"
    statuses = [
        browser.post("/me/sign-in/", {"phone": phone}).status_code
        for phone in (NOBODY_PHONE, "13600000001", ZHANG_PHONE)
    ]
    assert statuses == [303, 303, 429]
    assert outbox(tmp_path) == []


def test_too_many_codes_typed_from_one_address(
    world: tuple[Side, Side], browser: Client, tmp_path: Path, settings: Any
) -> None:
    settings.FANGKONG_RESIDENT_CHECK_LIMIT_PER_ADDRESS = "3/600"
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    code = last_code(tmp_path, ZHANG_PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    statuses = [browser.post("/me/sign-in/code/", {"code": c}).status_code for c in [wrong] * 3]
    assert statuses == [400, 400, 400]
    response = browser.post("/me/sign-in/code/", {"code": code})  # the right one, too late
    assert response.status_code == 429
    assert SESSION_KEY not in browser.session


def test_the_limits_count_across_processes_in_the_database(db: Any) -> None:
    """Two windows of one key: the count comes back from the database, not memory."""
    limits = ratelimit.parse_limits("2/60")
    assert [ratelimit.hit("k", "v", limits, now=120.0) for _ in range(3)] == [None, None, 60]
    assert ratelimit.hit("k", "v", limits, now=180.0) is None  # the next window
    assert sorted(RateCounter.objects.values_list("window", "count")) == [(120, 3), (180, 1)]
    assert ratelimit.purge(now=180.0 + ratelimit.KEEP_SECONDS + 121) == 2


def test_a_family_phone_chooses_among_its_files_only(
    world: tuple[Side, Side], browser: Client, tmp_path: Path, system_scope: Scope
) -> None:
    mine, other = world
    child = registry_services.person_create(
        scope=system_scope,
        household=mine.household,
        name="张小明",
        relation_to_head="子",
        phone=ZHANG_PHONE,
    )
    browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    response = browser.post("/me/sign-in/code/", {"code": last_code(tmp_path, ZHANG_PHONE)})
    assert (response.status_code, response["Location"]) == (303, "/me/choose/")
    assert SESSION_KEY not in browser.session
    page = browser.get("/me/choose/")
    offered = re.findall(rb'data-person="(\d+)">([^<]+)<', page.content)
    assert offered == [
        (str(mine.person.pk).encode(), "张*".encode()),
        (str(child.pk).encode(), "张*明".encode()),
    ]
    # Someone else's file is not on offer, whatever is posted.
    for stranger in (other.person.pk, mine.housemate.pk, "x"):
        response = browser.post("/me/choose/", {"person": stranger})
        assert response.status_code == 400
        assert SESSION_KEY not in browser.session
    response = browser.post("/me/choose/", {"person": child.pk})
    assert (response.status_code, response["Location"]) == (303, "/me/")
    assert "张*明".encode() in browser.get("/me/").content
    # Switch to the head of the household without a new code.
    assert b'id="switch-person"' in browser.get("/me/").content
    response = browser.post("/me/choose/", {"person": mine.person.pk})
    assert response.status_code == 303 and browser.session[SESSION_KEY] == mine.person.pk
    assert len(outbox(tmp_path)) == 1
    assert _actions() == [
        "residents.code.sent",
        "residents.sign_in",
        "residents.sign_in.switched",
    ]
    signed = AuditEntry.objects.filter(action__startswith="residents.sign_in").order_by("id")
    assert [e.object_id for e in signed] == [str(child.pk), str(mine.person.pk)]


def test_a_single_file_has_no_switch(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn
) -> None:
    sign_in(browser, ZHANG_PHONE)
    assert b'id="switch-person"' not in browser.get("/me/").content


def test_the_session_runs_out(world: tuple[Side, Side], browser: Client, sign_in: SignIn) -> None:
    sign_in(browser, ZHANG_PHONE)
    session = browser.session
    session[SESSION_UNTIL] = int(timezone.now().timestamp()) - 1
    session.save()
    response = browser.get("/me/")
    assert (response.status_code, response["Location"]) == (302, "/me/sign-in/?next=/me/")


def test_sign_out(world: tuple[Side, Side], browser: Client, sign_in: SignIn) -> None:
    mine, _other = world
    sign_in(browser, ZHANG_PHONE)
    response = browser.post("/me/sign-out/")
    assert (response.status_code, response["Location"]) == (303, "/me/sign-in/")
    assert browser.get("/me/").status_code == 302
    assert browser.get("/me/choose/")["Location"] == "/me/sign-in/"
    out = AuditEntry.objects.get(action="residents.sign_out")
    assert out.object_id == str(mine.person.pk)


def test_after_sign_in_the_resident_returns_to_the_page_asked_for(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn
) -> None:
    response = browser.get("/me/help/")
    assert response["Location"] == "/me/sign-in/?next=/me/help/"
    browser.get(response["Location"])
    assert sign_in(browser, ZHANG_PHONE)["Location"] == "/me/help/"
    # An address elsewhere is never a target.
    browser.post("/me/sign-out/")
    browser.get("/me/sign-in/?next=https://evil.example/")
    assert sign_in(browser, ZHANG_PHONE)["Location"] == "/me/"


def test_forms_are_csrf_protected(world: tuple[Side, Side], tmp_path: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post("/me/sign-in/", {"phone": ZHANG_PHONE}).status_code == 403
    assert outbox(tmp_path) == []
    page = client.get("/me/sign-in/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    response = client.post(
        "/me/sign-in/", {"phone": ZHANG_PHONE, "csrfmiddlewaretoken": token.group(1).decode()}
    )
    assert response.status_code == 303


def test_a_gateway_failure_leaves_no_code(
    world: tuple[Side, Side], browser: Client, settings: Any
) -> None:
    settings.FANGKONG_SMS_BACKEND = "http"
    settings.FANGKONG_SMS_HTTP_URL = ""
    response = browser.post("/me/sign-in/", {"phone": ZHANG_PHONE})
    assert (response.status_code, response["Location"]) == (303, "/me/sign-in/code/")
    assert not SignInCode.objects.exists()
    failure = AuditEntry.objects.get(action="residents.code.not_sent")
    assert failure.data == {
        "phone": "138****5678",
        "error": "FANGKONG_SMS_HTTP_URL is not set",
    }


def test_resident_pages_show_no_staff_navigation(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn, make_user: Any
) -> None:
    browser.force_login(make_user("community_worker", "410106001001"))
    sign_in(browser, ZHANG_PHONE)
    for url in ("/me/", "/me/help/", "/me/sign-in/"):
        page = browser.get(url).content
        assert b'id="nav"' not in page and b"/accounts/logout/" not in page, url
        assert b"noindex" in page


def test_the_code_message_is_in_the_residents_language(
    world: tuple[Side, Side], tmp_path: Path
) -> None:
    Client(HTTP_ACCEPT_LANGUAGE="en").post("/me/sign-in/", {"phone": ZHANG_PHONE})
    Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post("/me/sign-in/", {"phone": WANG_PHONE})
    english, chinese = outbox(tmp_path)
    assert english["text"].startswith("Fangkong sign-in code: ")
    assert "valid for 5 minutes" in english["text"]
    assert re.search(r"\d{6}", chinese["text"])
