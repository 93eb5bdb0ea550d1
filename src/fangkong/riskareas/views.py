"""Risk-area pages: the list (in force on a day, or the history), one entry with its
history, add / change / lift forms, import from a spreadsheet, export, and the region
picker's search. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from . import origins, selectors, services
from .export import EXPORT_NAME, filters_to_params
from .forms import AreaForm, ChangeForm, EndForm, FilterForm, ImportForm
from .importer import MAX_BYTES, import_areas

PICKER_LIMIT = 12


def _fail(form: Any, exc: ApplicationError) -> None:
    """A rule said no: put the message on its field (or the form). 403 and 404 go on to
    @scoped, which renders those pages."""
    if exc.status in (403, 404):
        raise exc
    placed = False
    for error in exc.errors:
        if error.field in form.fields:
            form.add_error(error.field, error.message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _filters(request: HttpRequest) -> selectors.AreaFilters:
    form = FilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.AreaFilters(
        view=data.get("view") or "in_force",
        day=data.get("day"),
        level=data.get("level") or "",
        query=data.get("q") or "",
    )


@scoped
def area_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    filters = _filters(request)
    areas = selectors.area_list(scope=scope, filters=filters)
    page = paginate(request, areas, per_page=50)
    day = filters.day or timezone.localdate()
    return render(
        request,
        "riskareas/list.html",
        {
            "page": page,
            "filters": filters,
            "form": FilterForm(request.GET or None),
            "day": day,
            "upcoming": selectors.upcoming(scope=scope, day=day)[:20]
            if filters.view == "in_force"
            else [],
            "qs": query_string(request, page=None),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
        },
    )


def _data(form: Any, region: Any) -> services.AreaInput:
    return services.AreaInput(
        region=region,
        level=form.cleaned_data["level"],
        effective_from=form.cleaned_data["effective_from"],
        effective_until=form.cleaned_data.get("effective_until"),
        note=form.cleaned_data.get("note") or "",
    )


@scoped
def area_add(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.RISK_AREA_MANAGE)
    form = AreaForm(
        request.POST or None, initial={"effective_from": timezone.localdate(), "level": "medium"}
    )
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_of(
                form.cleaned_data["region"], form.cleaned_data["region_code"]
            )
            area = services.area_add(
                scope=scope, district=selectors.district_of(scope), data=_data(form, region)
            )
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Added: %(area)s.") % {"area": area.region_name})
            return redirect("riskareas:list")
    return render(request, "riskareas/form.html", {"form": form, "mode": "add"})


@scoped
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    area = selectors.area_get(scope=scope, pk=pk)
    return render(
        request,
        "riskareas/detail.html",
        {
            "area": area,
            "history": selectors.area_history(scope=scope, area=area),
            "today": timezone.localdate(),
        },
    )


@scoped
def area_change(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.RISK_AREA_MANAGE)
    area = selectors.area_get(scope=scope, pk=pk)
    form = ChangeForm(
        request.POST or None,
        initial={
            "level": area.level,
            "effective_from": area.effective_from,
            "effective_until": area.effective_until,
            "note": area.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            region = services.region_of("", area.region_code)
            new = services.area_change(scope=scope, area=area, data=_data(form, region))
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("riskareas:area", pk=new.pk)
    return render(request, "riskareas/form.html", {"form": form, "mode": "change", "area": area})


@scoped
def area_end(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.RISK_AREA_MANAGE)
    area = selectors.area_get(scope=scope, pk=pk)
    form = EndForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.area_end(
                scope=scope,
                area=area,
                on=form.cleaned_data["on"],
                note=form.cleaned_data.get("note") or "",
            )
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Lifted."))
            return redirect("riskareas:area", pk=new.pk)
    return render(request, "riskareas/form.html", {"form": form, "mode": "end", "area": area})


@scoped
def areas_import(request: HttpRequest) -> HttpResponse:
    """Upload, check every row, apply all or nothing; the report on the same page (a
    risk-area list is short: no background job)."""
    scope = scope_of(request)
    scope.require(Perm.RISK_AREA_MANAGE)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name = upload.name or "risk-areas.xlsx"
        if upload.size and upload.size > MAX_BYTES:
            form.add_error("file", _("The file is larger than 5 MB; a risk-area list is smaller."))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"upload{Path(name).suffix.lower()}"
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    report = import_areas(
                        scope=scope,
                        district=selectors.district_of(scope),
                        path=path,
                        filename=name,
                        dry_run=form.cleaned_data["dry_run"],
                    ).as_dict()
                except ApplicationError as exc:
                    _fail(form, exc)
    return render(request, "riskareas/import.html", {"form": form, "report": report})


@scoped
@require_POST
def areas_export(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    params = filters_to_params(_filters(request))
    try:
        return export_response(request, scope, name=EXPORT_NAME, params=params)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect(reverse("riskareas:list") + "?" + query_string(request))


@scoped
@require_GET
def region_search(request: HttpRequest) -> HttpResponse:
    """The region picker's suggestions (htmx): provinces, cities, counties by name,
    pinyin, initials or code."""
    scope_of(request).require(Perm.RISK_AREA_VIEW)
    query = next(
        (request.GET.get(k, "") for k in ("q", "region", "origin") if request.GET.get(k)), ""
    )
    found = origins.search(query, limit=PICKER_LIMIT)
    return render(request, "riskareas/_regions.html", {"regions": found, "query": query})
