"""Sampling sites (采样点), their members and devices; the device's sampling page and
its service worker. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import public, scope_of, scoped

from ..models import SamplingSite
from . import selectors, services
from .forms import DeviceForm, MemberForm, RevokeForm, SiteForm, stops_text

# The static files the sampling page needs offline (cached by its service worker).
PAGE_ASSETS = (
    "vendor/bootstrap/css/bootstrap.min.css",
    "testing/sampling.css",
    "testing/sampling.js",
)


def _form_fail(form: Any, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    fields = [e.field for e in exc.errors if e.field in form.fields]
    form.add_error(fields[0] if fields else None, exc.message)


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


# --- Sites ---------------------------------------------------------------------------------


@scoped
def sites(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_VIEW)
    kind = request.GET.get("kind", "")
    if kind not in SamplingSite.Kind.values:
        kind = ""
    rows = list(selectors.sites(scope=scope, kind=kind))
    names = selectors.jurisdiction_names({s.jurisdiction_code for s in rows})
    return render(
        request,
        "testing/sampling/sites.html",
        {
            "rows": [(s, names.get(s.jurisdiction_code, s.jurisdiction_code)) for s in rows],
            "kind": kind,
            "kinds": SamplingSite.Kind.choices,
            "counts": selectors.kind_counts(scope=scope),
            "can_manage": scope.has(Perm.TESTING_MANAGE),
        },
    )


@scoped
def site_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_MANAGE)
    if request.method == "POST":
        scope.require(Perm.TESTING_MANAGE, at=request.POST.get("jurisdiction_code", ""))
    form = SiteForm(request.POST or None, offices=selectors.site_offices(scope=scope))
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(scope=scope, **form.cleaned_data)
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            messages.success(
                request,
                _("Site %(name)s created: add its members and devices.") % {"name": site.name},
            )
            return redirect("testing:sampling_site", pk=site.pk)
    return render(request, "testing/sampling/site_form.html", {"form": form, "site": None})


@scoped
def site(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_VIEW)
    site = selectors.site_get(scope=scope, pk=pk)
    can_manage = scope.can(Perm.TESTING_MANAGE, at=site.jurisdiction_code)
    return render(
        request,
        "testing/sampling/site.html",
        {
            "site": site,
            "office": selectors.jurisdiction_names({site.jurisdiction_code}).get(
                site.jurisdiction_code, site.jurisdiction_code
            ),
            "members": selectors.members_of(scope=scope, site=site),
            "devices": selectors.devices_of(scope=scope, site=site),
            "can_manage": can_manage and site.is_active,
            "member_form": MemberForm(),
            "device_form": DeviceForm(),
            "revoke_form": RevokeForm(),
        },
    )


@scoped
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.TESTING_MANAGE, at=site.jurisdiction_code)
    initial = {
        "name": site.name,
        "address": site.address,
        "area": site.area,
        "lanes": site.lanes,
        "stops": stops_text(site.stops),
    }
    form = SiteForm(request.POST or None, initial=initial)
    if site.kind != SamplingSite.Kind.MOBILE:
        del form.fields["stops"]
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(scope=scope, site=site, **form.cleaned_data)
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            messages.success(request, _("The site is saved."))
            return redirect("testing:sampling_site", pk=site.pk)
    return render(request, "testing/sampling/site_form.html", {"form": form, "site": site})


@scoped
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.TESTING_MANAGE, at=site.jurisdiction_code)
    form = MemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the role and give the name."))
        return redirect("testing:sampling_site", pk=pk)
    try:
        member = services.member_add(scope=scope, site=site, **form.cleaned_data)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            _("%(name)s added as %(role)s.")
            % {"name": member.name, "role": member.get_role_display()},
        )
    return redirect("testing:sampling_site", pk=pk)


@scoped
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    member = selectors.member_get(scope=scope, pk=pk)
    try:
        services.member_remove(scope=scope, member=member)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("%(name)s removed from the site.") % {"name": member.name})
    return redirect("testing:sampling_site", pk=member.site_id)


# --- Devices -------------------------------------------------------------------------------


def activation_url(request: HttpRequest, token: str) -> str:
    """The link that activates a phone or PC: the token rides in the fragment, which the
    browser never sends to the server."""
    return request.build_absolute_uri(reverse("testing:sampling_device")) + "#" + token


@scoped
@require_POST
def device_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new device: its token and activation QR are shown on this answer only."""
    scope = scope_of(request)
    site = selectors.site_get(scope=scope, pk=pk)
    scope.require(Perm.TESTING_MANAGE, at=site.jurisdiction_code)
    form = DeviceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the device a name."))
        return redirect("testing:sampling_site", pk=pk)
    try:
        device, token = services.device_create(scope=scope, site=site, **form.cleaned_data)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("testing:sampling_site", pk=pk)
    url = activation_url(request, token)
    response = render(
        request,
        "testing/sampling/device_token.html",
        {
            "site": site,
            "device": device,
            "token": token,
            "url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=5, border=2),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@scoped
@require_POST
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    device = selectors.device_get(scope=scope, pk=pk)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.device_revoke(scope=scope, device=device, reason=reason)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request, _("%(name)s is revoked: its token no longer works.") % {"name": device.name}
        )
    return redirect("testing:sampling_site", pk=device.site_id)


# --- The device's sampling page (public: it does nothing without a device token) ----------


def _page_strings() -> dict[str, str]:
    """What the page's script says, translated here (the script has no catalogue)."""
    return {
        "no_token": _(
            "This device is not activated: open the activation link from the site's page."
        ),
        "loading": _("Loading the device's settings…"),
        "revoked": _("This device's token was refused (revoked?). Ask for a new activation link."),
        "offline_config": _("Offline: using the settings saved on this device."),
        "no_campaign": _("No campaign is open for this site."),
        "choose_campaign": _("Choose the campaign"),
        "scan_tube": _("Scan a tube's barcode to open it"),
        "scan_person": _("Scan the person's code or type the identity number"),
        "scan_box": _("Scan the box's barcode"),
        "scan_box_tube": _("Scan the tubes to pack into box %(box)s"),
        "scan_pickup": _("Scan the box you take over"),
        "tube_open": _("Tube %(tube)s opened (%(size)s per tube)."),
        "tube_closed": _("Tube %(tube)s closed with %(n)s samples."),
        "tube_full_closed": _("Tube %(tube)s is full and closed."),
        "sampled": _("Sampled: %(n)s / %(size)s in tube %(tube)s."),
        "bad_id_number": _("The identity number is not valid (check digit)."),
        "already_in_tube": _("Already in this tube."),
        "already_here": _("Already sampled on this device in this round."),
        "tube_full": _("The tube is full."),
        "tube_used": _("This tube has been used already."),
        "close_first": _("Close the open tube first (scan its barcode again or press Close)."),
        "no_tube": _("No tube is open: scan a tube's barcode first."),
        "not_a_person": _("This is not a person's code."),
        "not_a_barcode": _("This barcode cannot be read: 4 to 40 letters, digits or '-'."),
        "packed": _("Tube %(tube)s packed into box %(box)s."),
        "box_chosen": _("Box %(box)s: now scan its tubes."),
        "handed": _("Box %(box)s handed over to %(name)s."),
        "picked": _("Box %(box)s taken over."),
        "transporter_needed": _("Give the transporter's name."),
        "reason_prompt": _("Why is this person sampled again?"),
        "sample_again": _("Sample again with a reason"),
        "forget_confirm": _(
            "Forget this device? Scans not yet sent are kept and sent when it is activated again."
        ),
        "forgotten": _("This device is forgotten."),
        "sending": _("Sending…"),
        "online": _("Online"),
        "offline": _("Offline: scans are kept on this device and sent later."),
        "server_error": _("The server did not answer; trying again."),
        "single_on": _("Single tube: the next tube takes one person."),
    }


@public
@require_GET
def device_page(request: HttpRequest) -> HttpResponse:
    """The sampling page of a phone or a PC with a barcode scanner. The device token is
    read by the script from the URL fragment and kept in the browser; the page works
    offline (served by its service worker) once it was loaded."""
    response = render(
        request,
        "testing/sampling/device.html",
        {
            "page_strings": _page_strings(),
            "page_config": {
                "api_device": "/api/v1/testing/device",
                "api_scans": "/api/v1/testing/scans",
                "sw": reverse("testing:sampling_sw"),
                "scope": reverse("testing:sampling_device"),
                "batch": 50,
            },
        },
    )
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


@public
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The sampling page's service worker: keeps the page and its files for offline use.
    Served from /testing/sampling/ so that it may control the device page."""
    assets = [static(name) for name in PAGE_ASSETS]
    page = reverse("testing:sampling_device")
    version = hashlib.sha256("\n".join([page, *assets]).encode()).hexdigest()[:12]
    body = render_to_string(
        "testing/sampling/sw.js",
        {"assets": json.dumps(assets), "page": json.dumps(page), "version": version},
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
