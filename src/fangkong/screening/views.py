"""Screening pages: rounds and coverage for the offices, the compound's tasks and the
door-to-door household form for grid workers on a phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core import regions
from fangkong.core.codes import Level, level_of
from fangkong.core.errors import ApplicationError, FieldError
from fangkong.core.identifiers import IdentifierError, parse_date
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from . import ledger, selectors, services
from .forms import TRAVEL_CHOICES, HouseholdForm, RoundForm, SignForm, resolve_region
from .models import Record, ScreeningRound, SignOff, Task


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


@scoped
def rounds(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    return render(
        request,
        "screening/rounds.html",
        {
            "rounds": selectors.rounds(scope=scope),
            "can_open": scope.has(Perm.SCREENING_MANAGE) and level_of(scope.code) == Level.DISTRICT,
        },
    )


@scoped
def round_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.SCREENING_MANAGE)
    subdistricts = selectors.subdistricts(scope=scope)
    form = RoundForm(request.POST or None, subdistricts=subdistricts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        specs = [
            services.CategorySpec(
                label=data[f"cat{i}_label"],
                since=data[f"cat{i}_since"],
                origin_prefix=data.get(f"cat{i}_origin") or "",
            )
            for i in range(1, 4)
            if data.get(f"cat{i}_label")
        ]
        try:
            created = services.round_open(
                scope=scope,
                name=data["name"],
                scope_codes=data["subdistricts"],
                starts_on=data["starts_on"],
                due_on=data["due_on"],
                categories=specs,
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            for error in exc.errors or [FieldError("", "invalid", exc.message)]:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
        else:
            messages.success(
                request,
                _("The round is open: %(n)d compounds to screen.") % {"n": created.tasks.count()},
            )
            return redirect("screening:round", pk=created.pk)
    return render(request, "screening/round_new.html", {"form": form})


@scoped
def region_options(request: HttpRequest) -> HttpResponse:
    """The region picker's options (a <datalist>), by name, pinyin or code."""
    scope_of(request).require(Perm.SCREENING_VIEW)
    found = regions.search(request.GET.get("q", ""), limit=20)
    return render(request, "screening/_region_options.html", {"regions": found})


def _parent(own: str, at: str) -> str:
    """The level above `at`, when the user may go there."""
    parent = at[: {9: 6, 12: 9, 15: 12}.get(len(at), 0)]
    return parent if parent and parent.startswith(own) else ""


def _node(request: HttpRequest, screening_round: ScreeningRound) -> str:
    scope = scope_of(request)
    at = (
        request.GET.get("at")
        or request.POST.get("at")
        or scope.code
        or screening_round.jurisdiction_code
    )
    return at


@scoped
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    screening_round = selectors.round_get(scope=scope, pk=pk)
    at = _node(request, screening_round)
    total, children = selectors.coverage(scope=scope, screening_round=screening_round, at=at)
    node_level = level_of(at)
    task_list = None
    if node_level in (Level.COMMUNITY, Level.GRID):
        task_list = selectors.tasks(scope=scope, screening_round=screening_round, under=at)
    categories = selectors.categories(screening_round=screening_round)
    chart = {
        "labels": [c.name for c in children],
        "series": [
            {"name": _("Reached"), "data": [c.reached for c in children]},
            {"name": _("Empty"), "data": [c.empty for c in children]},
            {"name": _("Not reached"), "data": [c.not_reached for c in children]},
        ],
    }
    return render(
        request,
        "screening/round.html",
        {
            "round": screening_round,
            "at": at,
            "node": selectors.node(scope=scope, code=at),
            "parent_code": _parent(scope.code, at),
            "total": total,
            "children": children,
            "categories": categories,
            "tasks": task_list,
            "chart": chart,
            "can_manage": scope.has(Perm.SCREENING_MANAGE)
            and scope.covers(screening_round.jurisdiction_code),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
        },
    )


@scoped
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    screening_round = selectors.round_get(scope=scope, pk=pk)
    try:
        services.round_close(scope=scope, screening_round=screening_round)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The round is closed."))
    return redirect("screening:round", pk=pk)


