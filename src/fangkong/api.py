"""The one NinjaAPI: authentication that builds the Scope, one error shape, routers."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from fangkong.accounts import services as account_services
from fangkong.accounts.scopes import scope_for_user
from fangkong.core.errors import ApplicationError, ErrorCode, FieldError, Problem

log = logging.getLogger(__name__)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = account_services.user_for_token(token)
        if user is None:
            return None
        scope = scope_for_user(user)
        if scope is None:
            return None
        request.user = user
        request.scope = scope  # type: ignore[attr-defined]
        return user


class ScopedSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or getattr(request, "scope", None) is None:
            return None
        return user


api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description="Grassroots epidemic prevention and control (基层疫情防控).",
    auth=[TokenAuth(), ScopedSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


def problem(
    request: HttpRequest,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: list[FieldError] | None = None,
) -> HttpResponse:
    body = Problem(status=status, code=code, title=title, detail=detail, errors=errors or [])
    response = api.create_response(request, body.as_dict(), status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return problem(request, exc.status, exc.code, exc.message, errors=exc.errors)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        FieldError(
            field=".".join(str(p) for p in e.get("loc", ())[1:]) or "body",
            code=str(e.get("type", "invalid")),
            message=str(e.get("msg", "")),
        )
        for e in exc.errors
    ]
    return problem(request, 422, ErrorCode.INVALID, _("The request is not valid."), errors=errors)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, ErrorCode.NOT_AUTHENTICATED, _("Authentication required."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, ErrorCode.NOT_FOUND, _("Not found."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {
        401: ErrorCode.NOT_AUTHENTICATED,
        403: ErrorCode.PERMISSION_DENIED,
        404: ErrorCode.NOT_FOUND,
        429: ErrorCode.RATE_LIMITED,
    }.get(exc.status_code, ErrorCode.INVALID)
    return problem(request, exc.status_code, code, str(exc))


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s", request.path)
    return problem(request, 500, ErrorCode.SERVER_ERROR, _("Server error."))


class TokenIn(Schema):
    username: str
    password: str
    totp: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: str


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut},
    tags=["auth"],
    summary="Exchange username and password (and TOTP code) for a bearer token",
)
def auth_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise HttpError(401, _("Wrong username or password."))
    token, expires = account_services.token_issue(
        user=user, totp=payload.totp, remote_addr=request.META.get("REMOTE_ADDR", "")
    )
    return {
        "token": token,
        "expires_at": expires.astimezone(timezone.get_current_timezone()).isoformat(),
    }


from fangkong.control.care.api import router as control_router  # noqa: E402
from fangkong.messaging.api import router as messaging_router  # noqa: E402
from fangkong.registry.api import router as registry_router  # noqa: E402
from fangkong.reports.api import router as reports_router  # noqa: E402
from fangkong.testing.api import ROUTERS as testing_routers  # noqa: E402

api.add_router("/", registry_router)
api.add_router("/control", control_router)
api.add_router("/reports", reports_router)
api.add_router("/messaging", messaging_router)
for _router in testing_routers:
    api.add_router("/testing", _router)
