"""Control-order pages: the list and one order with its actions, proposing (from a
trigger or a sealed zone), the notice, the tests at the door, the orders due for
release, oversight and counts, and the district's policies. Thin: parse, call one
selector or service, render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.control.models import ControlOrder, Measure, OrderTest, Trigger
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped
from fangkong.registry import selectors as registry_selectors

from . import exports, selectors, services
from .forms import (
    DecisionForm,
    EndForm,
    ExtendForm,
    HandoverForm,
    InstallForm,
    OrderFilterForm,
    PeriodForm,
    PolicyEditForm,
    ProposeForm,
    ReleaseForm,
    TestCorrectForm,
    TestResultForm,
    ZoneProposeForm,
)
from .notice import notice_context
from .policy import rule_for


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """A rule said no: show why. Outside the scope or without the permission is a
    404/403 page, raised on to @scoped."""
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _stream_export(
    request: HttpRequest, scope: Scope, name: str, params: dict[str, Any], back: str
) -> HttpResponseBase:
    try:
        return export_response(request, scope, name=name, params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect(back)


# --- The list ------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[OrderFilterForm, selectors.OrderFilters]:
    form = OrderFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return form, selectors.OrderFilters(
        status=data.get("status", ""),
        trigger=data.get("trigger", ""),
        measure=data.get("measure", ""),
        jurisdiction=data.get("jurisdiction", ""),
        query=(data.get("q") or "").strip(),
        on=data.get("on") or "",
        day=data.get("day"),
    )


@scoped
def order_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    form, filters = _filters(request)
    page = paginate(request, selectors.orders(scope=scope, filters=filters), per_page=50)
    names = selectors.place_names(codes={o.jurisdiction_code for o in page})
    return render(
        request,
        "control/orders/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(o, names.get(o.jurisdiction_code, "")) for o in page],
            "waiting": selectors.proposals(scope=scope).count(),
            "can_approve": scope.has(Perm.CONTROL_APPROVE),
            "can_propose": scope.has(Perm.CONTROL_PROPOSE),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "export_query": query_string(request, page=None),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
@require_POST
def order_export(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    _form, f = _filters(request)
    params = {
        "status": f.status,
        "trigger": f.trigger,
        "measure": f.measure,
        "jurisdiction": f.jurisdiction,
        "q": f.query,
        "on": f.on,
        "day": f.day.isoformat() if f.day else "",
    }
    return _stream_export(request, scope, exports.ORDERS, params, reverse("control:orders_list"))


# --- Proposing --------------------------------------------------------------------------------


@scoped
def order_propose(request: HttpRequest) -> HttpResponse:
    """Propose from a trigger: reached with ?person=&trigger=&trigger_ref=&trigger_date=
    from an arrival report, a push-list check, a screening record or a person file."""
    scope = scope_of(request)
    scope.require(Perm.CONTROL_PROPOSE)
    source = request.POST if request.method == "POST" else request.GET
    person = None
    pk = source.get("person", "")
    if pk:
        # Someone outside the scope (or nobody) is "not found", as everywhere.
        person = registry_selectors.person_get(scope=scope, pk=int(pk) if pk.isdigit() else 0)
    query = request.GET.get("q", "").strip()[:40]
    found = []
    if person is None and query:
        found = list(
            registry_selectors.person_list(
                scope=scope, filters=registry_selectors.PersonFilters(query=query)
            ).select_related("household")[:20]
        )
    trigger = source.get("trigger", "") if source.get("trigger", "") in Trigger.values else ""
    today = timezone.localdate()
    initial = {
        "person": person.pk if person else "",
        "trigger": trigger or Trigger.MANUAL,
        "trigger_ref": source.get("trigger_ref", ""),
        "trigger_date": _date(source.get("trigger_date"), today) or today,
    }
    form = ProposeForm(request.POST or None, initial=initial)
    open_order = None
    if request.method == "POST" and person is not None and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_propose(
                scope=scope,
                person=person,
                trigger=data["trigger"],
                trigger_date=data["trigger_date"],
                trigger_ref=data["trigger_ref"],
                reason=data["reason"],
                starts_on=data["starts_on"],
            )
        except services.OpenOrderExists as exc:
            open_order = exc.order
            form.add_error(None, exc.message)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            field_name = exc.errors[0].field if exc.errors else None
            form.add_error(field_name if field_name in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Proposed; a second person approves it before it is in force.")
            )
            return redirect("control:orders_detail", pk=order.pk)
    elif person is not None:
        open_order = selectors.open_order_of(person_id=person.pk)
    ref = str(form["trigger_ref"].value() or "")
    chosen_trigger = str(form["trigger"].value() or Trigger.MANUAL)
    day = _date(str(form["trigger_date"].value() or ""), today) or today
    trigger_source = (
        selectors.trigger_source(scope=scope, trigger=chosen_trigger, ref=ref, person=person)
        if person is not None and ref and chosen_trigger != Trigger.MANUAL
        else None
    )
    in_force = selectors.policy_in_force(
        scope.code[:6] if person is None else person.jurisdiction_code[:6], day
    )
    rule = rule_for(in_force.rules, chosen_trigger) if in_force else None
    return render(
        request,
        "control/orders/propose.html",
        {
            "form": form,
            "person": person,
            "query": query,
            "found": found,
            "open_order": open_order,
            "trigger_source": trigger_source,
            "policy": in_force,
            "rule": rule,
            "measures": dict(Measure.choices),
        },
    )


@scoped
def zone_propose(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    zone = selectors.zone_get(scope=scope, pk=pk)
    scope.require(Perm.CONTROL_PROPOSE, at=zone.jurisdiction_code)
    form = ZoneProposeForm(request.POST or None, initial={"trigger_date": zone.starts_on})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.zone_propose(
                scope=scope, zone=zone, trigger_date=form.cleaned_data["trigger_date"]
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(
                request,
                _("%(n)d orders proposed; %(m)d people skipped.")
                % {"n": len(result.proposed), "m": len(result.skipped)},
            )
            for person, why in result.skipped[:20]:
                messages.warning(request, f"{person.name}: {why}")
            return redirect(f"{reverse('control:orders_list')}?status=proposed&trigger=sealed_zone")
    residents = list(selectors.zone_residents(scope=scope, zone=zone)[:500])
    open_ids = set(
        selectors.orders(scope=scope)
        .filter(person__in=residents, status__in=selectors.OPEN_STATUSES)
        .values_list("person_id", flat=True)
    )
    return render(
        request,
        "control/orders/propose_zone.html",
        {
            "zone": zone,
            "form": form,
            "residents": [(p, p.pk in open_ids) for p in residents],
        },
    )


# --- One order -----------------------------------------------------------------------------


@scoped
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    today = timezone.localdate()
    tests = selectors.order_tests(order=order)
    events = selectors.order_events(order=order)
    served, met = selectors.release_check(order=order, today=today)
    codes = {order.jurisdiction_code} | {
        str(e.data.get(k, "")) for e in events for k in ("from", "to") if e.data
    }
    names = selectors.place_names(codes=codes)
    can_approve = scope.can(Perm.CONTROL_APPROVE, at=order.jurisdiction_code)
    is_active = order.status == ControlOrder.Status.ACTIVE
    targets = [
        (j.code, f"{'— ' if len(j.code) > 12 else ''}{j.name}")
        for j in selectors.handover_targets(code=order.jurisdiction_code)
        if j.code != order.jurisdiction_code
    ]
    trigger_source = (
        selectors.trigger_source(
            scope=scope,
            trigger=order.trigger,
            ref=order.trigger_ref,
            person=selectors.person_of(order),
        )
        if order.trigger_ref
        else None
    )
    return render(
        request,
        "control/orders/detail.html",
        {
            "order": order,
            "person": selectors.person_of(order),
            "person_in_scope": scope.covers(selectors.person_of(order).jurisdiction_code),
            "phases": selectors.order_phases(order=order),
            "phase_today": selectors.current_phase(order=order, day=today),
            "tests": tests,
            "events": [
                (
                    e,
                    names.get(str(e.data.get("from", "")), ""),
                    names.get(str(e.data.get("to", "")), ""),
                )
                for e in events
            ],
            "place": names.get(order.jurisdiction_code, order.jurisdiction_code),
            "trigger_source": trigger_source,
            "served": served,
            "release_met": met,
            "due": is_active and served and met,
            "today": today,
            "is_proposed": order.status == ControlOrder.Status.PROPOSED,
            "is_active": is_active,
            "is_own_proposal": order.proposed_by_id == scope.actor_id,
            "can_approve": can_approve,
            "can_record": is_active and scope.can(Perm.FOLLOWUP_RECORD, at=order.jurisdiction_code),
            "reject_form": DecisionForm(),
            "release_form": ReleaseForm(),
            "end_form": EndForm(),
            "extend_form": ExtendForm(),
            "handover_form": HandoverForm(targets=targets),
            "test_form": TestResultForm(),
            "correct_form": TestCorrectForm(),
            "correctable": [str(r) for r in services.TEST_RESULTS],
            "alerts": list(selectors.open_alerts_for(order=order)),
            "contact": selectors.contact_of(order),
        },
    )


def _order_action(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    try:
        action(scope, order)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, success)
    return redirect("control:orders_detail", pk=pk)


@scoped
@require_POST
def order_approve(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    note = form.cleaned_data["reason"] if form.is_valid() else ""
    return _order_action(
        request,
        pk,
        lambda s, o: services.order_approve(scope=s, order=o, note=note),
        _("Approved: the order is in force and its notice can be printed."),
    )


@scoped
@require_POST
def order_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _order_action(
        request,
        pk,
        lambda s, o: services.order_reject(scope=s, order=o, reason=reason),
        _("Rejected."),
    )


@scoped
@require_POST
def order_approve_bulk(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    ids = [int(v) for v in request.POST.getlist("order") if v.isdigit()]
    if not ids:
        scope.require(Perm.CONTROL_APPROVE)
        messages.error(request, _("Choose the orders to approve."))
        return redirect(f"{reverse('control:orders_list')}?status=proposed")
    result = services.orders_approve(scope=scope, order_ids=ids)
    if result.approved:
        messages.success(request, _("%(n)d orders approved.") % {"n": len(result.approved)})
    for pk, why in result.refused[:20]:
        messages.error(request, f"#{pk}: {why}")
    return redirect(f"{reverse('control:orders_list')}?status=proposed")


@scoped
@require_POST
def order_release(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReleaseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _order_action(
        request,
        pk,
        lambda s, o: services.order_release(scope=s, order=o, note=note),
        _("Released; the person is told by text message."),
    )


@scoped
@require_POST
def order_end(request: HttpRequest, pk: int) -> HttpResponse:
    form = EndForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    return _order_action(
        request,
        pk,
        lambda s, o: services.order_end(
            scope=s,
            order=o,
            kind=data.get("kind", ""),
            reason=data.get("reason", ""),
            handed_to=data.get("handed_to", ""),
        ),
        _("The order was ended."),
    )


@scoped
@require_POST
def order_extend(request: HttpRequest, pk: int) -> HttpResponse:
    form = ExtendForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    return _order_action(
        request,
        pk,
        lambda s, o: services.order_extend(
            scope=s, order=o, days=data.get("days") or 0, reason=data.get("reason", "")
        ),
        _("The order was extended."),
    )


@scoped
@require_POST
def order_handover(request: HttpRequest, pk: int) -> HttpResponse:
    to_code = request.POST.get("to_code", "")
    reason = request.POST.get("reason", "")

    def hand_over(scope: Scope, order: ControlOrder) -> None:
        services.order_handover(scope=scope, order=order, to_code=to_code, reason=reason)

    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    try:
        hand_over(scope, order)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:orders_detail", pk=pk)
    messages.success(request, _("The order was handed over with its history."))
    if scope.covers(to_code):
        return redirect("control:orders_detail", pk=pk)
    return redirect("control:orders_list")


@scoped
def order_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice (告知书) of an approved order."""
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    if not order.notice_no:
        raise NotFound(_("Not found."))
    return render(request, "control/orders/notice.html", notice_context(order))


