"""The resident's own pages (/me/): sign in with a one-time code to the phone, pick
whose status to see when a family shares the phone, the status page with every
module's section, and requests for help.

Every page is public (no staff account) and answers a stranger without personal data:
the sign-in answers the same whether anybody holds the phone or not; the code page
shows only the (masked) number the visitor typed. Rate limits count in the database,
across processes (ratelimit.py). Nothing here is cached by the browser.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.masking import mask_name, mask_phone
from fangkong.core.scope import Scope
from fangkong.core.web import public
from fangkong.registry import selectors as registry
from fangkong.registry.models import Person
from fangkong.support import selectors as support_selectors
from fangkong.support import services as support_services
from fangkong.support.forms import RequestForm

from . import ratelimit, selectors, services, session, tasks
from .forms import CodeForm, PhoneForm
from .sections import sections

log = logging.getLogger("fangkong.residents")

PENDING_PHONE = "resident_pending_phone"
PENDING_UNTIL = "resident_pending_until"
NEXT = "resident_next"


def _headers(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponseBase:
    return _headers(render(request, template, context, status=status))


def _client(request: HttpRequest) -> str:
    return ratelimit.client_address(request)


def _limited(request: HttpRequest, wait: int) -> HttpResponseBase:
    response = _page(
        request, "residents/limited.html", {"minutes": max(1, (wait + 59) // 60)}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def _next_url(request: HttpRequest) -> str:
    target = request.session.pop(NEXT, "")
    if target and target.startswith("/me/") and url_has_allowed_host_and_scheme(target, None):
        return str(target)
    return reverse("residents:status")


def _go(url: str) -> HttpResponseBase:
    response = redirect(url)
    response.status_code = 303
    return _headers(response)


# --- Sign-in -------------------------------------------------------------------------------


@public
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponseBase:
    """The phone number. The answer is the same whether anybody holds it or not: the
    code is made and sent in the background (tasks.send_code)."""
    if request.method != "POST":
        target = request.GET.get("next", "")
        if target:
            request.session[NEXT] = target
        return _page(request, "residents/sign_in.html", {"form": PhoneForm()})
    wait = ratelimit.hit(
        "code_address",
        _client(request),
        ratelimit.limits("FANGKONG_RESIDENT_CODE_LIMIT_PER_ADDRESS"),
    )
    if wait:
        return _limited(request, wait)
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return _page(request, "residents/sign_in.html", {"form": form}, status=400)
    phone = form.cleaned_data["phone"]
    wait = ratelimit.hit(
        "code_phone", phone, ratelimit.limits("FANGKONG_RESIDENT_CODE_LIMIT_PER_PHONE")
    )
    if wait:
        return _limited(request, wait)
    tasks.send_code(phone, _client(request), translation.get_language() or "")
    request.session[PENDING_PHONE] = phone
    request.session[PENDING_UNTIL] = int(time.time()) + services.CODE_SECONDS
    return _go(reverse("residents:code"))


def _pending_phone(request: HttpRequest) -> str:
    if request.session.get(PENDING_UNTIL, 0) < time.time():
        return ""
    return str(request.session.get(PENDING_PHONE, ""))


@public
@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponseBase:
    """The code from the text message. A wrong, expired or never-sent code gets one
    answer; after the code, the person files of the phone (or the choice of them)."""
    phone = _pending_phone(request)
    if not phone:
        return _go(reverse("residents:sign_in"))
    context: dict[str, Any] = {"phone": mask_phone(phone), "minutes": services.CODE_SECONDS // 60}
    if request.method != "POST":
        return _page(request, "residents/code.html", {**context, "form": CodeForm()})
    wait = ratelimit.hit(
        "check_address",
        _client(request),
        ratelimit.limits("FANGKONG_RESIDENT_CHECK_LIMIT_PER_ADDRESS"),
    )
    if wait:
        return _limited(request, wait)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _page(request, "residents/code.html", {**context, "form": form}, status=400)
    people = services.code_check(
        phone=phone, code=form.cleaned_data["code"], remote_addr=_client(request)
    )
    if not people:
        form.add_error(
            "code",
            _("The code is wrong or has expired. Check the message, or ask for a new code."),
        )
        return _page(request, "residents/code.html", {**context, "form": form}, status=400)
    request.session.pop(PENDING_PHONE, None)
    request.session.pop(PENDING_UNTIL, None)
    session.sign_out(request)  # whoever this browser showed before
    session.allow(request, [p.pk for p in people])
    if len(people) == 1:
        return _enter(request, people[0], switched=False)
    return _go(reverse("residents:choose"))


def _enter(request: HttpRequest, person: Person, *, switched: bool) -> HttpResponseBase:
    target = _next_url(request)
    if not session.switch_to(request, person):
        return _go(reverse("residents:sign_in"))
    services.signed_in(person=person, remote_addr=_client(request), switched=switched)
    return _go(target)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest) -> HttpResponseBase:
    """Whose status to see, among the files of the phone the code went to (a family);
    also the switch between them later, without a new code."""
    allowed = session.choices(request)
    people = selectors.persons_among(allowed)
    if not people:
        return _go(reverse("residents:sign_in"))
    current = session.current_person(request)
    if request.method == "POST":
        try:
            wanted = int(request.POST.get("person", ""))
        except ValueError:
            wanted = 0
        chosen = next((p for p in people if p.pk == wanted), None)
        if chosen is not None:
            return _enter(request, chosen, switched=current is not None)
    return _page(
        request,
        "residents/choose.html",
        {
            "people": [
                {"pk": p.pk, "name": mask_name(p.name), "is_current": current == p} for p in people
            ],
            "error": request.method == "POST",
        },
        status=400 if request.method == "POST" else 200,
    )


@public
@never_cache
@require_POST
def sign_out(request: HttpRequest) -> HttpResponseBase:
    person = session.current_person(request)
    if person is not None:
        services.signed_out(person=person, remote_addr=_client(request))
    session.sign_out(request)
    messages.info(request, _("You have signed out."))
    return _go(reverse("residents:sign_in"))


# --- The status page -----------------------------------------------------------------------


@dataclass
class Shown:
    key: str
    title: str
    html: str


def _sections(request: HttpRequest, person: Person) -> tuple[list[Shown], list[str]]:
    """Each module's section, rendered; a section that fails is left out (and logged)
    rather than taking the resident's whole page down."""
    shown: list[Shown] = []
    failed: list[str] = []
    for section in sections():
        try:
            context = section.context(person)
            if context is None:
                continue
            html = render_to_string(
                section.template, {**context, "person": person}, request=request
            )
        except Exception:
            log.exception("resident section %s failed for person %s", section.key, person.pk)
            failed.append(str(section.title))
            continue
        shown.append(Shown(section.key, str(section.title), html))
    return shown, failed


