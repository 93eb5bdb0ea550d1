"""Registry pages: the jurisdiction tree, places, search, the person file, ledgers in/out.

Thin: parse, call one selector or service, render.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.codes import Level
from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from . import ledger_jobs, selectors, services
from .actions import actions_for
from .forms import (
    CompoundForm,
    ExportForm,
    HouseholdForm,
    ImportForm,
    MoveForm,
    NameForm,
    PersonForm,
    PersonMoveForm,
    PersonStatusForm,
    RevealForm,
    SearchForm,
)
from .models import Building, Compound, Household, Unit
from .timeline import events_for


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """A rule said no: show why. Outside the scope or without the permission is not a
    message but a 404/403 page, raised on to @scoped."""
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


# --- Tree and places -------------------------------------------------------------


@scoped
def tree(request: HttpRequest) -> HttpResponse:
    root = selectors.jurisdiction_root(scope=scope_of(request))
    return redirect("registry:jurisdiction", code=root.code)


@scoped
def jurisdiction_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = scope_of(request)
    node = selectors.jurisdiction_get(scope=scope, code=code)
    children = selectors.jurisdiction_children(scope=scope, node=node, include_retired=True)
    counts, total = selectors.counts_by_child(scope=scope, node=node, children=children)
    context: dict[str, Any] = {
        "node": node,
        "crumbs": selectors.jurisdiction_ancestors(scope=scope, node=node),
        "children": [(c, counts[c.code]) for c in children],
        "total": total,
        "chart": {
            "labels": [c.name for c in children if c.is_active],
            "series": [
                {
                    "name": _("People"),
                    "data": [counts[c.code].persons for c in children if c.is_active],
                },
                {
                    "name": _("Households"),
                    "data": [counts[c.code].households for c in children if c.is_active],
                },
            ],
        },
        "name_form": NameForm(initial={"name": node.name}),
    }
    if node.level in (Level.COMMUNITY, Level.GRID):
        compounds = selectors.compounds_of(scope=scope, community_code=node.code[:12])
        if node.level == Level.GRID:
            compounds = compounds.filter(jurisdiction_code=node.code)
        context["compounds"] = compounds
        context["compound_form"] = CompoundForm()
        context["grid_form"] = NameForm()
        if node.level == Level.COMMUNITY:
            unassigned = total.persons - sum(c.persons for c in counts.values())
            context["unassigned_persons"] = unassigned
    return render(request, "registry/jurisdiction.html", context)


@scoped
@require_POST
def grid_create(request: HttpRequest, code: str) -> HttpResponse:
    form = NameForm(request.POST)
    if form.is_valid():
        try:
            grid = services.grid_create(
                scope=scope_of(request), community_code=code, name=form.cleaned_data["name"]
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Grid %(name)s was added.") % {"name": grid.name})
    return redirect("registry:jurisdiction", code=code)


@scoped
@require_POST
def jurisdiction_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    scope = scope_of(request)
    try:
        if action == "rename":
            form = NameForm(request.POST)
            if form.is_valid():
                services.jurisdiction_rename(scope=scope, code=code, name=form.cleaned_data["name"])
        elif action in ("retire", "restore"):
            services.jurisdiction_set_active(scope=scope, code=code, active=action == "restore")
        else:
            raise Http404
    except ApplicationError as exc:
        _fail(request, exc)
    return redirect("registry:jurisdiction", code=code)


@scoped
@require_POST
def compound_create(request: HttpRequest, code: str) -> HttpResponse:
    form = CompoundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the compound a name."))
        return redirect("registry:jurisdiction", code=code)
    try:
        compound = services.compound_create(
            scope=scope_of(request), jurisdiction_code=code, **form.cleaned_data
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("registry:jurisdiction", code=code)
    return redirect("registry:compound", pk=compound.pk)


def _place_context(request: HttpRequest, place: Any) -> dict[str, Any]:
    scope = scope_of(request)
    community = (
        selectors.jurisdiction_get(scope=scope, code=place.community_code)
        if scope.covers(place.community_code)
        else None
    )
    node = selectors.jurisdiction_get(scope=scope, code=place.jurisdiction_code)
    crumbs = selectors.jurisdiction_ancestors(scope=scope, node=node)
    moves: list[tuple[str, str]] = []
    if community is not None:
        targets = [community, *selectors.jurisdiction_children(scope=scope, node=community)]
        moves = [(t.code, t.name) for t in targets if t.code != place.jurisdiction_code]
    return {
        "crumbs": crumbs,
        "place": place,
        "name_form": NameForm(initial={"name": place.name}),
        "move_form": MoveForm() if moves else None,
        "moves": moves,
    }


@scoped
def compound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    compound = selectors.compound_get(scope=scope, pk=pk)
    context = _place_context(request, compound)
    context.update(
        {
            "kind": "compound",
            "buildings": selectors.buildings_of(scope=scope, compound=compound),
            "households": selectors.households_of(
                scope=scope, compound=compound, building__isnull=True
            ),
            "child_form": NameForm(),
            "household_form": HouseholdForm(),
        }
    )
    return render(request, "registry/compound.html", context)


@scoped
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    building = selectors.building_get(scope=scope, pk=pk)
    context = _place_context(request, building)
    context.update(
        {
            "kind": "building",
            "units": selectors.units_of(scope=scope, building=building),
            "households": selectors.households_of(
                scope=scope, building=building, unit__isnull=True
            ),
            "child_form": NameForm(),
            "household_form": HouseholdForm(),
        }
    )
    return render(request, "registry/building.html", context)


@scoped
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    unit = selectors.unit_get(scope=scope, pk=pk)
    context = _place_context(request, unit)
    context.update(
        {
            "kind": "unit",
            "households": selectors.households_of(scope=scope, unit=unit),
            "household_form": HouseholdForm(),
        }
    )
    return render(request, "registry/unit.html", context)


@scoped
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    household = selectors.household_get(scope=scope, pk=pk)
    context = _place_context(request, household)
    context.update(
        {
            "kind": "household",
            "members": selectors.members_of(scope=scope, household=household),
            "person_form": PersonForm(),
        }
    )
    return render(request, "registry/household.html", context)


def _get_place(request: HttpRequest, kind: str, pk: int) -> Compound | Building | Unit | Household:
    scope = scope_of(request)
    getters: dict[str, Callable[..., Compound | Building | Unit | Household]] = {
        "compound": selectors.compound_get,
        "building": selectors.building_get,
        "unit": selectors.unit_get,
        "household": selectors.household_get,
    }
    if kind not in getters:
        raise Http404
    return getters[kind](scope=scope, pk=pk)


@scoped
@require_POST
def place_action(request: HttpRequest, kind: str, pk: int, action: str) -> HttpResponse:
    scope = scope_of(request)
    place = _get_place(request, kind, pk)
    try:
        if action == "rename":
            form = NameForm(request.POST)
            if form.is_valid():
                services.place_rename(scope=scope, place=place, name=form.cleaned_data["name"])
        elif action == "move" and isinstance(place, Compound | Building):
            services.place_move(scope=scope, place=place, to_code=request.POST.get("to", ""))
        elif action in ("retire", "restore"):
            services.place_set_active(scope=scope, place=place, active=action == "restore")
        else:
            raise Http404
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect(f"registry:{kind}", pk=pk)


@scoped
@require_POST
def place_add_child(request: HttpRequest, kind: str, pk: int, child: str) -> HttpResponse:
    """Add a building to a compound, a unit to a building, or a household to any of them."""
    scope = scope_of(request)
    place = _get_place(request, kind, pk)
    try:
        if child == "building" and isinstance(place, Compound):
            services.building_create(scope=scope, compound=place, name=request.POST.get("name", ""))
        elif child == "unit" and isinstance(place, Building):
            services.unit_create(scope=scope, building=place, name=request.POST.get("name", ""))
        elif child == "household" and not isinstance(place, Household):
            compound = (
                place
                if isinstance(place, Compound)
                else (place.compound if isinstance(place, Building) else place.building.compound)
            )
            building = (
                place
                if isinstance(place, Building)
                else (place.building if isinstance(place, Unit) else None)
            )
            unit = place if isinstance(place, Unit) else None
            services.household_create(
                scope=scope,
                compound=compound,
                building=building,
                unit=unit,
                room=request.POST.get("room", ""),
            )
        else:
            raise Http404
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Added."))
    return redirect(f"registry:{kind}", pk=pk)


# --- People ---------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.PersonFilters:
    form = SearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "active"
    return selectors.PersonFilters(
        query=data.get("q", "") or "",
        jurisdiction=data.get("jurisdiction", "") or "",
        vulnerability=data.get("group", "") or "",
        needs_verification=bool(data.get("verify")),
        status="" if status == "all" else status,
        compound_id=int(request.GET["compound"])
        if request.GET.get("compound", "").isdigit()
        else None,
    )


@scoped
def person_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    filters = _filters(request)
    # Households for the page's rows only: a join would come before the page is cut.
    people = selectors.person_list(scope=scope, filters=filters).prefetch_related("household")
    page = paginate(request, people, per_page=30)
    template = (
        "registry/_person_rows.html"
        if request.headers.get("HX-Request")
        else "registry/person_list.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "form": SearchForm(request.GET or None),
            "filters": filters,
            "qs": query_string(request, page=None),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "export_form": ExportForm(),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
        },
    )


@scoped
@require_POST
def person_export(request: HttpRequest) -> HttpResponseBase:
    """Export what the list shows: small lists at once, large ones in the background.
    POST only: an export writes a file and an audit entry."""
    scope = scope_of(request)
    params = ledger_jobs.filters_to_params(_filters(request))
    try:
        return export_response(request, scope, name="persons", params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect(reverse("registry:persons") + "?" + query_string(request))


@scoped
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    person = selectors.person_get(scope=scope, pk=pk)
    services.person_file_viewed(scope=scope, person=person, remote_addr=_client(request))
    return render(
        request,
        "registry/person.html",
        {
            "person": person,
            "housemates": selectors.housemates(scope=scope, person=person),
            "residences": selectors.residence_history(scope=scope, person=person),
            "timeline": events_for(scope=scope, person=person),
            "actions": actions_for(scope=scope, person=person),
            "reveal_form": RevealForm(),
            "move_form": PersonMoveForm(),
            "status_form": PersonStatusForm(initial={"status": person.status}),
            "edit_form": PersonForm(
                initial={f: getattr(person, f) for f in PersonForm.base_fields if f != "id_number"}
            ),
        },
    )


@scoped
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    person = selectors.person_get(scope=scope, pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "registry/_reveal.html",
            {
                "person": person,
                "error": _("Give the reason for seeing the full value."),
                "field": request.POST.get("field", ""),
            },
            status=400,
        )
    try:
        value = services.person_reveal(
            scope=scope,
            person=person,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            remote_addr=_client(request),
        )
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        return render(
            request,
            "registry/_reveal.html",
            {"person": person, "error": exc.message, "field": form.cleaned_data["field"]},
            status=400,
        )
    return render(
        request,
        "registry/_reveal.html",
        {"person": person, "value": value, "field": form.cleaned_data["field"]},
    )


@scoped
@require_POST
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    person = selectors.person_get(scope=scope, pk=pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        if not data.get("id_number"):
            data.pop("id_number")  # an empty box never erases the stored number
        try:
            services.person_update(scope=scope, person=person, **data)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(
            request,
            _("Check the form: %(errors)s")
            % {
                "errors": "; ".join(
                    f"{form.fields[k].label}: {' '.join(str(e) for e in v)}"
                    for k, v in form.errors.items()
                    if k in form.fields
                )
            },
        )
    return redirect("registry:person", pk=pk)


@scoped
@require_POST
def person_create(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    household = selectors.household_get(scope=scope, pk=pk)
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            person = services.person_create(scope=scope, household=household, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            return redirect("registry:person", pk=person.pk)
    else:
        messages.error(request, _("Check the form."))
    return redirect("registry:household", pk=pk)


@scoped
@require_POST
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    person = selectors.person_get(scope=scope, pk=pk)
    form = PersonMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the household number and the reason."))
        return redirect("registry:person", pk=pk)
    try:
        household = selectors.household_get(scope=scope, pk=form.cleaned_data["household"])
    except NotFound:  # a mistyped number: say so, on the person's page
        messages.error(request, _("No such household in your jurisdiction."))
        return redirect("registry:person", pk=pk)
    try:
        services.person_move(
            scope=scope, person=person, household=household, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Moved."))
    return redirect("registry:person", pk=pk)


@scoped
@require_POST
def person_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Moved away, deceased, or back: with a reason, audited, on the person's timeline."""
    scope = scope_of(request)
    person = selectors.person_get(scope=scope, pk=pk)
    form = PersonStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the status and give the reason."))
        return redirect("registry:person", pk=pk)
    try:
        services.person_set_status(
            scope=scope,
            person=person,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("registry:person", pk=pk)


# --- Ledgers in -------------------------------------------------------------------


@scoped
def import_start(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.PERSON_IMPORT)
    communities = [(c.code, f"{c.name} ({c.code})") for c in selectors.communities_in(scope=scope)]
    if len(scope.code) >= 12:
        communities = [(scope.code[:12], c[1]) for c in communities if c[0] == scope.code[:12]]
    form = ImportForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            job = ledger_jobs.import_enqueue(
                scope=scope,
                community_code=form.cleaned_data["community"],
                upload=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("registry:import_status", job_id=job.pk)
    return render(
        request,
        "registry/import.html",
        {"form": form, "jobs": ledger_jobs.recent_imports(scope=scope)},
    )


@scoped
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    scope = scope_of(request)
    job = ledger_jobs.import_get(scope=scope, pk=job_id)
    context = {"job": job, "summary": job.result}
    if request.headers.get("HX-Request"):
        return render(request, "registry/_import_progress.html", context)
    return render(request, "registry/import_status.html", context)


@scoped
def import_rejected(request: HttpRequest, job_id: int) -> HttpResponseBase:
    scope = scope_of(request)
    job = ledger_jobs.import_get(scope=scope, pk=job_id)
    path, filename = ledger_jobs.rejected_file(scope=scope, job=job)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)
