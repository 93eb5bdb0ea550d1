"""Control-zone pages: the list with residents per kind, marking a zone, one zone with
its rules and residents, lifting it. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.control.models import ControlZone
from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from . import selectors, services
from .export import NAME as EXPORT_NAME
from .forms import ExportForm, LiftForm, ZoneForm
from .rules import ORDER, rules_of


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def propose_url(zone: ControlZone) -> str | None:
    """The orders area's "propose orders for the residents" page, if it is there: the
    link is left out rather than breaking this page when it is not."""
    try:
        return reverse("control:orders_propose_zone", args=[zone.pk])
    except NoReverseMatch:
        return None


@scoped
def zone_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    status = request.GET.get("status", "active")
    status = status if status in ControlZone.Status.values or status == "all" else "active"
    page = paginate(
        request, selectors.zones(scope=scope, status="" if status == "all" else status), per_page=30
    )
    counts = selectors.zones_with_counts(scope=scope, zones_page=list(page))
    kinds = dict(ControlZone.Kind.choices)
    summary = selectors.zone_counts(scope=scope, code=scope.code, day=selectors.day_today())
    return render(
        request,
        "control/zones/list.html",
        {
            "page": page,
            "rows": [(z, counts[z.pk]) for z in page],
            "status": status,
            "kinds": [(k, kinds[k]) for k in ORDER],
            "children": [r for r in summary if r["name"] != "total"],
            "total": summary[-1],
            "can_manage": scope.has(Perm.ZONE_MANAGE),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def zone_new(request: HttpRequest) -> HttpResponse:
    """Find the compound (?q=), then mark it or some of its buildings (?compound=)."""
    scope = scope_of(request)
    scope.require(Perm.ZONE_MANAGE)
    query = request.GET.get("q", "").strip()[:40]
    compound_id = request.POST.get("compound") or request.GET.get("compound") or ""
    compound = (
        selectors.compound_get(scope=scope, pk=int(compound_id)) if compound_id.isdigit() else None
    )
    form = None
    if compound is not None:
        scope.require(Perm.ZONE_MANAGE, at=compound.jurisdiction_code)
        buildings = selectors.buildings_of(scope=scope, compound=compound)
        form = ZoneForm(request.POST or None, buildings=[(b.pk, b.name) for b in buildings])
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            chosen = [b for b in buildings if b.pk in set(data["buildings"])]
            try:
                zone = services.zone_create(
                    scope=scope,
                    compound=compound,
                    kind=data["kind"],
                    starts_on=data["starts_on"],
                    planned_end=data["planned_end"],
                    reason=data["reason"],
                    buildings=chosen,
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error(None, exc.message)
            else:
                return redirect("control:zones_detail", pk=zone.pk)
    return render(
        request,
        "control/zones/new.html",
        {
            "query": query,
            "found": selectors.compounds_matching(scope=scope, query=query)
            if compound is None
            else [],
            "compound": compound,
            "form": form,
        },
    )


@scoped
def zone_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    zone = selectors.zone_get(scope=scope, pk=pk)
    page = paginate(request, selectors.residents(scope=scope, zone=zone), per_page=100)
    active = zone.status == ControlZone.Status.ACTIVE
    return render(
        request,
        "control/zones/detail.html",
        {
            "zone": zone,
            "rules": rules_of(zone.kind),
            "buildings": selectors.zone_buildings(zone=zone),
            "counts": selectors.resident_counts(scope=scope, zone=zone),
            "page": page,
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "can_manage": active and scope.can(Perm.ZONE_MANAGE, at=zone.jurisdiction_code),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "propose_url": propose_url(zone)
            if active and scope.can(Perm.CONTROL_PROPOSE, at=zone.jurisdiction_code)
            else None,
            "lift_form": LiftForm(),
            "export_form": ExportForm(),
        },
    )


@scoped
@require_POST
def zone_lift(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    zone = selectors.zone_get(scope=scope, pk=pk)
    try:
        services.zone_lift(scope=scope, zone=zone, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The zone is lifted."))
    return redirect("control:zones_detail", pk=pk)


@scoped
@require_POST
def zone_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    zone = selectors.zone_get(scope=scope, pk=pk)
    params = {"zone": zone.pk, "name": zone.compound.name}
    try:
        return export_response(request, scope, name=EXPORT_NAME, params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:zones_detail", pk=pk)
