"""Lab pages: labs and their devices, boxes received, results (uploaded or listed),
the unmatched queue, alarming pools and a tube with its members. Thin: parse, call one
selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import paginate, query_string, scope_of, scoped

from ..models import Result
from . import jobs, selectors, services
from .forms import DeviceForm, LabForm, MatchForm, ReceiveForm, ResultFilterForm, UploadForm


def _form_fail(form: Any, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    fields = [e.field for e in exc.errors if e.field in form.fields]
    form.add_error(fields[0] if fields else None, exc.message)


def _lab_choices(scope: Any) -> list[tuple[int, str]]:
    return [(lab.pk, lab.name) for lab in selectors.active_labs(scope=scope)]


# --- Labs ---------------------------------------------------------------------------------


@scoped
def labs(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_MANAGE)
    return render(request, "testing/labs/labs.html", {"labs": list(selectors.labs(scope=scope))})


@scoped
def lab_new(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    scope.require(Perm.TESTING_MANAGE)
    offices = selectors.offices(scope=scope)
    if request.method == "POST":  # another office's code: 404, as if it did not exist
        scope.require(Perm.TESTING_MANAGE, at=request.POST.get("jurisdiction_code", scope.code))
    form = LabForm(request.POST or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        try:
            lab = services.lab_create(scope=scope, **form.cleaned_data)
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            return redirect("testing:labs_lab", pk=lab.pk)
    return render(request, "testing/labs/lab_new.html", {"form": form})


@scoped
def lab(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_MANAGE)
    the_lab = selectors.lab_get(scope=scope, pk=pk)
    form = DeviceForm(request.POST or None)
    token = ""
    if request.method == "POST" and form.is_valid():
        try:
            _device, token = services.lab_device_create(
                scope=scope, lab=the_lab, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            form = DeviceForm()
    return render(
        request,
        "testing/labs/lab.html",
        {
            "lab": the_lab,
            "devices": list(selectors.lab_devices(scope=scope, lab=the_lab)),
            "form": form,
            "token": token,
        },
    )


@scoped
@require_POST
def device_revoke(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    device = selectors.device_get(scope=scope, pk=pk)
    try:
        services.lab_device_revoke(scope=scope, device=device)
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("testing:labs_lab", pk=device.lab_id)


# --- Boxes ----------------------------------------------------------------------------------


@scoped
def receive(request: HttpRequest) -> HttpResponse:
    """Scan a box at the lab's door (a scanner types the barcode and presses Enter)."""
    scope = scope_of(request)
    scope.require(Perm.TESTING_RESULT)
    choices = _lab_choices(scope)
    initial = {"lab": request.session.get("testing_lab")}
    form = ReceiveForm(request.POST or None, labs=choices, initial=initial)
    receipt = None
    if request.method == "POST" and form.is_valid():
        the_lab = selectors.lab_get(scope=scope, pk=int(form.cleaned_data["lab"]))
        request.session["testing_lab"] = the_lab.pk
        receipt = services.box_receive(scope=scope, lab=the_lab, barcode=form.cleaned_data["box"])
        form = ReceiveForm(labs=choices, initial={"lab": the_lab.pk})
    page = paginate(request, selectors.boxes_received(scope=scope), per_page=30)
    late = selectors.late_flags(list(page))
    return render(
        request,
        "testing/labs/receive.html",
        {
            "form": form,
            "receipt": receipt,
            "page": page,
            "rows": [(b, late[b.pk]) for b in page],
            "has_labs": bool(choices),
        },
    )


# --- Results --------------------------------------------------------------------------------


