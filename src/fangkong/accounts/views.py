"""Login (with lockout and two-factor), one's own account, and user management."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import audit
from fangkong.core.errors import ApplicationError
from fangkong.core.scope import Scope
from fangkong.core.web import public, scope_of, scoped

from . import selectors, services
from .forms import LoginForm, PasswordChangeForm, TotpForm, UserCreateForm, UserEditForm
from .models import User

PENDING = "fangkong_pending_user"
PENDING_SECRET = "fangkong_pending_totp_secret"
NEXT = "fangkong_next"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(value, {request.get_host()}):
        return value
    return "/"


def _finish_login(request: HttpRequest, user: User) -> HttpResponse:
    target = request.session.get(NEXT) or "/"
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    scope = Scope(actor_id=user.pk, actor_name=user.username, code=user.jurisdiction_code)
    with transaction.atomic():
        audit.record(scope, "accounts.login", user, remote_addr=request.META.get("REMOTE_ADDR", ""))
    return redirect(target)


@public
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            form.add_error(None, _("Wrong username or password."))
        else:
            assert isinstance(user, User)
            request.session.cycle_key()
            request.session[NEXT] = _safe_next(request, request.GET.get("next"))
            if user.totp_confirmed or services.requires_totp(user):
                request.session[PENDING] = user.pk
                return redirect("accounts:login_totp")
            return _finish_login(request, user)
    return render(request, "accounts/login.html", {"form": form})


@public
def login_totp(request: HttpRequest) -> HttpResponse:
    """The second step: a code, or (first time, when required) enrolment."""
    user = selectors.pending_user(request.session.get(PENDING))
    if user is None:
        return redirect("accounts:login")
    enrol = not user.totp_confirmed
    if enrol and PENDING_SECRET not in request.session:
        request.session[PENDING_SECRET] = services.totp_new_secret()
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        if enrol:
            try:
                services.totp_enable(user=user, secret=request.session[PENDING_SECRET], code=code)
            except ApplicationError as exc:
                form.add_error("code", exc.message)
        elif not services.totp_verify(user, code):
            form.add_error("code", _("The code does not match; check the time on your phone."))
        if not form.errors:
            request.session.pop(PENDING, None)
            request.session.pop(PENDING_SECRET, None)
            return _finish_login(request, user)
    context: dict[str, Any] = {"form": form, "enrol": enrol}
    if enrol:
        secret = request.session[PENDING_SECRET]
        context["secret"] = secret
        context["qr_svg"] = segno.make(services.totp_uri(user, secret)).svg_inline(scale=4)
    return render(request, "accounts/login_totp.html", context)


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        from fangkong.core.errors import ErrorCode, Problem

        body = Problem(
            status=429,
            code=ErrorCode.LOCKED_OUT,
            title=_("Too many failed logins; this account is locked for a while."),
        )
        return JsonResponse(body.as_dict(), status=429, content_type="application/problem+json")
    return render(request, "accounts/locked_out.html", status=429)


@require_POST
@public
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@scoped
def me(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/me.html",
        {
            "account": request.user,
            "tokens": selectors.tokens_of(request.user),  # type: ignore[arg-type]
        },
    )


@scoped
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token was revoked; devices using it must log in again."))
    return redirect("accounts:me")


@scoped
@require_POST
def user_totp_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """An administrator clears a lost authenticator, with a reason."""
    scope = scope_of(request)
    account = selectors.user_get(scope=scope, pk=user_id)
    try:
        services.totp_reset(scope=scope, user=account, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Two-factor was reset; the user sets it up again at the next login.")
        )
    return redirect("accounts:user_edit", user_id=account.pk)


@scoped
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as exc:
            for error in exc.errors or []:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            if not exc.errors:
                form.add_error(None, exc.message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("accounts:me")
    return render(request, "accounts/password_change.html", {"form": form})


@scoped
def totp_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if "totp_secret" not in request.session or request.method == "GET":
        request.session["totp_secret"] = services.totp_new_secret()
    secret = request.session["totp_secret"]
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_enable(user=user, secret=secret, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.pop("totp_secret", None)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect("accounts:me")
    qr = segno.make(services.totp_uri(user, secret)).svg_inline(scale=4)
    return render(
        request, "accounts/totp_setup.html", {"form": form, "secret": secret, "qr_svg": qr}
    )


@scoped
def user_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    users = selectors.user_list(scope=scope, query=request.GET.get("q", "").strip())
    return render(
        request, "accounts/user_list.html", {"users": users[:500], "q": request.GET.get("q", "")}
    )


def _apply_errors(form: Any, exc: ApplicationError) -> None:
    for error in exc.errors:
        form.add_error(error.field if error.field in form.fields else None, error.message)
    if not exc.errors:
        form.add_error(None, exc.message)


@scoped
def user_create_view(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    from fangkong.core.permissions import Perm

    scope.require(Perm.USER_MANAGE)
    form = UserCreateForm(
        request.POST or None, jurisdictions=selectors.assignable_jurisdictions(scope=scope)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                scope=scope,
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                phone=data["phone"],
                jurisdiction_code=data["jurisdiction"],
                role_code=data["role"],
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The account was created."))
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@scoped
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    scope = scope_of(request)
    account = selectors.user_get(scope=scope, pk=user_id)
    from fangkong.core.permissions import Perm

    scope.require(Perm.USER_MANAGE, at=account.jurisdiction_code)
    initial = {
        "full_name": account.full_name,
        "phone": account.phone,
        "jurisdiction": account.jurisdiction_code,
        "role": account.role_id,
        "is_active": account.is_active,
    }
    form = UserEditForm(
        request.POST or None,
        initial=initial,
        jurisdictions=selectors.assignable_jurisdictions(scope=scope),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                scope=scope,
                user=account,
                full_name=data["full_name"],
                phone=data["phone"],
                jurisdiction_code=data["jurisdiction"],
                role_code=data["role"],
                is_active=data["is_active"],
            )
            if data["new_password"]:
                services.user_reset_password(
                    scope=scope, user=account, password=data["new_password"]
                )
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The account was saved."))
            return redirect("accounts:users")
    return render(
        request, "accounts/user_form.html", {"form": form, "account": account, "creating": False}
    )
