"""Quarantine-site pages: the overview, a site's board, rooms, check-in, a stay with its
transfer and check-out. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from . import selectors, services
from .export import NAME as EXPORT_NAME
from .forms import (
    CheckOutForm,
    ExportForm,
    ReasonForm,
    RoomEditForm,
    RoomForm,
    RoomRangeForm,
    RoomsImportForm,
    SiteForm,
    TransferForm,
)


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _form_fail(form: Any, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    fields = [e.field for e in exc.errors if e.field in form.fields]
    form.add_error(fields[0] if fields else None, exc.message)


@scoped
def overview(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    rows = selectors.overview(scope=scope)
    chart = {
        "labels": [s.name for s, _c in rows],
        "series": [
            {"name": _("Occupied"), "data": [c.occupied for _s, c in rows]},
            {"name": _("Free beds"), "data": [c.free for _s, c in rows]},
        ],
    }
    return render(
        request,
        "control/sites/overview.html",
        {
            "rows": rows,
            "total": selectors.total([c for _s, c in rows]),
            "chart": chart,
            "awaiting": selectors.awaiting_check_in(scope=scope).count(),
            "can_manage": scope.has(Perm.SITE_MANAGE),
        },
    )


@scoped
def site_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.SITE_MANAGE)
    if request.method == "POST":
        scope.require(Perm.SITE_MANAGE, at=request.POST.get("jurisdiction_code", ""))
    offices = [(j.code, j.name) for j in selectors.jurisdictions_for_sites(scope=scope)]
    form = SiteForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(scope=scope, **form.cleaned_data)
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            messages.success(
                request, _("Site %(name)s created: add its rooms.") % {"name": site.name}
            )
            return redirect("control:sites_board", pk=site.pk)
    return render(request, "control/sites/site_form.html", {"form": form, "site": None})


@scoped
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    initial = {k: getattr(site, k) for k in services.SITE_FIELDS}
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(scope=scope, site=site, **form.cleaned_data)
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            return redirect("control:sites_board", pk=site.pk)
    return render(
        request,
        "control/sites/site_form.html",
        {"form": form, "site": site, "close_form": ReasonForm()},
    )


@scoped
@require_POST
def site_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    try:
        services.site_deactivate(scope=scope, site=site, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:sites_board", pk=pk)
    messages.success(request, _("The site is closed."))
    return redirect("control:sites_list")


@scoped
def board(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    site = selectors.site_get(scope=scope, pk=pk)
    can_manage = scope.can(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    return render(
        request,
        "control/sites/board.html",
        {
            "board": selectors.board(scope=scope, site=site),
            "site": site,
            "due_out": selectors.due_check_out(scope=scope, site=site),
            "awaiting": selectors.awaiting_check_in(scope=scope).count() if can_manage else 0,
            "can_manage": can_manage and site.is_active,
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "room_form": RoomForm(),
            "range_form": RoomRangeForm(),
            "import_form": RoomsImportForm(),
            "export_form": ExportForm(),
        },
    )


@scoped
@require_POST
def rooms_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One room (mode=one) or a block of floors (mode=range)."""
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    try:
        if request.POST.get("mode") == "range":
            rform = RoomRangeForm(request.POST)
            if not rform.is_valid():
                raise ApplicationError(_("Check the floors and room numbers."))
            added, skipped = services.rooms_add_range(scope=scope, site=site, **rform.cleaned_data)
            messages.success(
                request,
                _("%(added)d rooms added, %(skipped)d were there already.")
                % {"added": added, "skipped": skipped},
            )
        else:
            form = RoomForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Check the room number and beds."))
            room = services.room_add(scope=scope, site=site, **form.cleaned_data)
            messages.success(request, _("Room %(number)s added.") % {"number": room.number})
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:sites_board", pk=pk)