# --- Tests at the door -----------------------------------------------------------------------


@scoped
def tests_due(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    today = timezone.localdate()
    day = _date(request.GET.get("day"), today) or today
    code = request.GET.get("code", "").strip()
    place = request.GET.get("place", "")
    found = selectors.tests_due(scope=scope, day=day, code=code, place=place)
    page = paginate(request, found, per_page=100)
    names = selectors.place_names(codes={t.jurisdiction_code for t in page})
    return render(
        request,
        "control/orders/tests.html",
        {
            "page": page,
            "rows": [(t, names.get(t.jurisdiction_code, "")) for t in page],
            "day": day,
            "code": code,
            "place": place,
            "places": OrderTest.Place.choices,
            "form": TestResultForm(),
            "can_record": scope.has(Perm.FOLLOWUP_RECORD),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
@require_POST
def test_record(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    test = selectors.test_get(scope=scope, pk=pk)
    form = TestResultForm(request.POST)
    back = request.POST.get("next", "")
    if not back.startswith("/"):
        back = reverse("control:orders_detail", args=[test.order_id])
    if not form.is_valid():
        scope.require(Perm.FOLLOWUP_RECORD, at=test.jurisdiction_code)
        messages.error(request, _("Choose the result."))
        return redirect(back)
    try:
        services.test_record(scope=scope, test=test, **form.cleaned_data)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(
            request,
            _("The result of %(name)s was recorded.") % {"name": selectors.person_of(test).name},
        )
    return redirect(back)


@scoped
@require_POST
def test_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a recorded result, with the reason; back to the order."""
    scope = scope_of(request)
    test = selectors.test_get(scope=scope, pk=pk)
    back = reverse("control:orders_detail", args=[test.order_id])
    form = TestCorrectForm(request.POST)
    if not form.is_valid():
        scope.require(Perm.FOLLOWUP_RECORD, at=test.jurisdiction_code)
        messages.error(request, _("Choose the corrected result."))
        return redirect(back)
    previous = test.status
    try:
        test = services.test_correct(scope=scope, test=test, **form.cleaned_data)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect(back)
    messages.success(
        request,
        _("The result of %(name)s was corrected.") % {"name": selectors.person_of(test).name},
    )
    if previous == OrderTest.Status.POSITIVE:
        messages.warning(
            request,
            _(
                "The positive alert of this test stays open: close it once the correction "
                "is checked."
            ),
        )
    return redirect(back)


# --- Due for release ---------------------------------------------------------------------------


@scoped
def due(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    today = timezone.localdate()
    code = request.GET.get("code", "").strip()
    page = paginate(request, selectors.due_for_release(scope=scope, today=today, code=code))
    blocked = list(selectors.served_but_blocked(scope=scope, today=today, code=code)[:100])
    names = selectors.place_names(
        codes={o.jurisdiction_code for o in page} | {o.jurisdiction_code for o in blocked}
    )
    return render(
        request,
        "control/orders/due.html",
        {
            "page": page,
            "rows": [(o, names.get(o.jurisdiction_code, "")) for o in page],
            "blocked": [(o, names.get(o.jurisdiction_code, "")) for o in blocked],
            "today": today,
            "can_approve": scope.has(Perm.CONTROL_APPROVE),
            "release_form": ReleaseForm(),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


# --- Oversight and counts ----------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    form = PeriodForm(request.GET or request.POST or None)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or end - dt.timedelta(days=29)
    if start > end:
        start, end = end, start
    return form, start, end


@scoped
def oversight(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    form, start, end = _period(request)
    report = selectors.oversight(scope=scope, start=start, end=end)
    found = selectors.period_orders(scope=scope, start=start, end=end).select_related("person")
    manual = list(found.filter(trigger=Trigger.MANUAL).order_by("-proposed_at")[:100])
    candidates = list(found.exclude(trigger=Trigger.MANUAL).order_by("-proposed_at")[:2000])
    problems = selectors.unmatched_orders(scope=scope, orders=candidates)
    return render(
        request,
        "control/orders/oversight.html",
        {
            "form": form,
            "report": report,
            "manual": manual,
            "unmatched": [(o, problems[o.pk]) for o in candidates if o.pk in problems][:100],
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
        },
    )


@scoped
@require_POST
def oversight_export(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    _form, start, end = _period(request)
    params = {"start": start.isoformat(), "end": end.isoformat()}
    return _stream_export(
        request, scope, exports.OVERSIGHT, params, reverse("control:orders_oversight")
    )


@scoped
def counts(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    today = timezone.localdate()
    day = _date(request.GET.get("day"), today) or today
    result = selectors.counts(scope=scope, code=request.GET.get("code", ""), day=day)
    return render(request, "control/orders/counts.html", {"result": result, "day": day})


# --- Policies ---------------------------------------------------------------------------------


@scoped
def policy_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    today = timezone.localdate()
    found = list(selectors.policies(scope=scope))
    in_force = selectors.policy_in_force(scope.code[:6], today)
    return render(
        request,
        "control/orders/policies.html",
        {
            "policies": found,
            "in_force": in_force,
            "today": today,
            "can_manage": scope.can(Perm.POLICY_MANAGE, at=scope.code[:6]),
        },
    )


def _rule_rows(rules: dict[str, Any]) -> list[dict[str, Any]]:
    measures = dict(Measure.choices)
    rows = []
    for trigger, label in Trigger.choices:
        rule = rule_for(rules, trigger)
        rows.append(
            {
                "trigger": trigger,
                "label": label,
                "rule": rule,
                "phases": [
                    {
                        "measure": measures.get(p.measure, p.measure),
                        "days": p.days,
                        "test_days": "、".join(str(d) for d in p.test_days),
                    }
                    for p in (rule.phases if rule else ())
                ],
            }
        )
    return rows


@scoped
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.policy_get(scope=scope, pk=pk)
    return render(
        request,
        "control/orders/policy.html",
        {
            "policy": found,
            "rows": _rule_rows(found.rules),
            "versions": list(selectors.policy_versions(policy=found)),
            "can_manage": found.is_current
            and scope.can(Perm.POLICY_MANAGE, at=found.jurisdiction_code),
        },
    )


@scoped
def policy_install(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.POLICY_MANAGE)  # at the district: the service checks
    form = InstallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.policy_install(
                scope=scope,
                preset=form.cleaned_data["preset"],
                effective_from=form.cleaned_data["effective_from"],
                effective_until=form.cleaned_data["effective_until"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The policy was installed."))
            return redirect("control:orders_policy", pk=created.pk)
    return render(request, "control/orders/policy_install.html", {"form": form})


@scoped
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    import json

    scope = scope_of(request)
    found = selectors.policy_get(scope=scope, pk=pk)
    scope.require(Perm.POLICY_MANAGE)  # at the district: the service checks
    initial = {
        "name": found.name,
        "legal_basis": found.legal_basis,
        "effective_from": found.effective_from,
        "effective_until": found.effective_until,
        "rules": json.dumps(found.rules, ensure_ascii=False, indent=2),
        "note": found.note,
    }
    form = PolicyEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.policy_edit(
                scope=scope,
                policy=found,
                name=data["name"],
                legal_basis=data["legal_basis"],
                effective_from=data["effective_from"],
                effective_until=data["effective_until"],
                rules_json=data["rules"],
                note=data["note"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            field_name = exc.errors[0].field if exc.errors else None
            form.add_error(field_name if field_name in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                format_html("{} v{}", _("A new version of the policy was saved:"), created.version),
            )
            return redirect("control:orders_policy", pk=created.pk)
    return render(request, "control/orders/policy_edit.html", {"form": form, "policy": found})