@scoped
def results(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    form = ResultFilterForm(request.GET or None)
    filters = selectors.ResultFilters()
    if form.is_valid():
        filters = selectors.ResultFilters(
            result=form.cleaned_data["result"], barcode=form.cleaned_data["barcode"]
        )
    page = paginate(request, selectors.results(scope=scope, filters=filters), per_page=50)
    return render(
        request,
        "testing/labs/results.html",
        {"form": form, "page": page, "query": query_string(request, page=None)},
    )


@scoped
def upload(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    scope.require(Perm.TESTING_RESULT)
    form = UploadForm(request.POST or None, request.FILES or None, labs=_lab_choices(scope))
    if request.method == "POST" and form.is_valid():
        the_lab = selectors.lab_get(scope=scope, pk=int(form.cleaned_data["lab"]))
        try:
            job = jobs.import_enqueue(scope=scope, lab=the_lab, upload=form.cleaned_data["file"])
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            return redirect("testing:labs_import_status", job_id=job.pk)
    return render(request, "testing/labs/upload.html", {"form": form})


@scoped
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = selectors.import_get(scope=scope_of(request), pk=job_id)
    context = {"job": job, "summary": job.result}
    if request.headers.get("HX-Request"):
        return render(request, "testing/labs/_import_progress.html", context)
    return render(request, "testing/labs/import_status.html", context)


@scoped
def import_rejected(request: HttpRequest, job_id: int) -> HttpResponseBase:
    scope = scope_of(request)
    job = selectors.import_get(scope=scope, pk=job_id)
    path, filename = jobs.rejected_file(scope=scope, job=job)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)


# --- The unmatched queue --------------------------------------------------------------------


@scoped
def unmatched(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    page = paginate(request, selectors.unmatched(scope=scope), per_page=50)
    known = selectors.known_barcodes(barcodes=[r.barcode for r in page])
    return render(
        request,
        "testing/labs/unmatched.html",
        {"page": page, "rows": [(r, r.barcode in known) for r in page]},
    )


@scoped
@require_POST
def match_known(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    n = services.results_match_known(scope=scope)
    messages.success(request, _("%(n)d results matched to their tubes.") % {"n": n})
    return redirect("testing:labs_unmatched")


@scoped
def match(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    result = selectors.unmatched_get(scope=scope, pk=pk)
    form = MatchForm(request.POST or None, initial={"tube": result.barcode})
    if request.method == "POST" and form.is_valid():
        try:
            tube = selectors.tube_by_barcode(scope=scope, barcode=form.cleaned_data["tube"])
        except ApplicationError:
            form.add_error("tube", _("No tube with this barcode in your jurisdiction."))
        else:
            try:
                services.result_match(
                    scope=scope, result=result, tube=tube, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                _form_fail(form, exc)
            else:
                messages.success(request, _("The result is matched to tube %(t)s.") % {"t": tube})
                return redirect("testing:labs_tube", pk=tube.pk)
    return render(request, "testing/labs/match.html", {"result": result, "form": form})


# --- Pools and people -------------------------------------------------------------------


@scoped
def alarms(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    page = paginate(request, selectors.alarming_pools(scope=scope), per_page=30)
    return render(
        request,
        "testing/labs/alarms.html",
        {"page": page, "pools": selectors.pool_counts(tubes=list(page))},
    )


@scoped
def tube(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    the_tube = selectors.tube_get(scope=scope, pk=pk)
    members = selectors.tube_members(scope=scope, tube=the_tube)
    alarm = selectors.tube_alarm(tube=the_tube)
    orders: list[tuple[Any, str, str]] = []
    if alarm:
        names = {m.person_id: m for m in members}
        for pid, outcome in sorted(alarm["data"].get("orders", {}).items()):
            member = names.get(int(pid))
            if member is None or not member.in_scope:
                continue
            kind, _sep, text = outcome.partition(":")
            orders.append((member, kind, text))
    box = the_tube.box
    return render(
        request,
        "testing/labs/tube.html",
        {
            "tube": the_tube,
            "members": members,
            "outside": sum(1 for m in members if not m.in_scope),
            "history": selectors.tube_history(tube=the_tube),
            "orders": orders,
            "box_late": bool(box and selectors.box_is_late(box, the_tube.campaign.late_box_hours)),
            "alarming": the_tube.result in (Result.POSITIVE, Result.SUSPICIOUS),
            "now": timezone.now(),
        },
    )


@scoped
def person(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    the_person = selectors.person_get(scope=scope, pk=pk)
    return render(
        request,
        "testing/labs/person.html",
        {"person": the_person, "samples": selectors.person_samples(the_person.pk)},
    )
