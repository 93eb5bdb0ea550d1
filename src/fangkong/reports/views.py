"""Pages of the daily report: a jurisdiction's report of a day (its figures with their
lists, its children side by side, its versions), filling it in, submitting, signing,
correcting, the print view and the .xlsx export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.permissions import Perm
from fangkong.core.web import int_param, scope_of, scoped

from . import exports, sections, selectors, services
from .forms import CorrectForm, DraftForm


def _day(value: str) -> dt.date:
    """A day of the reports: from FIRST_DAY to today (no report of a day to come)."""
    day = exports.day_or_none(value)
    if day is None or not selectors.FIRST_DAY <= day <= timezone.localdate():
        raise NotFound(_("Not found."))
    return day


def _url(code: str, day: dt.date) -> str:
    return reverse("reports:daily", args=[code, day.isoformat()])


@scoped
def index(request: HttpRequest) -> HttpResponse:
    """Today's report of the account's own jurisdiction."""
    scope = scope_of(request)
    scope.require(Perm.REPORT_VIEW)
    return redirect(_url(selectors.report_code(scope), timezone.localdate()))


def _context(request: HttpRequest, code: str, day: dt.date) -> dict[str, Any]:
    scope = scope_of(request)
    view = selectors.report_view(
        scope=scope, code=code, day=day, version=int_param(request.GET.get("version", ""))
    )
    compare = request.GET.get("compare") == "1"
    previous = selectors.previous_figures(scope=scope, code=code, day=day) if compare else None
    report = view.report
    latest = selectors.latest(scope=scope, code=code, day=day) if report is not None else None
    is_latest = report is not None and latest is not None and latest.pk == report.pk
    can_fill = scope.can(Perm.REPORT_FILL, at=code) and not scope.is_system
    can_sign = scope.can(Perm.REPORT_SIGN, at=code)
    keys = [f for f in sections.figures() if f.key_figure or f.overdue]
    # Work to compare (the overdue figures, people under measures, alarms), not sizes.
    charted = [f for f in keys if f.additive and (f.overdue or not f.flow)]
    charted = [f for f in charted if not f.key.startswith(("population.", "testing.sampled"))]
    rows = [r for r in view.children if not r.direct]
    parent = code[:-3] if len(code) > 6 else ""
    return {
        # The children side by side as a bar chart too (static/fangkong/charts.js).
        "chart": {
            "labels": [r.name for r in rows],
            "series": [
                {"name": str(f.label), "data": [r.figures.get(f.key) or 0 for r in rows]}
                for f in charted
            ],
        },
        "view": view,
        "child_labels": [str(f.label) for f in keys],
        "child_rows": [(row, [row.figures.get(f.key) for f in keys]) for row in view.children],
        "can_export": scope.has(Perm.EXPORT) and scope.can_export,
        "report": report,
        "day": day,
        "node": view.node,
        "blocks": selectors.blocks(
            view.figures, code=code, day=day, previous=previous, scope=scope
        ),
        "compare": compare,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < timezone.localdate() else None,
        "versions": list(selectors.versions(scope=scope, code=code, day=day)),
        "is_latest": is_latest,
        "can_prepare": can_fill and (report is None or (is_latest and not report.is_locked)),
        # Filling in a report not prepared yet prepares it first.
        "can_edit": can_fill and (report is None or (is_latest and not report.is_locked)),
        "can_submit": can_fill and is_latest and report is not None and not report.is_locked,
        "can_sign": can_sign
        and is_latest
        and report is not None
        and report.status == report.Status.SUBMITTED
        and report.filled_by_id != scope.actor_id,
        "can_correct": can_fill and is_latest and report is not None and report.is_locked,
        "correct_form": CorrectForm(),
        "deadline": selectors.deadline(day, code),
        "late": selectors.is_late(
            selectors.first_submitted(codes=[code], day=day).get(code),
            day,
            timezone.now(),
            code,
        ),
        "parent_code": parent if parent and scope.covers(parent) else "",
    }


@scoped
def daily(request: HttpRequest, code: str, day: str) -> HttpResponse:
    context = _context(request, code, _day(day))
    return render(request, "reports/daily.html", context)


@scoped
def daily_print(request: HttpRequest, code: str, day: str) -> HttpResponse:
    context = _context(request, code, _day(day))
    return render(request, "reports/print.html", context)


@scoped
def daily_export(request: HttpRequest, code: str, day: str) -> HttpResponse:
    scope = scope_of(request)
    selectors.node_get(scope=scope, code=code)
    scope.require(Perm.EXPORT)
    if not scope.can_export:
        raise PermissionDenied(_("You do not have permission to do this."))
    view = selectors.report_view(
        scope=scope, code=code, day=_day(day), version=int_param(request.GET.get("version", ""))
    )
    content, filename = exports.workbook(scope=scope, view=view)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    messages.error(request, exc.message)


@scoped
@require_POST
def daily_prepare(request: HttpRequest, code: str, day: str) -> HttpResponse:
    on = _day(day)
    scope_of(request).require(Perm.REPORT_FILL, at=code)
    try:
        services.prepare(scope=scope_of(request), code=code, day=on)
        messages.success(request, _("The figures were prepared from today's data."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(_url(code, on))


def _draft(request: HttpRequest, code: str, on: dt.date) -> Any:
    scope = scope_of(request)
    report = selectors.latest(scope=scope, code=code, day=on)
    if report is None:
        report = services.prepare(scope=scope, code=code, day=on)
    return report


@scoped
@require_http_methods(["GET", "POST"])
def daily_edit(request: HttpRequest, code: str, day: str) -> HttpResponse:
    scope = scope_of(request)
    on = _day(day)
    scope.require(Perm.REPORT_FILL, at=code)
    selectors.node_get(scope=scope, code=code)
    report = _draft(request, code, on)
    if report.is_locked:
        messages.error(request, _("This report has been submitted; a change is a correction."))
        return redirect(_url(code, on))
    adjust = len(code) >= 12
    if request.method == "POST":
        form = DraftForm(request.POST, adjust=adjust, existing=len(report.adjustments))
        if form.is_valid():
            try:
                services.save_draft(
                    scope=scope,
                    report=report,
                    data=services.DraftInput(
                        duty_staff=form.cleaned_data["duty_staff"],
                        remarks=form.cleaned_data["remarks"],
                        problems=form.cleaned_data["problems"],
                        adjustments=tuple(form.adjustments()),
                    ),
                )
            except ApplicationError as exc:
                placed = False
                for error in exc.errors:
                    parts = error.field.split(".")
                    name = f"adj{parts[1]}_{parts[2]}" if len(parts) == 3 else error.field
                    if name in form.fields:
                        form.add_error(name, error.message)
                        placed = True
                if not placed:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("The report was saved; it is not yet submitted."))
                return redirect(_url(code, on))
    else:
        form = DraftForm(
            initial=DraftForm.initial_for(report), adjust=adjust, existing=len(report.adjustments)
        )
    return render(
        request,
        "reports/edit.html",
        {
            "form": form,
            "report": report,
            "node": selectors.node_get(scope=scope, code=code),
            "day": on,
            "blocks": selectors.blocks(report.computed, code=code, day=on, scope=scope),
        },
    )


@scoped
@require_POST
def daily_submit(request: HttpRequest, code: str, day: str) -> HttpResponse:
    scope = scope_of(request)
    on = _day(day)
    scope.require(Perm.REPORT_FILL, at=code)
    report = selectors.latest(scope=scope, code=code, day=on)
    if report is None:
        raise NotFound(_("Not found."))
    try:
        services.submit(scope=scope, report=report)
        messages.success(request, _("The report was submitted upward."))
    except ApplicationError as exc:
        _fail(request, exc)
        if any(e.field == "duty_staff" for e in exc.errors):
            return redirect(reverse("reports:daily_edit", args=[code, on.isoformat()]))
    return redirect(_url(code, on))


@scoped
@require_POST
def daily_sign(request: HttpRequest, code: str, day: str) -> HttpResponse:
    scope = scope_of(request)
    on = _day(day)
    scope.require(Perm.REPORT_SIGN, at=code)
    report = selectors.latest(scope=scope, code=code, day=on)
    if report is None:
        raise NotFound(_("Not found."))
    try:
        services.sign(scope=scope, report=report)
        messages.success(request, _("The report was signed."))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect(_url(code, on))


@scoped
@require_POST
def daily_correct(request: HttpRequest, code: str, day: str) -> HttpResponse:
    scope = scope_of(request)
    on = _day(day)
    scope.require(Perm.REPORT_FILL, at=code)
    report = selectors.latest(scope=scope, code=code, day=on)
    if report is None:
        raise NotFound(_("Not found."))
    form = CorrectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the report is corrected."))
        return redirect(_url(code, on))
    try:
        services.correct(scope=scope, report=report, reason=form.cleaned_data["reason"])
        messages.success(request, _("A new version was opened; check it and submit it again."))
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect(_url(code, on))
    return redirect(reverse("reports:daily_edit", args=[code, on.isoformat()]))