@scoped
def rooms_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Rooms from a spreadsheet, all or nothing: on success back to the board; when a
    row is rejected, this page lists every rejected row."""
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    form = RoomsImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name or "rooms.xlsx"
        if upload.size and upload.size > services.IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than 5 MB; a room list is smaller."))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{Path(name).suffix.lower()}"
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    report = services.rooms_import(scope=scope, site=site, path=path, filename=name)
                except ApplicationError as exc:
                    _form_fail(form, exc)
            if report is not None and report.applied:
                messages.success(
                    request,
                    _("%(added)d rooms added, %(skipped)d were there already.")
                    % {"added": report.added, "skipped": report.already},
                )
                return redirect("control:sites_board", pk=site.pk)
    return render(
        request, "control/sites/rooms_import.html", {"site": site, "form": form, "report": report}
    )


@scoped
def room(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    room = selectors.room_get(scope=scope, pk=pk)
    scope.require(Perm.SITE_MANAGE, at=room.jurisdiction_code)
    form = RoomEditForm(
        request.POST or None,
        initial={
            "beds": room.beds,
            "is_family": room.is_family,
            "out_of_service": room.out_of_service,
            "note": room.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.room_update(scope=scope, room=room, **form.cleaned_data)
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            return redirect("control:sites_board", pk=room.site_id)
    return render(request, "control/sites/room.html", {"room": room, "form": form})


@scoped
def check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """Who awaits a room (GET); check one person, or a household together, in (POST)."""
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.SITE_MANAGE, at=site.jurisdiction_code)
    room_id = request.POST.get("room") or request.GET.get("room") or ""
    chosen = selectors.room_get(scope=scope, pk=int(room_id)) if room_id.isdigit() else None
    if request.method == "POST":
        pks = [int(v) for v in request.POST.getlist("order") if v.isdigit()]
        try:
            orders = selectors.orders_get(scope=scope, pks=pks)
            stays = services.stay_check_in(scope=scope, orders=orders, site=site, room=chosen)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(
                request,
                _("%(names)s checked in: room %(room)s.")
                % {"names": "、".join(str(s.person) for s in stays), "room": stays[0].room.number},
            )
            return redirect("control:sites_board", pk=site.pk)
    page = paginate(request, selectors.awaiting_check_in(scope=scope), per_page=50)
    return render(
        request,
        "control/sites/check_in.html",
        {
            "site": site,
            "room": chosen,
            "page": page,
            "free": selectors.free_rooms(scope=scope, site=site).count(),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def stay(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    stay = selectors.stay_get(scope=scope, pk=pk)
    sites = [(s.pk, s.name) for s in selectors.target_sites(scope=scope)]
    can_manage = scope.can(Perm.SITE_MANAGE, at=stay.jurisdiction_code)
    return render(
        request,
        "control/sites/stay.html",
        {
            "stay": stay,
            "person_visible": scope.covers(stay.order.jurisdiction_code),
            "history": selectors.stay_history(scope=scope, order=stay.order),
            "transfer_form": TransferForm(sites=sites, initial={"site": stay.site_id}),
            "checkout_form": CheckOutForm(),
            "can_manage": can_manage and stay.checked_out_at is None,
            "due_out": stay.checked_out_at is None
            and services.check_out_due(stay, selectors.today()),
        },
    )


@scoped
@require_POST
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    stay = selectors.stay_get(scope=scope, pk=pk)
    sites = [(s.pk, s.name) for s in selectors.target_sites(scope=scope)]
    form = TransferForm(request.POST, sites=sites)
    if not form.is_valid():
        scope.require(Perm.SITE_MANAGE, at=stay.jurisdiction_code)
        messages.error(request, _("Choose the site and give the reason."))
        return redirect("control:sites_stay", pk=pk)
    data = form.cleaned_data
    try:
        target = selectors.site_get(scope=scope, pk=data["site"])
        room = (
            selectors.room_by_number(scope=scope, site=target, number=data["room"])
            if data["room"]
            else None
        )
        new = services.stay_transfer(
            scope=scope, stay=stay, site=target, room=room, reason=data["reason"]
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:sites_stay", pk=pk)
    messages.success(
        request,
        _("Transferred to %(site)s, room %(room)s.")
        % {"site": new.site.name, "room": new.room.number},
    )
    return redirect("control:sites_board", pk=new.site_id)


@scoped
@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    stay = selectors.stay_get(scope=scope, pk=pk)
    form = CheckOutForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.stay_check_out(scope=scope, stay=stay, note=note)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:sites_stay", pk=pk)
    messages.success(request, _("%(name)s checked out.") % {"name": str(stay.person)})
    return redirect("control:sites_board", pk=stay.site_id)


@scoped
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    params = {"site": site.pk, "name": site.name}
    try:
        return export_response(request, scope, name=EXPORT_NAME, params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:sites_board", pk=pk)
