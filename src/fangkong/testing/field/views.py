"""The field pages: QR cards (issue, list, print an A4 sheet, void, reissue) and the
door-to-door lists (generate, a team's list on a phone, one visit closed at a time).
Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.masking import mask_name
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.web import paginate, query_string, scope_of, scoped

from ..models import Card, HomeTask
from . import selectors, services
from .forms import AssignForm, CardIssueForm, CloseForm, GenerateForm, PrintForm, VoidForm


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """A rule said no: show why. Outside the scope or without the permission is a
    404/403 page, raised on to @scoped."""
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _form_fail(form: Any, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    fields = [e.field for e in exc.errors if e.field in form.fields]
    form.add_error(fields[0] if fields else None, exc.message)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _compound_choices(scope: Scope) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in selectors.compounds(scope=scope)]


# --- Cards ----------------------------------------------------------------------------------


@scoped
def cards(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_SAMPLE)
    show = request.GET.get("show", "valid")
    show = show if show in ("valid", "voided", "all") else "valid"
    compound_id = _int(request.GET.get("compound"))
    query = request.GET.get("q", "").strip()[:30]
    found = selectors.cards(scope=scope, compound_id=compound_id, show=show, query=query)
    page = paginate(request, found, per_page=50)
    people = selectors.persons_by_id({c.person_id for c in page})
    rows = []
    for card in page:
        person = people.get(card.person_id)
        household = person.household if person else None
        rows.append(
            {
                "card": card,
                "name": person.name if person else "",
                "compound": household.compound.name if household else "",
                "place": selectors.place_of(household),
            }
        )
    compounds = _compound_choices(scope)
    return render(
        request,
        "testing/field/cards.html",
        {
            "rows": rows,
            "page": page,
            "show": show,
            "query": query,
            "compound_id": compound_id,
            "compounds": compounds,
            "form": CardIssueForm(compounds=compounds),
            "void_form": VoidForm(),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
@require_POST
def cards_issue(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    scope.require(Perm.TESTING_SAMPLE)
    form = CardIssueForm(request.POST, compounds=_compound_choices(scope))
    if not form.is_valid():
        messages.error(request, _("Choose the compound and for whom."))
        return redirect("testing:field_cards")
    data = form.cleaned_data
    compound = selectors.compound_get(scope=scope, pk=data["compound"])
    try:
        made = services.cards_issue(
            scope=scope, compound=compound, who=data["who"], reissue=data["reissue"]
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("testing:field_cards")
    messages.success(
        request,
        _("%(n)d new cards issued for %(compound)s.") % {"n": len(made), "compound": compound.name},
    )
    query = urlencode({"compound": compound.pk, "who": data["who"]})
    return redirect(f"{reverse('testing:field_cards_print')}?{query}")


@scoped
def cards_print(request: HttpRequest) -> HttpResponseBase:
    """An A4 sheet of the valid cards of the chosen people of a compound: 8 or 10 a
    page, each with its QR, the masked name, the building and room, never the identity
    number."""
    scope = scope_of(request)
    scope.require(Perm.TESTING_SAMPLE)
    form = PrintForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose the compound and for whom."))
        return redirect("testing:field_cards")
    compound = selectors.compound_get(scope=scope, pk=form.cleaned_data["compound"])
    who = form.cleaned_data["who"] or "vulnerable"
    per_page = form.cleaned_data["per_page"] or 10
    people = list(selectors.card_people(scope=scope, compound=compound, who=who)[:2000])
    valid = selectors.valid_cards(scope=scope, people=people)
    sheet = [
        {
            "name": mask_name(p.name),
            "place": selectors.place_of(p.household),
            "issued_at": valid[p.pk].issued_at,
            "qr_svg": segno.make(valid[p.pk].token, error="m").svg_inline(scale=4, border=1),
        }
        for p in people
        if p.pk in valid
    ]
    if sheet:
        services.cards_printed(scope=scope, compound=compound, who=who, count=len(sheet))
    pages = [sheet[i : i + per_page] for i in range(0, len(sheet), per_page)]
    return render(
        request,
        "testing/field/cards_print.html",
        {
            "compound": compound,
            "community": selectors.jurisdiction_names({compound.community_code}).get(
                compound.community_code, ""
            ),
            "pages": pages,
            "count": len(sheet),
            "missing": len(people) - len(sheet),
            "per_page": per_page,
            "who": who,
        },
    )


@scoped
@require_POST
def card_void(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    card = selectors.card_get(scope=scope, pk=pk)
    try:
        services.card_void(scope=scope, card=card, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The card is void: its code no longer scans."))
    return redirect("testing:field_cards")


@scoped
@require_POST
def card_reissue(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    card = selectors.card_get(scope=scope, pk=pk)
    person = selectors.persons_by_id({card.person_id}).get(card.person_id)
    if person is None:
        messages.error(request, _("This person is no longer in the registry."))
        return redirect("testing:field_cards")
    try:
        services.card_issue(scope=scope, person=person, kind=card.kind)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("testing:field_cards")
    messages.success(request, _("A new card was issued; the old one no longer scans."))
    if card.kind != Card.Kind.PRINTED or person.household is None:
        return redirect("testing:field_cards")
    query = urlencode({"compound": person.household.compound_id, "who": "all"})
    return redirect(f"{reverse('testing:field_cards_print')}?{query}")


# --- Door-to-door ---------------------------------------------------------------------------


def _task_rows(tasks: list[HomeTask]) -> list[dict[str, Any]]:
    people = selectors.persons_by_id({t.person_id for t in tasks})
    rows = []
    for task in tasks:
        person = people.get(task.person_id)
        household = person.household if person else None
        rows.append(
            {
                "task": task,
                "name": person.name if person else "",
                "phone": person.phone_masked if person else "",
                "age": person.age if person else None,
                "compound": household.compound.name if household else "",
                "place": selectors.place_of(household),
                "needs": ", ".join(person.vulnerabilities) if person else "",
            }
        )
    return rows


@scoped
def home(request: HttpRequest) -> HttpResponse:
    """A campaign's door-to-door list: per team (or unassigned) and per community, the
    retests first; the counts per team on top."""
    scope = scope_of(request)
    scope.require(Perm.TESTING_VIEW)
    campaigns = selectors.campaigns(scope=scope)
    wanted = _int(request.GET.get("campaign"))
    campaign = next((c for c in campaigns if c.pk == wanted), campaigns[0] if campaigns else None)
    show = request.GET.get("show", "open")
    show = show if show in ("open", "closed", "all") else "open"
    team_param = request.GET.get("team", "")
    team_id = _int(team_param)
    code = request.GET.get("code", "").strip()
    code = code if code.isdigit() and scope.covers(code) else ""
    context: dict[str, Any] = {
        "campaigns": campaigns,
        "campaign": campaign,
        "show": show,
        "team_param": team_param,
        "code": code,
        "teams": list(selectors.teams(scope=scope)),
        "communities": selectors.communities(scope=scope),
        "can_sample": scope.has(Perm.TESTING_SAMPLE),
    }
    if campaign is not None:
        tasks = selectors.home_tasks(
            scope=scope,
            campaign=campaign,
            team_id=team_id,
            unassigned=team_param == "none",
            code=code,
            show=show,
        )
        page = paginate(request, tasks, per_page=50)
        context.update(
            page=page,
            rows=_task_rows(list(page)),
            counts=selectors.team_counts(scope=scope, campaign=campaign),
            qs_next=query_string(request, page=page.number + 1),
            qs_prev=query_string(request, page=page.number - 1),
        )
    return render(request, "testing/field/home.html", context)


def _places(scope: Scope) -> list[tuple[str, Any]]:
    return [
        (
            _("Communities and grids"),
            [(f"j:{code}", name) for code, name in selectors.communities(scope=scope)],
        ),
        (_("Compounds"), [(f"c:{c.pk}", c.name) for c in selectors.compounds(scope=scope)]),
        (
            _("Buildings"),
            [
                (f"b:{b.pk}", f"{b.compound.name} {b.name}")
                for b in selectors.buildings(scope=scope)
            ],
        ),
    ]


def _place(scope: Scope, value: str) -> tuple[str, int | None, int | None]:
    """(code, compound id, building id) of a chosen place."""
    kind, _sep, key = value.partition(":")
    if kind == "c":
        compound = selectors.compound_get(scope=scope, pk=int(key))
        return compound.community_code, compound.pk, None
    if kind == "b":
        building = selectors.building_get(scope=scope, pk=int(key))
        return building.community_code, building.compound_id, building.pk
    return key, None, None


@scoped
def home_generate(request: HttpRequest) -> HttpResponseBase:
    scope = scope_of(request)
    scope.require(Perm.TESTING_SAMPLE)
    campaigns = selectors.campaigns(scope=scope, open_only=True)
    teams = list(selectors.teams(scope=scope))
    form = GenerateForm(
        request.POST or None,
        campaigns=[(c.pk, c.name) for c in campaigns],
        places=_places(scope),
        teams=[(t.pk, t.name) for t in teams],
        initial={"exempt": True},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        campaign = next(c for c in campaigns if c.pk == data["campaign"])
        team = next((t for t in teams if t.pk == data["team"]), None)
        reasons = [
            r
            for r, on in (
                (HomeTask.Reason.EXEMPT, data["exempt"]),
                (HomeTask.Reason.UNSAMPLED, data["unsampled"]),
            )
            if on
        ]
        try:
            code, compound_id, building_id = _place(scope, data["place"])
            made = services.home_tasks_generate(
                scope=scope,
                campaign=campaign,
                code=code,
                team=team,
                compound_id=compound_id,
                building_id=building_id,
                reasons=reasons,
            )
        except ApplicationError as exc:
            _form_fail(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Door-to-door tasks made: %(exempt)d who cannot come, %(unsampled)d not "
                    "yet sampled."
                )
                % {
                    "exempt": made.get(HomeTask.Reason.EXEMPT, 0),
                    "unsampled": made.get(HomeTask.Reason.UNSAMPLED, 0),
                },
            )
            query = urlencode({"campaign": campaign.pk, "team": team.pk if team else ""})
            return redirect(f"{reverse('testing:field_home')}?{query}")
    return render(
        request, "testing/field/home_generate.html", {"form": form, "has_campaign": bool(campaigns)}
    )


@scoped
def home_task(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.home_task_get(scope=scope, pk=pk)
    scope.require(Perm.TESTING_VIEW, at=task.jurisdiction_code)
    row = _task_rows([task])[0]
    sample = selectors.latest_samples(
        campaign_id=task.campaign_id, person_ids=[task.person_id]
    ).get(task.person_id)
    return render(
        request,
        "testing/field/home_task.html",
        {
            "row": row,
            "task": task,
            "sample": sample,
            "form": CloseForm(),
            "teams": list(selectors.teams(scope=scope)),
            "can_sample": scope.can(Perm.TESTING_SAMPLE, at=task.jurisdiction_code),
        },
    )


@scoped
@require_POST
def home_close(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    task = selectors.home_task_get(scope=scope, pk=pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        scope.require(Perm.TESTING_SAMPLE, at=task.jurisdiction_code)
        messages.error(request, _("Choose how the visit ended."))
        return redirect("testing:field_home_task", pk=pk)
    try:
        services.home_task_close(
            scope=scope,
            task=task,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("testing:field_home_task", pk=pk)
    messages.success(request, _("Visit recorded."))
    query = urlencode({"campaign": task.campaign_id, "team": task.team_id or ""})
    return redirect(f"{reverse('testing:field_home')}?{query}")


@scoped
@require_POST
def home_assign(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    task = selectors.home_task_get(scope=scope, pk=pk)
    scope.require(Perm.TESTING_SAMPLE, at=task.jurisdiction_code)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a door-to-door team."))
        return redirect("testing:field_home_task", pk=pk)
    try:
        team = selectors.team_get(scope=scope, pk=form.cleaned_data["team"])
        services.home_task_assign(scope=scope, task=task, team=team)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The task is now the team's."))
    return redirect("testing:field_home_task", pk=pk)
