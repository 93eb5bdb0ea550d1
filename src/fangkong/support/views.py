"""Staff pages of the help requests: the queue of the scope with filters and export, one
request with take / done / cancel, and recording a request for a person."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped
from fangkong.registry import selectors as registry

from . import selectors, services
from .export import EXPORT_NAME, filters_to_params
from .forms import CancelForm, DoneForm, ExportForm, FilterForm, RequestForm
from .models import ServiceRequest


def _place_errors(form: forms.Form, exc: ApplicationError) -> None:
    placed = [e for e in exc.errors if e.field in form.fields]
    for error in placed:
        form.add_error(error.field, error.message)
    if not placed:
        form.add_error(None, exc.message)


def _filters(request: HttpRequest) -> selectors.RequestFilters:
    form = FilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.RequestFilters(
        status=data.get("status") or "open",
        kind=data.get("kind") or "",
        jurisdiction=data.get("jurisdiction") or "",
        created_from=data.get("created_from"),
        created_until=data.get("created_until"),
        query=data.get("q") or "",
        on=data.get("on") or "",
        day=data.get("day"),
    )


@scoped
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    filters = _filters(request)
    found = selectors.queue(scope=scope, filters=filters)
    page = paginate(request, found, per_page=30)
    names = selectors.community_names(scope=scope)
    for item in page:
        item.community_name = names.get(item.community_code, "")
    return render(
        request,
        "support/queue.html",
        {
            "page": page,
            "filters": filters,
            "form": FilterForm(request.GET or None),
            "qs": query_string(request, page=None),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "export_form": ExportForm(),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "now": timezone.now(),
        },
    )


@scoped
@require_POST
def queue_export(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    params = filters_to_params(_filters(request))
    try:
        return export_response(request, scope, name=EXPORT_NAME, params=params)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect(reverse("support:queue") + "?" + query_string(request))


def _request_page(
    request: HttpRequest,
    item: ServiceRequest,
    *,
    done_form: DoneForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_of(request)
    return render(
        request,
        "support/request.html",
        {
            "item": item,
            "community": selectors.community_names(scope=scope).get(item.community_code, ""),
            "can_handle": scope.can(Perm.SUPPORT_HANDLE, at=item.jurisdiction_code),
            "can_see_person": scope.has(Perm.PERSON_VIEW),
            "done_form": done_form or DoneForm(),
            "cancel_form": cancel_form or CancelForm(),
        },
        status=status,
    )


@scoped
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.request_get(scope=scope_of(request), pk=pk)
    return _request_page(request, item)


@scoped
@require_POST
def request_take(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    item = selectors.request_get(scope=scope, pk=pk)
    try:
        services.request_take(scope=scope, request=item)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You have taken this request."))
    return redirect("support:request", pk=pk)


@scoped
@require_POST
def request_done(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    item = selectors.request_get(scope=scope, pk=pk)
    form = DoneForm(request.POST)
    if not form.is_valid():
        scope.require(Perm.SUPPORT_HANDLE, at=item.jurisdiction_code)
        return _request_page(request, item, done_form=form, status=400)
    try:
        services.request_done(scope=scope, request=item, note=form.cleaned_data["note"])
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        _place_errors(form, exc)
        return _request_page(request, item, done_form=form, status=400)
    messages.success(request, _("Marked as done."))
    return redirect("support:request", pk=pk)


@scoped
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    item = selectors.request_get(scope=scope, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        scope.require(Perm.SUPPORT_HANDLE, at=item.jurisdiction_code)
        return _request_page(request, item, cancel_form=form, status=400)
    try:
        services.request_cancel(scope=scope, request=item, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        _place_errors(form, exc)
        return _request_page(request, item, cancel_form=form, status=400)
    messages.success(request, _("The request was cancelled."))
    return redirect("support:request", pk=pk)


@scoped
@require_http_methods(["GET", "POST"])
def request_record(request: HttpRequest, pk: int) -> HttpResponse:
    """A request the person made by phone or at the door, recorded by staff."""
    scope = scope_of(request)
    person = registry.person_get(scope=scope, pk=pk)
    scope.require(Perm.SUPPORT_HANDLE, at=person.jurisdiction_code)
    form = RequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.request_record(
                    scope=scope,
                    person=person,
                    kind=form.cleaned_data["kind"],
                    text=form.cleaned_data["text"],
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                _place_errors(form, exc)
            else:
                messages.success(request, _("The request is in the community's queue."))
                return redirect("support:request", pk=item.pk)
        status = 400
    return render(request, "support/record.html", {"person": person, "form": form}, status=status)
