"""The scope matrix of the JSON API, with bearer tokens as devices and scripts use them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.accounts.services import token_issue
from fangkong.core.scope import Scope
from tests.conftest import COMMUNITY, SIBLING, SUBDISTRICT
from tests.web.api_route import ApiRoute
from tests.web.matrix import plugins
from tests.world import Side, build_world, fingerprint

API_ROUTES = [
    ApiRoute("GET", "/persons", lambda s: "/api/v1/persons?q=", is_object=False),
    ApiRoute("GET", "/persons/{person_id}", lambda s: f"/api/v1/persons/{s.person.pk}"),
    ApiRoute(
        "POST",
        "/persons/{person_id}/reveal",
        lambda s: f"/api/v1/persons/{s.person.pk}/reveal",
        body={"field": "phone", "reason": "电话核实"},
        without_perm="community_viewer",
        writes=True,
    ),
    ApiRoute("GET", "/jurisdictions/{code}", lambda s: f"/api/v1/jurisdictions/{COMMUNITY}"),
]
API_PUBLIC = {("POST", "/auth/token")}
# Operations that devices call with their own tokens (a door sensor), never a staff
# account: each module tests them in its own tests (staff tokens get 401 there).
API_DEVICE: set[tuple[str, str]] = set()
# Each module's operations (tests/web/matrix_<module>.py: API_ROUTES, API_PUBLIC,
# DEVICE_API_ROUTES, and extend_api(mine, other, scope) putting its objects into
# mine.extra / other.extra).
for _plugin in plugins():
    API_ROUTES += getattr(_plugin, "API_ROUTES", [])
    API_PUBLIC |= getattr(_plugin, "API_PUBLIC", set())
    API_DEVICE |= getattr(_plugin, "DEVICE_API_ROUTES", set())

USERS = {
    "allowed": ("community_worker", COMMUNITY),
    "community_viewer": ("community_viewer", COMMUNITY),
    "sibling": ("community_worker", SIBLING),
    "parent": ("subdistrict_officer", SUBDISTRICT),
}


@pytest.fixture
def api_world(
    tree: Any, make_user: Callable[..., User], system_scope: Scope
) -> tuple[Side, Side, dict[str, str]]:
    mine, other = build_world(system_scope)
    for plugin in plugins():
        if hasattr(plugin, "extend_api"):
            plugin.extend_api(mine, other, system_scope)
    tokens = {}
    for key, (role, code) in USERS.items():
        user = make_user(role, code, username=f"api_{key}")
        tokens[key], _ = token_issue(user=user, totp=None)
    return mine, other, tokens


def _call(route: ApiRoute, side: Side, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    client = Client()
    if route.method == "POST":
        return client.post(
            route.url(side),
            json.dumps(route.body or {}),
            content_type="application/json",
            **headers,
        )
    return client.get(route.url(side), **headers)


def _assert_problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert set(body) == {"type", "title", "status", "code", "detail", "errors"}


CASES = [
    (r, who)
    for r in API_ROUTES
    for who in ("anonymous", "bad_token", "sibling", "without_perm", "allowed", "parent")
    if who != "without_perm" or r.without_perm
]


@pytest.mark.parametrize(("route", "who"), CASES, ids=[f"{r.method}{r.path}-{w}" for r, w in CASES])
def test_api_scope_matrix(api_world: Any, route: ApiRoute, who: str) -> None:
    mine, _other, tokens = api_world
    before = fingerprint()
    if who in ("anonymous", "bad_token"):
        response = _call(route, mine, None if who == "anonymous" else "fk_not-a-token")
        _assert_problem(response, 401, "not_authenticated")
        assert fingerprint() == before
        return
    if who == "sibling":
        response = _call(route, mine, tokens["sibling"])
        if route.is_object:
            _assert_problem(response, 404, "not_found")
            assert fingerprint() == before
        else:
            assert response.status_code == 200
            assert "张三" not in response.content.decode()
            assert response.json()["items"][0]["name"].startswith("隔壁")
        return
    if who == "without_perm":
        assert route.without_perm is not None
        response = _call(route, mine, tokens[route.without_perm])
        _assert_problem(response, 403, "permission_denied")
        assert fingerprint() == before
        return
    response = _call(route, mine, tokens[who])
    assert response.status_code == 200, response.content
    assert "隔壁" not in response.content.decode()
    if route.writes:
        assert fingerprint() != before