@scoped
def unreached(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    screening_round = selectors.round_get(scope=scope, pk=pk)
    at = _node(request, screening_round)
    households = selectors.unreached(scope=scope, screening_round=screening_round, under=at)
    page = paginate(request, households, per_page=50)
    return render(
        request,
        "screening/unreached.html",
        {
            "round": screening_round,
            "at": at,
            "page": page,
            "node": selectors.node(scope=scope, code=at),
        },
    )


@scoped
@require_POST
def round_export(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    """The 排查登记表 (people found) or the unreached households, as shown, to .xlsx."""
    scope = scope_of(request)
    screening_round = selectors.round_get(scope=scope, pk=pk)
    if kind not in ledger.EXPORTS:
        raise Http404
    at = _node(request, screening_round)
    selectors.coverage(scope=scope, screening_round=screening_round, at=at)  # at in scope
    params = {"round": screening_round.pk, "at": at}
    name = ledger.EXPORTS[kind]
    try:
        return export_response(request, scope, name=name, params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect(reverse("screening:round", kwargs={"pk": pk}) + f"?at={at}")


@scoped
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    services.task_refresh_total(task=task)
    level = services.level_for(scope)
    expected = services.next_level(task)
    return render(
        request,
        "screening/task.html",
        {
            "task": task,
            "buildings": selectors.building_progress(scope=scope, task=task),
            "signoffs": selectors.signoffs(task=task),
            "next_level": SignOff.Level(expected).label if expected else None,
            "can_sign": scope.has(Perm.SCREENING_SIGN)
            and expected is not None
            and (
                level == expected
                or (expected == SignOff.Level.SCREENER and level == SignOff.Level.COMMUNITY)
            ),
            "expected": expected,
            "sign_form": SignForm(initial={"level": expected or ""}),
            "unexplained": services.unexplained(task) if expected == SignOff.Level.SCREENER else 0,
            "can_record": scope.has(Perm.SCREENING_RECORD),
        },
    )


@scoped
@require_POST
def task_sign(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.sign(
                scope=scope,
                task=task,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Signed."))
    return redirect("screening:task", pk=pk)


@scoped
def walk(request: HttpRequest, pk: int, building: str) -> HttpResponse:
    """One building of the compound: its households, done or not, for the phone."""
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    building_id = None if building == "none" else _int(building)
    rows = selectors.building_households(scope=scope, task=task, building_id=building_id)
    if not rows:
        raise Http404
    done = sum(1 for r in rows if r.record is not None)
    return render(
        request,
        "screening/walk.html",
        {
            "task": task,
            "rows": rows,
            "building": rows[0].household.building,
            "building_key": building,
            "done": done,
            "total": len(rows),
        },
    )


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404 from None


@scoped
def household(request: HttpRequest, pk: int, household_id: int) -> HttpResponse:
    """The door-to-door form of one household: outcome, channel, each person."""
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    home = selectors.household_for_task(scope=scope, task=task, pk=household_id)
    people = list(selectors.members(household=home))
    categories = selectors.categories(screening_round=task.round)
    current = selectors.current_record(task=task, household=home)
    form = HouseholdForm(
        request.POST or None,
        initial={
            "outcome": current.outcome,
            "channel": current.channel,
            "explanation": current.explanation,
        }
        if current
        else {"channel": Record.Channel.DOOR},
    )
    building_key = str(home.building_id) if home.building_id else "none"
    if request.method == "POST":
        scope.require(Perm.SCREENING_RECORD, at=home.jurisdiction_code)
        if form.is_valid():
            try:
                found = _people_from(request.POST, people)
                services.record_household(
                    scope=scope,
                    task=task,
                    household=home,
                    outcome=form.cleaned_data["outcome"],
                    channel=form.cleaned_data["channel"],
                    explanation=form.cleaned_data["explanation"],
                    people=found,
                    correction_reason=form.cleaned_data["correction_reason"],
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                for error in exc.errors or []:
                    if error.field in form.fields:
                        form.add_error(error.field, error.message)
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Saved: %(address)s.") % {"address": home.name})
                return redirect("screening:walk", pk=task.pk, building=building_key)
    previous: dict[int, Any] = {f.person_id: f for f in current.findings.all()} if current else {}
    new_rows: list[tuple[str, Any]] = [("n1", None), ("n2", None)]
    if request.method == "POST":  # what was typed comes back, even when refused
        previous = {p.pk: _echo(request.POST, f"p{p.pk}_") for p in people}
        new_rows = [(k, _echo(request.POST, f"{k}_")) for k, _none in new_rows]
    return render(
        request,
        "screening/household.html",
        {
            "task": task,
            "home": home,
            "form": form,
            "people": [(p, previous.get(p.pk), f"p{p.pk}") for p in people],
            "categories": categories,
            "travel_choices": TRAVEL_CHOICES,
            "current": current,
            "history": selectors.record_history(task=task, household=home) if current else [],
            "building_key": building_key,
            "new_rows": new_rows,
        },
    )


def _echo(post: Any, prefix: str) -> SimpleNamespace:
    """A refused form's values for one person, shaped like a Finding for the template."""
    return SimpleNamespace(
        present=bool(post.get(prefix + "present")),
        category=post.get(prefix + "category", ""),
        origin_name=post.get(prefix + "origin", ""),
        arrived_on=post.get(prefix + "arrived", ""),
        travel_mode=post.get(prefix + "travel", ""),
        travel_number=post.get(prefix + "number", ""),
        companions=post.get(prefix + "companions", ""),
        symptoms=post.get(prefix + "symptoms", ""),
        temperature=post.get(prefix + "temp", ""),
        name=post.get(prefix + "name", ""),
        id_number=post.get(prefix + "id", ""),
        phone=post.get(prefix + "phone", ""),
    )


def _people_from(post: Any, people: list[Any]) -> list[services.PersonFound]:
    """The people part of the household form: p<id>_… for the registered, n<k>_… for
    newcomers. A bad date or temperature names its field."""
    found: list[services.PersonFound] = []
    for person in people:
        found.append(_finding(post, f"p{person.pk}_", person_id=person.pk))
    for k in (1, 2):
        name = (post.get(f"n{k}_name") or "").strip()
        if name:
            item = _finding(post, f"n{k}_", person_id=None)
            item.name = name
            item.id_number = (post.get(f"n{k}_id") or "").strip()
            item.phone = (post.get(f"n{k}_phone") or "").strip()
            found.append(item)
    return found


def _finding(post: Any, prefix: str, *, person_id: int | None) -> services.PersonFound:
    arrived_raw = (post.get(prefix + "arrived") or "").strip()
    arrived: dt.date | None = None
    if arrived_raw:
        try:
            arrived = parse_date(arrived_raw)
        except IdentifierError as exc:
            raise ApplicationError(
                str(exc), errors=[FieldError("arrived_on", "invalid", str(exc))]
            ) from None
    temp_raw = (post.get(prefix + "temp") or "").strip()
    temperature: Decimal | None = None
    if temp_raw:
        try:
            temperature = Decimal(temp_raw).quantize(Decimal("0.1"))
        except InvalidOperation:
            message = _("The temperature is a number such as 36.5.")
            raise ApplicationError(
                message, errors=[FieldError("temperature", "invalid", message)]
            ) from None
    origin_raw = (post.get(prefix + "origin") or "").strip()
    origin = resolve_region(origin_raw) if origin_raw else ""
    if origin_raw and origin is None:
        message = _("No province, city or county is called %(name)s.") % {"name": origin_raw}
        raise ApplicationError(message, errors=[FieldError("origin_code", "invalid", message)])
    return services.PersonFound(
        person_id=person_id,
        present=bool(post.get(prefix + "present")) if person_id is not None else True,
        category=(post.get(prefix + "category") or "").strip(),
        origin_code=origin or "",
        arrived_on=arrived,
        travel_mode=(post.get(prefix + "travel") or "").strip(),
        travel_number=(post.get(prefix + "number") or "").strip(),
        companions=(post.get(prefix + "companions") or "").strip(),
        symptoms=(post.get(prefix + "symptoms") or "").strip(),
        temperature=temperature,
    )


@scoped
def my_tasks(request: HttpRequest) -> HttpResponse:
    """A grid or community worker's compounds in the open rounds."""
    scope = scope_of(request)
    scope.require(Perm.SCREENING_VIEW)
    open_rounds = selectors.rounds(scope=scope).filter(status=ScreeningRound.Status.OPEN)
    groups = [
        (r, list(selectors.tasks(scope=scope, screening_round=r)[:200])) for r in open_rounds[:5]
    ]
    return render(request, "screening/my_tasks.html", {"groups": groups, "Task": Task})


# --- The lists behind the daily report's figures ---------------------------------------------


@scoped
def day_list(request: HttpRequest) -> HttpResponse:
    """?code=&on=today|total|found&day=: the households (or people) a figure of the daily
    report counts (selectors.RECORD_FILTERS, FINDING_FILTERS)."""
    scope = scope_of(request)
    scope.require(Perm.SCREENING_VIEW)
    code = request.GET.get("code", "").strip()[:15]
    code = code if code.isdigit() and scope.covers(code) else scope.code
    on = request.GET.get("on", "today")
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    rows: Any
    if on == "found":
        rows = selectors.day_findings(scope=scope, code=code, day=day)
    else:
        on = on if on in selectors.RECORD_FILTERS else "today"
        rows = selectors.day_records(scope=scope, code=code, on=on, day=day)
    page = paginate(request, rows, per_page=50)
    titles = {
        "today": _("Households screened on %(day)s"),
        "total": _("Households screened in the open rounds"),
        "found": _("People found on %(day)s in a category of their round"),
    }
    return render(
        request,
        "screening/day_list.html",
        {
            "title": titles[on] % {"day": day.isoformat()},
            "on": on,
            "page": page,
            "node": selectors.node(scope=scope, code=code),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )
