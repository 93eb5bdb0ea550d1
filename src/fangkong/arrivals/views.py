"""Arrival pages.

Public (no login, reached from a community's QR poster): the report form, its receipt
and the origin picker's suggestions. They never show a value the resident did not type
into this very form, and never whether a person is in the registry; every answer about
a report is the same for a new and a repeated one. See
docs/adr/0010-public-page-protection.md for what protects them.

Staff (scoped): the community's queue with filters and export, a report with its
verification and reveal, the QR posters.
"""

from __future__ import annotations

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, public, query_string, scope_of, scoped
from fangkong.riskareas import origins

from . import ratelimit, selectors, services
from .export import EXPORT_NAME, filters_to_params
from .forms import ArrivalForm, ExportForm, FilterForm, RevealForm, VerifyForm
from .models import ArrivalLink, ArrivalReport

FORM_SALT = "fangkong.arrivals.form"
FORM_MAX_AGE = 2 * 3600
PICKER_LIMIT = 12


def _client(request: HttpRequest) -> str:
    return ratelimit.client_address(request)


# --- Public pages ------------------------------------------------------------------------


def _public_headers(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    response = render(request, "arrivals/public_not_found.html", status=404)
    _public_headers(response)
    return response


def _started() -> str:
    return signing.dumps(int(time.time()), salt=FORM_SALT)


def _form_age(value: str) -> int | None:
    """Seconds since the form was shown, or None when the stamp is missing or forged;
    raises SignatureExpired when the form has been open too long."""
    try:
        started = signing.loads(value, salt=FORM_SALT, max_age=FORM_MAX_AGE)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    age = int(time.time()) - int(started)
    if age > FORM_MAX_AGE:
        raise signing.SignatureExpired("the form is too old")
    return age


def _limited(request: HttpRequest, link: ArrivalLink, wait: int) -> HttpResponse:
    response = render(
        request,
        "arrivals/public_limited.html",
        {
            "minutes": max(1, (wait + 59) // 60),
            "community": selectors.community_name(link.jurisdiction_code),
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    _public_headers(response)
    return response


def _form_page(
    request: HttpRequest, link: ArrivalLink, form: ArrivalForm, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "arrivals/public_form.html",
        {
            "form": form,
            "link": link,
            "community": selectors.community_name(link.jurisdiction_code),
            "started": _started(),
        },
        status=status,
    )
    _public_headers(response)
    return response


def _parse(form: ArrivalForm) -> services.ReportInput:
    data = form.cleaned_data
    assert form.region is not None
    return services.ReportInput(
        name=data["name"],
        id_number=data["id_number"],
        phone=data["phone"],
        origin=form.region,
        arrival_date=data["arrival_date"],
        travel_mode=data["travel_mode"],
        travel_number=data.get("travel_number") or "",
        companions_count=data.get("companions_count") or 0,
        companions=data.get("companions") or "",
        compound_id=form.compound_id,
        compound_name=data.get("compound_other") or "",
        building=data.get("building") or "",
        unit=data.get("unit") or "",
        room=data["room"],
        symptoms=tuple(data["symptoms"]),
        temperature=data.get("temperature"),
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, token: str) -> HttpResponseBase:
    """The resident's report. POST: address limit, honeypot, fill time, the checks,
    the identity-number limit, then the report (or the first one, sent again)."""
    link = selectors.link_for_token(token)
    if link is None:
        return _not_found(request)
    compounds = selectors.public_compounds(link.jurisdiction_code)
    if request.method != "POST":
        return _form_page(request, link, ArrivalForm(compounds=compounds))
    wait = ratelimit.hit(
        "address",
        _client(request),
        ratelimit.parse_limits(settings.FANGKONG_ARRIVAL_LIMIT_PER_ADDRESS),
    )
    if wait:
        return _limited(request, link, wait)
    form = ArrivalForm(request.POST, compounds=compounds)
    if request.POST.get("website"):
        form.is_valid()
        form.add_error(None, _("The report could not be accepted. Please try again."))
        return _form_page(request, link, form, status=400)
    try:
        age = _form_age(request.POST.get("started", ""))
    except signing.SignatureExpired:
        form.is_valid()
        form.add_error(None, _("The form was open for too long; check it and send it again."))
        return _form_page(request, link, form, status=400)
    if age is None or age < settings.FANGKONG_ARRIVAL_MIN_FILL_SECONDS:
        form.is_valid()
        form.add_error(None, _("The form was sent too quickly; check it and send it again."))
        return _form_page(request, link, form, status=400)
    if not form.is_valid():
        return _form_page(request, link, form, status=400)
    data = _parse(form)
    wait = ratelimit.hit(
        "id_number", data.id_number, ratelimit.parse_limits(settings.FANGKONG_ARRIVAL_LIMIT_PER_ID)
    )
    if wait:
        return _limited(request, link, wait)
    try:
        submitted = services.report_submit(link=link, data=data, remote_addr=_client(request))
    except ApplicationError as exc:
        placed = False
        for error in exc.errors:
            if error.field in form.fields:
                form.add_error(error.field, error.message)
                placed = True
        if not placed:
            form.add_error(None, exc.message)
        return _form_page(request, link, form, status=400)
    target = reverse(
        "arrivals:public_receipt", kwargs={"token": token, "receipt": submitted.report.receipt}
    )
    response = redirect(target)
    response.status_code = 303
    return _public_headers(response)


@public
@never_cache
@require_GET
def public_receipt(request: HttpRequest, token: str, receipt: str) -> HttpResponseBase:
    """The receipt: its number, the community, what happens next; nothing personal."""
    link = selectors.link_for_token(token)
    report = selectors.report_by_receipt(link, receipt) if link is not None else None
    if link is None or report is None:
        return _not_found(request)
    response = render(
        request,
        "arrivals/public_receipt.html",
        {
            "link": link,
            "receipt": report.receipt,
            "community": selectors.community_name(link.jurisdiction_code),
        },
    )
    return _public_headers(response)


@public
@require_GET
def public_regions(request: HttpRequest, token: str) -> HttpResponseBase:
    """The origin picker's suggestions: counties and districts (and Henan towns)."""
    if selectors.link_for_token(token) is None:
        return _not_found(request)
    query = (request.GET.get("origin") or request.GET.get("q") or "")[:30]
    found = [r for r in origins.search(query, limit=60) if len(r.code) >= 6][:PICKER_LIMIT]
    response = render(request, "riskareas/_regions.html", {"regions": found, "query": query})
    return _public_headers(response)


# --- The queue -----------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.ReportFilters:
    form = FilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.ReportFilters(
        status=data.get("status") or "todo",
        classification=data.get("classification") or "",
        jurisdiction=data.get("jurisdiction") or "",
        arrived_from=data.get("arrived_from"),
        arrived_until=data.get("arrived_until"),
        province=data.get("province") or "",
        query=data.get("q") or "",
        on=data.get("on") or "",
        day=data.get("day"),
    )


@scoped
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    filters = _filters(request)
    reports = selectors.report_list(scope=scope, filters=filters)
    page = paginate(request, reports, per_page=30)
    return render(
        request,
        "arrivals/queue.html",
        {
            "page": page,
            "filters": filters,
            "form": FilterForm(request.GET or None),
            "qs": query_string(request, page=None),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "export_form": ExportForm(),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "today": timezone.localdate(),
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
        return redirect(reverse("arrivals:queue") + "?" + query_string(request))


def _verify_form(request: HttpRequest, report: ArrivalReport, data: Any = None) -> VerifyForm:
    scope = scope_of(request)
    households = [
        (str(h.pk), h.address) for h in selectors.households_for(scope=scope, report=report)
    ]
    match = selectors.matching_household(scope=scope, report=report)
    return VerifyForm(
        data,
        households=households,
        initial={
            "outcome": ArrivalReport.Outcome.CONFIRMED,
            "register": True,
            "household": str(match.pk) if match else "",
        },
    )


def _report_page(
    request: HttpRequest, report: ArrivalReport, form: VerifyForm | None = None, status: int = 200
) -> HttpResponse:
    scope = scope_of(request)
    person = selectors.registered_person(scope=scope, report=report)
    return render(
        request,
        "arrivals/report.html",
        {
            "report": report,
            "person": person,
            "verify_form": form or _verify_form(request, report),
            "reveal_form": RevealForm(),
        },
        status=status,
    )


@scoped
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(scope=scope_of(request), pk=pk)
    return _report_page(request, report)


@scoped
@require_POST
def report_verify(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    report = selectors.report_get(scope=scope, pk=pk)
    scope.require(Perm.ARRIVAL_VERIFY, at=report.jurisdiction_code)
    form = _verify_form(request, report, request.POST)
    if not form.is_valid():
        return _report_page(request, report, form, status=400)
    household = None
    if form.cleaned_data["household"]:
        household = selectors.household_of_report(
            scope=scope, report=report, pk=int(form.cleaned_data["household"])
        )
    try:
        services.report_verify(
            scope=scope,
            report=report,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            register=form.cleaned_data["register"],
            household=household,
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        placed = [e for e in exc.errors if e.field in form.fields]
        for error in placed:
            form.add_error(error.field, error.message)
        if not placed:
            form.add_error(None, exc.message)
        return _report_page(request, report, form, status=400)
    messages.success(request, _("Verified."))
    return redirect("arrivals:report", pk=pk)


@scoped
@require_POST
def report_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    report = selectors.report_get(scope=scope, pk=pk)
    form = RevealForm(request.POST)
    field = request.POST.get("field", "")
    if not form.is_valid():
        scope.require(Perm.PERSON_REVEAL, at=report.jurisdiction_code)
        return render(
            request,
            "arrivals/_reveal.html",
            {"error": _("Give the reason for seeing the full value."), "field": field},
            status=400,
        )
    try:
        value = services.report_reveal(
            scope=scope,
            report=report,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            remote_addr=request.META.get("REMOTE_ADDR", ""),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        return render(
            request, "arrivals/_reveal.html", {"error": exc.message, "field": field}, status=400
        )
    return render(
        request, "arrivals/_reveal.html", {"value": value, "field": form.cleaned_data["field"]}
    )


# --- Posters -------------------------------------------------------------------------------


@scoped
def posters(request: HttpRequest) -> HttpResponse:
    """The communities in scope with their poster links (made here when missing)."""
    scope = scope_of(request)
    communities = selectors.poster_communities(scope=scope)
    links = services.links_ensure(scope=scope, community_codes=[c for c, _n in communities])
    return render(
        request,
        "arrivals/posters.html",
        {"communities": [(code, name, links.get(code)) for code, name in communities]},
    )


def _public_url(request: HttpRequest, link: ArrivalLink) -> str:
    return request.build_absolute_uri(reverse("arrivals:public_form", kwargs={"token": link.token}))


@scoped
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """The A4 poster of one community: its name, the QR code and what to do."""
    scope = scope_of(request)
    selectors.require_visible_community(scope, code)
    names = dict(selectors.poster_communities(scope=scope))
    if code not in names:
        raise Http404
    link = services.links_ensure(scope=scope, community_codes=[code])[code]
    url = _public_url(request, link)
    return render(
        request,
        "arrivals/poster.html",
        {
            "community": names[code],
            "code": code,
            "url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=8, border=2),
            "link": link,
        },
    )


@scoped
@require_POST
def poster_replace(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_of(request)
    selectors.require_visible_community(scope, code)
    if code not in dict(selectors.poster_communities(scope=scope)):
        raise Http404
    services.link_replace(scope=scope, community_code=code)
    messages.success(request, _("A new poster was made; the old QR code no longer works."))
    return redirect("arrivals:poster", code=code)