@public
@never_cache
@session.resident_required
def status(request: HttpRequest, person: Person) -> HttpResponseBase:
    shown, failed = _sections(request, person)
    # Names of jurisdictions are public facts.
    place = Scope.system(reason="resident's status page", code=person.community_code)
    community = registry.community_names(scope=place).get(person.community_code, "")
    return _page(
        request,
        "residents/status.html",
        {
            "name": mask_name(person.name),
            "community": community,
            "sections": shown,
            "failed": failed,
            "requests": support_selectors.resident_requests(person=person),
            "can_switch": len(session.choices(request)) > 1,
        },
    )


# --- Help -------------------------------------------------------------------------------------


@public
@never_cache
@require_http_methods(["GET", "POST"])
@session.resident_required
def help_request(request: HttpRequest, person: Person) -> HttpResponseBase:
    form = RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            support_services.request_submit(
                person=person,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                remote_addr=_client(request),
            )
        except ApplicationError as exc:
            placed = [e for e in exc.errors if e.field in form.fields]
            for error in placed:
                form.add_error(error.field, error.message)
            if not placed:
                form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Your request has been sent to the community. A worker will contact you."),
            )
            return _go(reverse("residents:status"))
    status_code = 400 if request.method == "POST" else 200
    return _page(
        request, "residents/help.html", {"form": form, "name": mask_name(person.name)}, status_code
    )


@public
@never_cache
@require_POST
@session.resident_required
def withdraw(request: HttpRequest, person: Person, pk: int) -> HttpResponseBase:
    item = support_selectors.resident_request(person=person, pk=pk)
    if item is None:
        return _page(request, "residents/not_found.html", {}, status=404)
    try:
        support_services.request_withdraw(person=person, request=item, remote_addr=_client(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("Your request has been withdrawn."))
    return _go(reverse("residents:status"))
