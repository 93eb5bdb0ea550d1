"""API tokens end with the secret they were issued for; a lost authenticator is reset
with a reason."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from fangkong.accounts import services
from fangkong.accounts.models import User
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from tests.conftest import COMMUNITY, DISTRICT, PASSWORD, SIBLING

NEW_PASSWORD = "another-long-passphrase-7"


def _token(client: Client, username: str, **extra: str) -> str:
    body = {"username": username, "password": PASSWORD, **extra}
    response = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    token: str = response.json()["token"]
    return token


def _status(client: Client, token: str) -> int:
    return client.get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}").status_code


def test_a_password_change_ends_every_token(make_user: Callable[..., User]) -> None:
    user = make_user("community_worker", COMMUNITY, username="phone1")
    client = Client()
    first, second = _token(client, "phone1"), _token(client, "phone1")
    assert (_status(client, first), _status(client, second)) == (200, 200)
    services.password_change(user=user, old_password=PASSWORD, new_password=NEW_PASSWORD)
    assert (_status(client, first), _status(client, second)) == (401, 401)
    entry = AuditEntry.objects.filter(action="accounts.password.changed").get()
    assert entry.data == {"tokens_revoked": 2}


def test_an_admin_password_reset_ends_every_token(
    make_user: Callable[..., User], scope_of: Any
) -> None:
    admin = make_user("district_admin", DISTRICT)
    user = make_user("community_worker", COMMUNITY, username="phone1")
    client = Client()
    token = _token(client, "phone1")
    services.user_reset_password(scope=scope_of(admin), user=user, password=NEW_PASSWORD)
    assert _status(client, token) == 401


def test_a_deactivated_account_does_not_get_its_tokens_back(
    make_user: Callable[..., User], scope_of: Any
) -> None:
    admin = make_user("district_admin", DISTRICT)
    user = make_user("community_worker", COMMUNITY, username="phone1")
    client = Client()
    token = _token(client, "phone1")
    services.user_update(scope=scope_of(admin), user=user, is_active=False)
    assert _status(client, token) == 401
    services.user_update(scope=scope_of(admin), user=user, is_active=True)
    assert _status(client, token) == 401
    assert _status(client, _token(client, "phone1")) == 200  # a new one works


def test_users_revoke_their_own_tokens_only(make_user: Callable[..., User]) -> None:
    user = make_user("community_worker", COMMUNITY, username="phone1")
    other = make_user("community_worker", SIBLING, username="phone2")
    client = Client()
    token = _token(client, "phone1")
    kept = _token(client, "phone1")
    mine = user.api_tokens.order_by("id").first()
    assert mine is not None
    with pytest.raises(NotFound):
        services.token_revoke(user=other, token_id=mine.pk)
    services.token_revoke(user=user, token_id=mine.pk)
    assert (_status(client, token), _status(client, kept)) == (401, 200)
    assert AuditEntry.objects.filter(action="accounts.token.revoked").count() == 1


def test_a_lost_authenticator_is_reset_with_a_reason(
    make_user: Callable[..., User], scope_of: Any
) -> None:
    admin = make_user("district_admin", DISTRICT)
    secret = pyotp.random_base32()
    user = make_user(
        "district_viewer", DISTRICT, username="v", totp_secret=secret, totp_confirmed=True
    )
    with pytest.raises(ApplicationError):
        services.totp_reset(scope=scope_of(admin), user=user, reason=" ")
    worker = make_user("community_worker", COMMUNITY)
    with pytest.raises(NotFound):  # above the worker's scope: as if missing
        services.totp_reset(scope=scope_of(worker), user=user, reason="手机丢失")
    viewer = make_user("district_viewer", DISTRICT)
    with pytest.raises(PermissionDenied):
        services.totp_reset(scope=scope_of(viewer), user=user, reason="手机丢失")
    services.totp_reset(scope=scope_of(admin), user=user, reason="手机丢失")
    user.refresh_from_db()
    assert (user.totp_secret, user.totp_confirmed) == ("", False)
    entry = AuditEntry.objects.filter(action="accounts.totp.reset").get()
    assert (entry.reason, entry.object_id) == ("手机丢失", str(user.pk))


def test_the_totp_reset_command(make_user: Callable[..., User]) -> None:
    user = make_user(
        "district_viewer", DISTRICT, username="v", totp_secret="ABC", totp_confirmed=True
    )
    with pytest.raises(CommandError):
        call_command("totp_reset", "nobody", reason="x")
    call_command("totp_reset", "v", reason="phone lost")
    user.refresh_from_db()
    assert user.totp_confirmed is False
    assert AuditEntry.objects.get(action="accounts.totp.reset").reason == "phone lost"


def test_the_account_page_lists_live_tokens_and_revokes_them(
    make_user: Callable[..., User],
) -> None:
    user = make_user("community_worker", COMMUNITY, username="phone1")
    client = Client()
    token = _token(client, "phone1")
    client.force_login(user)
    stored = user.api_tokens.get()
    page = client.get("/accounts/me/").content.decode()
    assert f"{stored.prefix}…" in page and token not in page
    client.post(f"/accounts/me/tokens/{stored.pk}/revoke/")
    assert _status(Client(), token) == 401  # a client without the web session
    assert f"{stored.prefix}…" not in client.get("/accounts/me/").content.decode()
