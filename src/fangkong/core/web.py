"""Helpers for thin HTML views: the scope check and error translation in one place."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from . import exports
from .errors import NotFound, PermissionDenied
from .scope import Scope

View = Callable[..., HttpResponseBase]


def scoped(view: View) -> View:
    """Login required, a scope required (deny when the account has none), and the
    domain's NotFound/PermissionDenied turned into 404/403 pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if getattr(request, "scope", None) is None:
            return render(request, "403.html", {"reason": "no_scope"}, status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except PermissionDenied as exc:
            return render(request, "403.html", {"message": exc.message}, status=403)

    wrapper.is_scoped_view = True  # type: ignore[attr-defined]
    return wrapper


def public(view: View) -> View:
    """Mark a view reachable without login (the route meta-test reads the mark)."""
    view.is_public_view = True  # type: ignore[attr-defined]
    return view


def scope_of(request: HttpRequest) -> Scope:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    return scope


def int_param(value: str, default: int | None = None) -> int | None:
    """A whole number of a query string's ASCII digits (at most 9), else the default:
    "²".isdigit() is true and int("²") raises, a thousand digits would overflow the
    database."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return default


def paginate(request: HttpRequest, items: Any, per_page: int = 50) -> Any:
    """A page without COUNT(*): the next page exists when one more row does.

    Counting millions of rows for a page number costs more than the page itself.
    """
    # At most nine digits (int_param): the offset stays within the database's integer.
    number = int_param(request.GET.get("page", "")) or 1
    offset = (number - 1) * per_page
    rows = list(items[offset : offset + per_page + 1])
    return _Page(rows[:per_page], number, len(rows) > per_page)


class _Page:
    def __init__(self, rows: list[Any], number: int, has_next: bool) -> None:
        self.object_list = rows
        self.number = number
        self.has_next = has_next
        self.has_previous = number > 1

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def query_string(request: HttpRequest, **overrides: Any) -> str:
    params = request.GET.copy()
    for key, value in overrides.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(sorted(params.items()))


__all__ = ["Paginator", "paginate", "public", "query_string", "scope_of", "scoped"]


class ExportForm(forms.Form):
    """Below every exportable list: masked by default; full numbers with a reason."""

    reveal = forms.BooleanField(label=_("Full identity numbers and phones"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


def export_response(
    request: HttpRequest, scope: Scope, *, name: str, params: dict[str, Any]
) -> HttpResponseBase:
    """A list exported as the page shows it (the registered export `name` with the
    page's `params`): the file at once below the inline threshold, else a background
    job and its progress page. The reveal and its reason come from ExportForm in the
    POST; `core.exports` checks the permission and writes the audit entry. Raises
    ApplicationError (refused) for the view to show."""
    form = ExportForm(request.POST)
    reveal, reason = False, ""
    if form.is_valid():
        reveal, reason = form.cleaned_data["reveal"], form.cleaned_data["reason"]
    if exports.should_run_inline(scope=scope, name=name, params=params):
        result = exports.export_inline(
            scope=scope, name=name, params=params, reveal=reveal, reason=reason
        )
        response = FileResponse(
            result.path.open("rb"), as_attachment=True, filename=result.filename
        )
        result.path.unlink()
        return response
    job = exports.export_enqueue(
        scope=scope, name=name, params=params, reveal=reveal, reason=reason
    )
    return redirect("core:job", job_id=job.pk)
