"""Fixtures of the resident's pages: the base world (张三 13812345678 and 李梅 of 金华小区
in our community, 隔壁王五 13787654321 in the sibling's), a browser-like client in
English, and the console outbox where the codes arrive."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fangkong.core.scope import Scope
from tests.world import Side, build_world

ZHANG_PHONE = "13812345678"
WANG_PHONE = "13787654321"
NOBODY_PHONE = "13600000000"


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.FANGKONG_SMS_BACKEND = "console"
    settings.FANGKONG_TRUSTED_PROXIES = 0
    settings.FANGKONG_RESIDENT_CODE_LIMIT_PER_PHONE = "3/900"
    settings.FANGKONG_RESIDENT_CODE_LIMIT_PER_ADDRESS = "20/600"
    settings.FANGKONG_RESIDENT_CHECK_LIMIT_PER_ADDRESS = "30/600"


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> tuple[Side, Side]:
    return build_world(system_scope)


@pytest.fixture
def browser() -> Client:
    """A resident's phone: English pages, so messages are asserted in the source."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def outbox(var_dir: Path) -> list[dict[str, Any]]:
    path = var_dir / "sms" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def last_code(var_dir: Path, phone: str) -> str:
    """The code of the last text message to `phone` (as the resident reads it)."""
    sent = [m for m in outbox(var_dir) if m["phone"] == phone and m["purpose"] == "otp"]
    assert sent, f"no code was sent to {phone}"
    found = re.findall(r"\d{6}", sent[-1]["text"])
    assert len(found) == 1, sent[-1]["text"]
    return found[0]


SignIn = Callable[..., Any]


@pytest.fixture
def sign_in(tmp_path: Path) -> SignIn:
    """sign_in(client, phone[, person_pk]): the whole sign-in as a resident does it."""

    def run(client: Client, phone: str, person_pk: int | None = None) -> Any:
        response = client.post("/me/sign-in/", {"phone": phone})
        assert response.status_code == 303, response.content[:400]
        response = client.post("/me/sign-in/code/", {"code": last_code(tmp_path, phone)})
        assert response.status_code == 303
        if person_pk is not None and response["Location"] == "/me/choose/":
            response = client.post("/me/choose/", {"person": person_pk})
            assert response.status_code == 303
        return response

    return run
