from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from fangkong.accounts import services
from fangkong.accounts.models import ApiToken, Role, User
from fangkong.accounts.roles import ROLES
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.core.permissions import Perm
from tests.conftest import COMMUNITY, DISTRICT, PASSWORD, SIBLING, SUBDISTRICT, TOWN


def _login(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_roles_sync_is_idempotent_and_data_entry_cannot_export(tree: Any) -> None:
    assert services.roles_sync() == len(ROLES)
    assert services.roles_sync() == len(ROLES)
    assert Role.objects.count() == len(ROLES)
    data_entry = Role.objects.get(code="data_entry")
    assert Perm.EXPORT.value not in data_entry.permissions
    assert data_entry.can_export is False
    assert sorted(Role.objects.get(code="district_admin").permissions) == sorted(
        p.value for p in Perm
    )


def test_login_and_logout(make_user: Callable[..., User]) -> None:
    make_user("community_worker", COMMUNITY, username="worker")
    client = Client()
    response = _login(client, "worker")
    assert response.status_code == 302
    assert client.get(reverse("registry:persons")).status_code == 200
    assert AuditEntry.objects.filter(action="accounts.login", actor_name="worker").count() == 1
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("registry:persons")).status_code == 302


def test_wrong_password_then_lockout(make_user: Callable[..., User], settings: Any) -> None:
    make_user("community_worker", COMMUNITY, username="worker")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, "worker", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码错误。" in response.content.decode()
    response = _login(client, "worker", "wrong-password")
    assert response.status_code == 429
    # Locked: even the right password is refused now.
    assert _login(client, "worker").status_code == 429


def test_district_accounts_must_enrol_in_totp(make_user: Callable[..., User]) -> None:
    make_user("district_admin", DISTRICT, username="chief")
    client = Client()
    response = _login(client, "chief")
    assert response["Location"] == reverse("accounts:login_totp")
    # Not logged in yet.
    assert client.get(reverse("registry:persons")).status_code == 302
    page = client.get(reverse("accounts:login_totp"))
    secret = page.context["secret"]
    assert client.post(reverse("accounts:login_totp"), {"code": "000000"}).status_code == 200
    code = pyotp.TOTP(secret).now()
    assert client.post(reverse("accounts:login_totp"), {"code": code}).status_code == 302
    assert client.get(reverse("registry:persons")).status_code == 200
    chief = User.objects.get(username="chief")
    assert (chief.totp_confirmed, chief.totp_secret) == (True, secret)


def test_totp_accounts_need_their_code(make_user: Callable[..., User]) -> None:
    user = make_user(
        "district_viewer",
        DISTRICT,
        username="viewer",
        totp_secret=pyotp.random_base32(),
        totp_confirmed=True,
    )
    client = Client()
    _login(client, "viewer")
    assert client.post(reverse("accounts:login_totp"), {"code": "123456"}).status_code == 200
    assert client.get(reverse("registry:persons")).status_code == 302
    client.post(reverse("accounts:login_totp"), {"code": pyotp.TOTP(user.totp_secret).now()})
    assert client.get(reverse("registry:persons")).status_code == 200


def test_api_token(make_user: Callable[..., User]) -> None:
    make_user("community_worker", COMMUNITY, username="phone1")
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "phone1", "password": PASSWORD}),
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.get().key_hash == ApiToken.hash_key(token)  # only the hash stored
    assert token not in {t.key_hash for t in ApiToken.objects.all()}
    listed = client.get("/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200
    bad = client.post(
        "/api/v1/auth/token",
        json.dumps({"username": "phone1", "password": "x"}),
        content_type="application/json",
    )
    assert bad.status_code == 401
    assert bad.json()["code"] == "not_authenticated"


def test_api_token_for_totp_accounts_needs_the_code(make_user: Callable[..., User]) -> None:
    secret = pyotp.random_base32()
    make_user("district_viewer", DISTRICT, username="v", totp_secret=secret, totp_confirmed=True)
    client = Client()
    body = {"username": "v", "password": PASSWORD}
    denied = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    assert denied.status_code == 403
    body["totp"] = pyotp.TOTP(secret).now()
    ok = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    assert ok.status_code == 200


def test_nobody_widens_their_own_scope(
    make_user: Callable[..., User], scope_of: Callable[..., Any]
) -> None:
    officer = make_user("subdistrict_officer", SUBDISTRICT, username="officer")
    scope = scope_of(officer)
    with pytest.raises(PermissionDenied):
        services.user_update(scope=scope, user=officer, jurisdiction_code=DISTRICT)
    with pytest.raises(PermissionDenied):
        services.user_update(scope=scope, user=officer, role_code="district_admin")
    officer.refresh_from_db()
    assert (officer.jurisdiction_code, officer.role_id) == (SUBDISTRICT, "subdistrict_officer")


def test_admins_manage_users_only_within_scope(
    make_user: Callable[..., User], scope_of: Callable[..., Any]
) -> None:
    officer = make_user("subdistrict_officer", SUBDISTRICT, username="officer")
    scope = scope_of(officer)
    created = services.user_create(
        scope=scope,
        username="newworker",
        password="a-long-pass-123",
        full_name="新人",
        jurisdiction_code=COMMUNITY,
        role_code="community_worker",
    )
    assert (created.jurisdiction_code, created.role_id) == (COMMUNITY, "community_worker")
    with pytest.raises(NotFound):  # a town is outside a subdistrict's scope
        services.user_create(
            scope=scope,
            username="x1",
            password="a-long-pass-123",
            full_name="x",
            jurisdiction_code=TOWN,
            role_code="subdistrict_viewer",
        )
    with pytest.raises(PermissionDenied):  # a role with more than the officer has
        services.user_create(
            scope=scope,
            username="x2",
            password="a-long-pass-123",
            full_name="x",
            jurisdiction_code=SUBDISTRICT,
            role_code="district_admin",
        )
    with pytest.raises(ApplicationError, match=r"^该角色不能分配给这一级辖区。$"):
        services.user_create(
            scope=scope,
            username="x3",
            password="a-long-pass-123",
            full_name="x",
            jurisdiction_code=SIBLING,
            role_code="subdistrict_officer",
        )
    with pytest.raises(ApplicationError) as weak:
        services.user_create(
            scope=scope,
            username="x4",
            password="123",
            full_name="x",
            jurisdiction_code=COMMUNITY,
            role_code="community_worker",
        )
    assert weak.value.errors[0].field == "password"
    assert User.objects.filter(username__startswith="x").count() == 0


def test_account_without_role_reaches_nothing(make_user: Callable[..., User]) -> None:
    user = make_user("community_worker", COMMUNITY, username="norole")
    User.objects.filter(pk=user.pk).update(role=None)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("registry:persons")).status_code == 403


def test_production_settings_harden_logins() -> None:
    from fangkong import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert production.SESSION_COOKIE_AGE == 1800
    assert production.SESSION_SAVE_EVERY_REQUEST is True
    assert production.AXES_FAILURE_LIMIT == 5
    assert {"district"} == production.FANGKONG_TOTP_REQUIRED_LEVELS
