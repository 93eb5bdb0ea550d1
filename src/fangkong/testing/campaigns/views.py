"""Campaign pages: the rounds, a round's draft form, opening (with the job's progress)
and closing, live coverage by level, and the monitors (who is not sampled, samples per
site and hour, boxes on the way, tubes without results). Thin: parse, call one selector
or service, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.masking import mask_id_number, mask_phone
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from ..models import Campaign, Exemption
from . import selectors, services
from .exports import UNSAMPLED
from .forms import CampaignForm, CloseForm, ExemptionForm, ExportForm, initial_from_rules


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _base(scope: Scope, campaign: Campaign, tab: str) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "tab": tab,
        "can_manage": scope.can(Perm.TESTING_MANAGE, at=campaign.jurisdiction_code),
        "place": selectors.place_names(codes={campaign.jurisdiction_code}).get(
            campaign.jurisdiction_code, campaign.jurisdiction_code
        ),
    }


def _code(request: HttpRequest) -> str:
    return request.GET.get("code", "").strip()[:15]


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() else None


# --- Campaigns ---------------------------------------------------------------------------


@scoped
def campaign_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    status = request.GET.get("status", "")
    status = status if status in Campaign.Status.values else ""
    return render(
        request,
        "testing/campaigns/list.html",
        {
            "campaigns": selectors.campaigns(scope=scope, status=status),
            "status": status,
            "statuses": Campaign.Status.choices,
            "can_create": scope.has(Perm.TESTING_MANAGE) and len(scope.code) in (6, 9),
        },
    )


@scoped
def campaigns_day(request: HttpRequest) -> HttpResponse:
    """?code=&day=: the rounds of the daily report of a day for a jurisdiction, each with
    its figures there (the list behind the report's testing figures)."""
    scope = scope_of(request)
    scope.require(Perm.TESTING_VIEW)
    code = _code(request)
    code = code if code.isdigit() and scope.covers(code) else scope.code
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    return render(
        request,
        "testing/campaigns/day.html",
        {
            "rows": selectors.day_campaigns(scope=scope, code=code, day=day),
            "code": code,
            "day": day,
            "place": selectors.place_names(codes={code}).get(code, code),
        },
    )


@scoped
def campaign_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.TESTING_MANAGE)
    form = CampaignForm(request.POST or None, scope_choices=selectors.scope_choices(scope=scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                scope=scope,
                name=data["name"],
                scope_codes=data["scope_codes"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                rules=form.rules(),
                late_box_hours=data["late_box_hours"],
                result_due_hours=data["result_due_hours"],
                note=data["note"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("The campaign is saved as a draft: check it and open it."))
            return redirect("testing:campaigns_detail", pk=campaign.pk)
    return render(request, "testing/campaigns/form.html", {"form": form, "campaign": None})


@scoped
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_for_manage(scope=scope, pk=pk)
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, _("Only a draft campaign can be changed."))
        return redirect("testing:campaigns_detail", pk=pk)
    initial = {
        "name": campaign.name,
        "scope_codes": []
        if campaign.scope_codes == [campaign.jurisdiction_code]
        else campaign.scope_codes,
        "starts_at": timezone.localtime(campaign.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(campaign.ends_at).strftime("%Y-%m-%dT%H:%M"),
        "late_box_hours": campaign.late_box_hours,
        "result_due_hours": campaign.result_due_hours,
        "note": campaign.note,
        **initial_from_rules(campaign.rules),
    }
    form = CampaignForm(
        request.POST or None,
        initial=initial,
        scope_choices=selectors.scope_choices(scope=scope),
    )
    form.fields["scope_codes"].disabled = True
    form.fields["scope_codes"].help_text = _("The jurisdictions are set when the draft is made.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.campaign_update(
                scope=scope,
                campaign=campaign,
                rules=form.rules(),
                name=data["name"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                late_box_hours=data["late_box_hours"],
                result_due_hours=data["result_due_hours"],
                note=data["note"],
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_service_error(exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("testing:campaigns_detail", pk=pk)
    return render(request, "testing/campaigns/form.html", {"form": form, "campaign": campaign})


@scoped
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    context = _base(scope, campaign, "detail")
    now = timezone.now()
    if campaign.status in (Campaign.Status.OPEN, Campaign.Status.CLOSED):
        view = selectors.coverage(scope=scope, campaign=campaign)
        context["total"] = view.total
        context["late_boxes"] = selectors.late_boxes_count(scope=scope, campaign=campaign, now=now)
        context["overdue_tubes"] = selectors.tubes_overdue(
            scope=scope, campaign=campaign, now=now
        ).count()
    pooling, exemption_lines = selectors.rules_summary(campaign.rules)
    codes = campaign.scope_codes or [campaign.jurisdiction_code]
    names = selectors.place_names(codes=set(codes))
    context.update(
        {
            "job": selectors.job_of(campaign),
            "scope_names": [names.get(c, c) for c in codes],
            "pooling": pooling,
            "exemptions": exemption_lines,
            "close_form": CloseForm(),
        }
    )
    return render(request, "testing/campaigns/detail.html", context)


@scoped
@require_POST
def campaign_open(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    campaign = selectors.campaign_for_manage(scope=scope, pk=pk)
    try:
        services.campaign_open(scope=scope, campaign=campaign)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Preparing the target population: sampling opens when done."))
    return redirect("testing:campaigns_detail", pk=pk)


@scoped
def campaign_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The opening job's progress (polled by htmx on the campaign's page)."""
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    return render(
        request,
        "testing/campaigns/_progress.html",
        {"campaign": campaign, "job": selectors.job_of(campaign)},
    )


@scoped
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    campaign = selectors.campaign_for_manage(scope=scope, pk=pk)
    form = CloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.campaign_close(scope=scope, campaign=campaign, note=note)
    except ApplicationError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The campaign is closed: no more scans are taken."))
    return redirect("testing:campaigns_detail", pk=pk)


# --- Coverage -------------------------------------------------------------------------------


@scoped
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    view = selectors.coverage(
        scope=scope,
        campaign=campaign,
        code=_code(request),
        compound=_number(request.GET.get("compound", "")),
    )
    context = {**_base(scope, campaign, "coverage"), "view": view}
    if request.headers.get("HX-Request"):
        return render(request, "testing/campaigns/_coverage_table.html", context)
    sites_code = view.code if len(view.code) <= 12 else view.code[:12]
    context.update(
        {
            "chart": selectors.coverage_chart(view),
            "progress": selectors.progress_chart(scope=scope, campaign=campaign, code=sites_code),
        }
    )
    return render(request, "testing/campaigns/coverage.html", context)


# --- Monitors -------------------------------------------------------------------------------


@scoped
def unsampled(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    filters = selectors.PeopleFilters.from_params(request.GET)
    page = paginate(request, selectors.people(scope=scope, campaign=campaign, filters=filters), 50)
    targets = list(page)
    places = selectors.people_places(scope=scope, targets=targets)
    can_exempt = scope.has(Perm.TESTING_SAMPLE) and campaign.status in (
        Campaign.Status.OPEN,
        Campaign.Status.CLOSED,
    )
    manual = {Exemption.AWAY.value, Exemption.VACCINATED.value}
    rows = [
        {
            "target": t,
            "person": t.person,
            "id_masked": mask_id_number(t.person.id_number),
            "phone_masked": mask_phone(t.person.phone),
            "community": places["community"].get(t.jurisdiction_code[:12], ""),
            "compound": places["compound"].get(t.compound_id, ""),
            "building": places["building"].get(t.building_id, ""),
            "exemption": selectors.exemption_label(t.exemption),
            "can_set": can_exempt
            and scope.covers(t.jurisdiction_code)
            and t.exemption in ("", *manual),
            "can_lift": can_exempt and t.exemption in manual,
        }
        for t in targets
    ]
    return render(
        request,
        "testing/campaigns/unsampled.html",
        {
            **_base(scope, campaign, "unsampled"),
            "page": page,
            "rows": rows,
            "filters": filters,
            "vaccinated": bool(campaign.rules.get("exemptions", {}).get("vaccinated_hours")),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "export_form": ExportForm(),
            "here": request.get_full_path(),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
@require_POST
def unsampled_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    filters = selectors.PeopleFilters.from_params(request.GET)
    params = {"campaign": campaign.pk, "name": campaign.name, **filters.as_params()}
    try:
        return export_response(request, scope, name=UNSAMPLED, params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("testing:campaigns_unsampled", pk=pk)


@scoped
@require_POST
def exemption(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    scope.require(Perm.TESTING_SAMPLE)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    form = ExemptionForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if form.is_valid():
        data = form.cleaned_data
        try:
            target = services.exemption_set(
                scope=scope,
                campaign=campaign,
                person_id=data["person"],
                exemption=data["exemption"],
                note=data["note"],
            )
        except ApplicationError as exc:
            _fail(request, exc)
        else:
            if target.exemption:
                messages.success(
                    request, _("Exempted: %(why)s.") % {"why": target.get_exemption_display()}
                )
            else:
                messages.success(
                    request, _("The exemption is lifted: the person is to be sampled.")
                )
    else:
        messages.error(request, _("Choose the exemption and note the proof."))
    return redirect(back or f"{_unsampled_url(pk)}")


def _unsampled_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("testing:campaigns_unsampled", args=[pk])


@scoped
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    result = selectors.site_rate(scope=scope, campaign=campaign, code=_code(request))
    return render(
        request,
        "testing/campaigns/rate.html",
        {
            **_base(scope, campaign, "rate"),
            "result": result,
            "hours": [timezone.localtime(h) for h in result.hours],
            "rows": [(r, r.by_hour) for r in result.rows],
        },
    )


@scoped
def boxes(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    now = timezone.now()
    page = paginate(request, selectors.boxes_on_the_way(scope=scope, campaign=campaign), 100)
    return render(
        request,
        "testing/campaigns/boxes.html",
        {
            **_base(scope, campaign, "boxes"),
            "page": page,
            "rows": [(b, selectors.box_is_late(b, campaign.late_box_hours, now)) for b in page],
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def tubes(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    campaign = selectors.campaign_get(scope=scope, pk=pk)
    now = timezone.now()
    page = paginate(request, selectors.tubes_overdue(scope=scope, campaign=campaign, now=now), 100)
    return render(
        request,
        "testing/campaigns/tubes.html",
        {
            **_base(scope, campaign, "tubes"),
            "page": page,
            "now": now,
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )
