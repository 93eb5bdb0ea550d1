"""Care pages: the day's follow-ups on a phone, alerts and transfers, care teams, home
quarantine (seals, sensors, the public list) and the control board. Thin: parse, call
one selector or service, render."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from fangkong.control.models import Alert
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.permissions import Perm
from fangkong.core.web import paginate, query_string, scope_of, scoped
from fangkong.registry.models import Person

from . import rules, selectors, services
from .forms import (
    AssignBulkForm,
    AssignForm,
    FollowUpForm,
    MemberForm,
    NoteForm,
    ResolutionForm,
    SensorForm,
    TeamForm,
)


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


# --- Board ----------------------------------------------------------------------------


@scoped
def board(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    day = _day(request)
    result = selectors.board(scope=scope, code=request.GET.get("code", ""), day=day)
    return render(
        request,
        "control/care/board.html",
        {
            "board": result,
            "day": day,
            "is_today": day == timezone.localdate(),
            "chart": selectors.board_chart(result),
            "levels": Alert.Level.choices,
        },
    )


# --- Follow-ups -------------------------------------------------------------------------


@scoped
def followups(request: HttpRequest) -> HttpResponse:
    """The day's list: the care team member's own people by default ("mine"), or all
    in scope; the rows are made on demand when the list is opened."""
    scope = scope_of(request)
    scope.require(Perm.CONTROL_VIEW)
    day = _day(request)
    now = timezone.now()
    if day == timezone.localdate(now) and scope.has(Perm.FOLLOWUP_RECORD):
        services.generate_followups(day=day, code=scope.code)
    mine = selectors.my_team_ids(scope=scope)
    show = request.GET.get("show", "mine" if mine else "all")
    team_ids = mine if show == "mine" else None
    code = request.GET.get("code", "")
    late = request.GET.get("late") == "1"  # the daily report's "follow-ups overdue"
    page = paginate(
        request,
        selectors.followups(
            scope=scope, day=day, team_ids=team_ids, code=code, late_at=now if late else None
        ),
        40,
    )
    rows = selectors.person_days(scope=scope, day=day, firsts=list(page), now=now)
    return render(
        request,
        "control/care/followups.html",
        {
            "day": day,
            "rows": rows,
            "page": page,
            "show": show,
            "has_teams": bool(mine),
            "counts": selectors.day_counts(scope=scope, day=day, now=now, team_ids=team_ids),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "places": selectors.place_names(codes={r.order.jurisdiction_code for r in rows}),
        },
    )


@scoped
def followup(request: HttpRequest, pk: int) -> HttpResponse:
    """The quick form on a phone: temperature, symptoms, the four services."""
    scope = scope_of(request)
    item = selectors.followup_get(scope=scope, pk=pk)
    person = cast(Person, item.person)
    members = list(selectors.household_members(scope=scope, person=person))
    form = FollowUpForm(
        request.POST or None,
        household=[(p.pk, f"{p.name}（{p.relation_to_head or '—'}）") for p in members],
    )
    can_record = selectors.may_record(scope=scope, followup=item)
    if request.method == "POST":
        scope.require(Perm.FOLLOWUP_RECORD)
        if form.is_valid():
            data = form.cleaned_data
            reporter = next((p for p in members if p.pk == data["reported_by"]), None)
            try:
                done = services.followup_record(
                    scope=scope,
                    followup=item,
                    temperature=data["temperature"],
                    symptoms=data["symptoms"],
                    services=data["services"],
                    note=data["note"],
                    reported_by=reporter,
                )
            except ApplicationError as exc:
                _fail(request, exc)
            else:
                if done.temperature is not None and (
                    done.temperature >= rules.fever_threshold() or done.symptoms
                ):
                    messages.warning(
                        request,
                        _("Alert raised and a transfer to the fever clinic created for %(name)s.")
                        % {"name": person.name},
                    )
                else:
                    messages.success(request, _("Recorded: %(name)s.") % {"name": person.name})
                return redirect(
                    f"{_followups_url()}?day={item.day.isoformat()}#order-{item.order_id}"
                )
    return render(
        request,
        "control/care/followup.html",
        {
            "item": item,
            "form": form,
            "can_record": can_record,
            "threshold": rules.fever_threshold(),
        },
    )


def _followups_url() -> str:
    from django.urls import reverse

    return reverse("control:care_followups")


# --- Alerts and transfers ------------------------------------------------------------------


@scoped
def alerts(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    show = request.GET.get("show", "open")
    show = show if show in selectors.ALERT_VIEWS else "open"
    try:
        level = int(request.GET.get("level", "0"))
    except ValueError:
        level = 0
    kind = request.GET.get("kind", "")
    code = request.GET.get("code", "")
    page = paginate(
        request,
        selectors.alerts(scope=scope, show=show, level=level or None, kind=kind, code=code),
        50,
    )
    return render(
        request,
        "control/care/alerts.html",
        {
            "page": page,
            "show": show,
            "level": level,
            "kind": kind,
            "views": [
                ("open", pgettext("alert", "Open")),
                ("acknowledged", _("Being handled")),
                ("closed", pgettext("alert", "Closed")),
                ("all", _("All")),
            ],
            "level_counts": [
                (value, label, n)
                for (value, label), n in zip(
                    Alert.Level.choices,
                    selectors.alert_level_counts(scope=scope, code=code).values(),
                    strict=True,
                )
            ],
            "places": selectors.place_names(codes={a.jurisdiction_code for a in page}),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def alert(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.alert_get(scope=scope, pk=pk)
    return render(
        request,
        "control/care/alert.html",
        {
            "alert": found,
            "transfer": selectors.alert_transfer(alert=found),
            "place": selectors.place_names(codes={found.jurisdiction_code}).get(
                found.jurisdiction_code, ""
            ),
            "can_handle": scope.can(Perm.ALERT_HANDLE, at=found.jurisdiction_code),
            "close_form": ResolutionForm(),
        },
    )


@scoped
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.alert_get(scope=scope, pk=pk)
    try:
        services.alert_acknowledge(scope=scope, alert=found)
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_alert", pk=pk)


@scoped
@require_POST
def alert_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.alert_get(scope=scope, pk=pk)
    form = ResolutionForm(request.POST)
    try:
        scope.require(Perm.ALERT_HANDLE, at=found.jurisdiction_code)
        if not form.is_valid():
            raise ApplicationError(_("Say how the alert was resolved."))
        services.alert_close(scope=scope, alert=found, resolution=form.cleaned_data["resolution"])
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_alert", pk=pk)


@scoped
def transfers(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    show = "all" if request.GET.get("show") == "all" else "open"
    page = paginate(request, selectors.transfers(scope=scope, show=show), 50)
    return render(
        request,
        "control/care/transfers.html",
        {
            "page": page,
            "show": show,
            "can_handle": scope.has(Perm.ALERT_HANDLE),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
@require_POST
def transfer_done(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.transfer_get(scope=scope, pk=pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.transfer_done(scope=scope, transfer=found, note=form.cleaned_data.get("note", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_transfers")


# --- Care teams ----------------------------------------------------------------------------


@scoped
def teams(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    found = list(selectors.teams(scope=scope)[:500])
    return render(
        request,
        "control/care/teams.html",
        {
            "teams": found,
            "places": selectors.place_names(codes={t.jurisdiction_code for t in found}),
            "can_manage": scope.has(Perm.CARE_TEAM_MANAGE),
        },
    )


def _targets(scope: object) -> list[tuple[str, str]]:
    return [
        (j.code, f"{'— ' if len(j.code) > 12 else ''}{j.name}")
        for j in selectors.team_targets(scope=scope)  # type: ignore[arg-type]
    ]


@scoped
def team_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.CARE_TEAM_MANAGE)
    targets = _targets(scope)
    form = TeamForm(request.POST or None, targets=targets)
    if request.method == "POST" and request.POST.get("jurisdiction_code") not in dict(targets):
        raise NotFound(_("Community not found."))  # not one of this account's
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(scope=scope, **form.cleaned_data)
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(None, exc.message)
        else:
            return redirect("control:care_team", pk=team.pk)
    return render(request, "control/care/team_new.html", {"form": form})


@scoped
def team(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.team_get(scope=scope, pk=pk)
    can_manage = scope.can(Perm.CARE_TEAM_MANAGE, at=found.jurisdiction_code)
    assignable = (
        list(selectors.assignable_orders(scope=scope, team=found)[:100]) if can_manage else []
    )
    return render(
        request,
        "control/care/team.html",
        {
            "team": found,
            "members": selectors.team_members(team=found),
            "orders": list(selectors.team_orders(scope=scope, team=found)[:200]),
            "assignable": assignable,
            "unassigned": sum(1 for o in assignable if o.care_team_id is None),
            "can_manage": can_manage,
            "member_form": MemberForm(
                accounts=[
                    (u.pk, f"{u.full_name or u.username}（{u.username}）")
                    for u in selectors.member_accounts(scope=scope, team=found)[:200]
                ]
            )
            if can_manage
            else None,
            "place": selectors.place_names(codes={found.jurisdiction_code}).get(
                found.jurisdiction_code, ""
            ),
        },
    )


@scoped
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.team_get(scope=scope, pk=pk)
    scope.require(Perm.CARE_TEAM_MANAGE, at=found.jurisdiction_code)
    accounts = {u.pk: u for u in selectors.member_accounts(scope=scope, team=found)}
    form = MemberForm(request.POST, accounts=[(k, str(u)) for k, u in accounts.items()])
    if not form.is_valid():
        messages.error(request, _("Give the member's role and name."))
        return redirect("control:care_team", pk=pk)
    data = form.cleaned_data
    try:
        services.member_add(
            scope=scope,
            team=found,
            role=data["role"],
            name=data["name"],
            phone=data["phone"],
            user=accounts.get(data["user"]) if data["user"] else None,
        )
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_team", pk=pk)


@scoped
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    member = selectors.member_get(scope=scope, pk=pk)
    try:
        services.member_remove(scope=scope, member=member)
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_team", pk=member.team_id)


@scoped
@require_POST
def team_assign(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.team_get(scope=scope, pk=pk)
    scope.require(Perm.CARE_TEAM_MANAGE, at=found.jurisdiction_code)
    form = AssignForm(request.POST)
    if form.is_valid():
        order = selectors.order_get(scope=scope, pk=form.cleaned_data["order"])
        try:
            services.team_assign(scope=scope, team=found, order=order)
        except ApplicationError as exc:
            _fail(request, exc)
    return redirect("control:care_team", pk=pk)


@scoped
@require_POST
def team_assign_bulk(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.team_get(scope=scope, pk=pk)
    form = AssignBulkForm(request.POST)
    form.is_valid()
    try:
        count = services.team_assign_unassigned(
            scope=scope, team=found, code=form.cleaned_data.get("code", "")
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("%(count)s orders put on the team.") % {"count": count})
    return redirect("control:care_team", pk=pk)


# --- Home quarantine ----------------------------------------------------------------------


@scoped
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    day = _day(request)
    page = paginate(request, selectors.home_orders(scope=scope, day=day), 50)
    return render(
        request,
        "control/care/home.html",
        {
            "page": page,
            "day": day,
            "compounds": selectors.home_compounds(scope=scope, day=day),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def home_order(request: HttpRequest, pk: int, token: str = "") -> HttpResponse:
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    seals = list(selectors.order_seals(order=order))
    return render(
        request,
        "control/care/home_order.html",
        {
            "order": order,
            "phases": selectors.order_phases(order=order),
            "seals": seals,
            "sealed": next((s for s in seals if s.removed_at is None), None),
            "sensors": selectors.household_sensors(scope=scope, household_id=order.household_id),
            "events": selectors.household_events(scope=scope, household_id=order.household_id),
            "can_seal": scope.can(Perm.FOLLOWUP_RECORD, at=order.jurisdiction_code),
            "can_sensor": scope.can(Perm.CARE_TEAM_MANAGE, at=order.jurisdiction_code),
            "sensor_form": SensorForm(),
            "token": token,
        },
    )


@scoped
@require_POST
def seal(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.seal_put(scope=scope, order=order, note=form.cleaned_data.get("note", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_home_order", pk=pk)


@scoped
@require_POST
def unseal(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    form = NoteForm(request.POST)
    form.is_valid()
    try:
        services.seal_remove(scope=scope, order=order, note=form.cleaned_data.get("note", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("control:care_home_order", pk=pk)


@scoped
@require_POST
def sensor_new(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Register a sensor at the order's household: the page shows its token once."""
    scope = scope_of(request)
    order = selectors.order_get(scope=scope, pk=pk)
    scope.require(Perm.CARE_TEAM_MANAGE, at=order.jurisdiction_code)
    form = SensorForm(request.POST)
    if order.household is None:
        messages.error(request, _("The order names no household for home measures."))
        return redirect("control:care_home_order", pk=pk)
    if not form.is_valid():
        messages.error(request, _("Enter the serial number on the sensor."))
        return redirect("control:care_home_order", pk=pk)
    try:
        _sensor, token = services.sensor_register(
            scope=scope, household=order.household, serial=form.cleaned_data["serial"]
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("control:care_home_order", pk=pk)
    return home_order(request, pk, token=token)


@scoped
@require_POST
def sensor_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    sensor = selectors.sensor_get(scope=scope, pk=pk)
    try:
        services.sensor_revoke(scope=scope, sensor=sensor)
    except ApplicationError as exc:
        _fail(request, exc)
    back = request.POST.get("order", "")
    if back.isdigit():
        return redirect("control:care_home_order", pk=int(back))
    return redirect("control:care_home")


@scoped
def public_list(request: HttpRequest, pk: int) -> HttpResponse:
    """居家观察户公示 for a compound's notice board: printable A4."""
    scope = scope_of(request)
    day = _day(request)
    compound, rows = selectors.public_list(scope=scope, compound_pk=pk, day=day)
    return render(
        request,
        "control/care/public_list.html",
        {
            "compound": compound,
            "rows": rows,
            "day": day,
            "community": selectors.place_names(codes={compound.jurisdiction_code[:12]}).get(
                compound.jurisdiction_code[:12], ""
            ),
        },
    )
