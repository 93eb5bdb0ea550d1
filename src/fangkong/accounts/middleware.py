"""Builds the request's Scope from the logged-in user, once."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fangkong.accounts.scopes import scope_for_user


class ScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        request.scope = (  # type: ignore[attr-defined]
            scope_for_user(user) if user is not None and user.is_authenticated else None
        )
        return self.get_response(request)
