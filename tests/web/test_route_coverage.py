"""No route can escape the scope matrix: a new URL or API operation fails here until it
is listed in the matrix or marked public with a reason."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from ninja.constants import NOT_SET

from fangkong.api import api
from tests.web.test_api_matrix import API_DEVICE, API_PUBLIC, API_ROUTES
from tests.web.test_scope_matrix import PUBLIC, ROUTES


def _walk(patterns: list[Any], namespace: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if full.startswith("api"):
                continue  # the API router is walked below
            found.extend(_walk(p.url_patterns, full))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace else (p.name or "")
            found.append((name, p.callback))
    return found


def test_every_web_route_is_in_the_matrix_or_public() -> None:
    routes = _walk(get_resolver().url_patterns)
    covered = {r.name for r in ROUTES} | set(PUBLIC)
    missing = sorted(name for name, _ in routes if name not in covered)
    assert missing == []
    assert len(routes) == len({name for name, _ in routes}), "every route has its own name"


def test_every_non_public_view_checks_scope() -> None:
    for name, callback in _walk(get_resolver().url_patterns):
        if name in PUBLIC:
            continue
        assert getattr(callback, "is_scoped_view", False), f"{name} is not wrapped in @scoped"


def test_public_views_are_marked() -> None:
    for name, callback in _walk(get_resolver().url_patterns):
        if name in PUBLIC and name != "set_language":
            assert getattr(callback, "is_public_view", False), f"{name} is public but unmarked"


def _api_operations() -> list[tuple[str, str, Any]]:
    _ = get_resolver().url_patterns  # building the URLs binds every operation to the API's auth
    ops = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    ops.append((method, path, op))
    return ops


def test_every_api_operation_is_in_the_matrix_or_public() -> None:
    covered = {(r.method, r.path) for r in API_ROUTES} | set(API_PUBLIC) | API_DEVICE
    operations = {(m, p) for m, p, _ in _api_operations()}
    assert sorted(operations - covered) == []
    assert sorted(covered - operations) == [], "the matrix lists a route that no longer exists"


def test_only_listed_api_operations_skip_authentication() -> None:
    for method, path, op in _api_operations():
        if (method, path) in API_PUBLIC:
            continue
        # NOT_SET inherits the API's authentication; None would switch it off.
        inherits = op.auth_param is NOT_SET and bool(api.auth)
        assert op.auth_callbacks or inherits, f"{method} {path} has no authentication"
    public = [(m, p) for m, p, op in _api_operations() if op.auth_param is None]
    assert sorted(public) == sorted(API_PUBLIC)
