"""Push-list pages: the district's lists, imports and queue; a community's tasks on a
phone; supervision of what is overdue. Thin: parse, call one selector or service, render.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.core.errors import ApplicationError, NotFound
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped
from fangkong.registry import selectors as registry_selectors

from . import jobs, selectors, services
from .forms import (
    AssignForm,
    DecideForm,
    ExportForm,
    ListImportForm,
    MoreRowsForm,
    ReasonForm,
    RecordForm,
    RerouteForm,
    RevealForm,
)
from .importer import NewList
from .models import PushListEntry, VerificationTask

NOTES = {
    "name_differs": gettext_lazy(
        "The name on the list differs from the phone's holder in the registry."
    ),
    "shared_phone": gettext_lazy("Several people in the registry have this phone."),
    "other_id": gettext_lazy("The phone's holder has another identity number."),
    "no_candidate": gettext_lazy("Nobody in the registry has this identity number, phone or name."),
    "name_too_common": gettext_lazy("Many people have this name and the list gives no address."),
    "no_address": gettext_lazy("The list gives a name without an address."),
    "similar_addresses": gettext_lazy("People of this name live at similar addresses."),
    "address_differs": gettext_lazy("People of this name live elsewhere."),
}


def _fail(request: HttpRequest, exc: ApplicationError) -> None:
    """A rule said no: show why. Outside the scope or without the permission is a
    404/403 page, raised on to @scoped."""
    if exc.status in (403, 404):
        raise exc
    messages.error(request, exc.message)


def _client(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def note_text(code: str) -> str:
    return str(NOTES[code]) if code in NOTES else code


def _targets(scope: Scope, *, perm: Perm = Perm.VERIFICATION_ROUTE) -> list[tuple[str, str]]:
    """Communities and grids (indented) where this account may send a task."""
    return [
        (j.code, f"{'— ' if len(j.code) > 12 else ''}{j.name}")
        for j in selectors.route_targets(scope=scope, perm=perm)
    ]


# --- Lists ---------------------------------------------------------------------------


@scoped
def lists(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    page = paginate(request, selectors.push_lists(scope=scope), per_page=30)
    counts = selectors.list_counts(scope=scope, lists=list(page))
    return render(
        request,
        "pushlists/lists.html",
        {
            "page": page,
            "rows": [(pl, counts[pl.pk]) for pl in page],
            "can_manage": scope.has(Perm.PUSHLIST_MANAGE),
        },
    )


@scoped
def list_new(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.PUSHLIST_MANAGE)
    form = ListImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = jobs.import_enqueue(
                scope=scope,
                upload=data["file"],
                new_list=NewList(
                    name=data["name"],
                    source=data["source"],
                    received_at=data["received_at"],
                    deadline_hours=data["deadline_hours"],
                ),
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error("file", exc.message)
        else:
            return redirect("pushlists:import_status", job_id=job.pk)
    return render(request, "pushlists/list_new.html", {"form": form})


@scoped
def import_status(request: HttpRequest, job_id: int) -> HttpResponse:
    job = jobs.import_get(scope=scope_of(request), pk=job_id)
    context = {"job": job, "summary": job.result}
    if request.headers.get("HX-Request"):
        return render(request, "pushlists/_import_progress.html", context)
    return render(request, "pushlists/import_status.html", context)


@scoped
def import_rejected(request: HttpRequest, job_id: int) -> HttpResponseBase:
    scope = scope_of(request)
    job = jobs.import_get(scope=scope, pk=job_id)
    path, filename = jobs.rejected_file(scope=scope, job=job)
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename)


@scoped
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    push_list = selectors.push_list_get(scope=scope, pk=pk)
    now = timezone.now()
    show = request.GET.get("show", "all")
    show = show if show in selectors.ENTRY_FILTERS else "all"
    entries = selectors.list_entries(scope=scope, push_list=push_list, show=show, now=now)
    page = paginate(request, entries, per_page=50)
    names = selectors.place_names(codes={e.task.jurisdiction_code for e in page if e.task})
    return render(
        request,
        "pushlists/list.html",
        {
            "push_list": push_list,
            "counts": selectors.list_counts(scope=scope, lists=[push_list], now=now)[push_list.pk],
            "page": page,
            "rows": [
                (
                    e,
                    jobs.entry_status(e, now),
                    names.get(e.task.jurisdiction_code, "") if e.task else "",
                )
                for e in page
            ],
            "show": show,
            "imports": selectors.list_imports(scope=scope, push_list=push_list),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "more_form": MoreRowsForm(),
            "export_form": ExportForm(),
            "can_manage": scope.can(Perm.PUSHLIST_MANAGE, at=push_list.jurisdiction_code),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
        },
    )


@scoped
@require_POST
def list_more(request: HttpRequest, pk: int) -> HttpResponse:
    """More rows for a list: a second batch, or the rejected rows fixed."""
    scope = scope_of(request)
    push_list = selectors.push_list_get(scope=scope, pk=pk)
    scope.require(Perm.PUSHLIST_MANAGE, at=push_list.jurisdiction_code)
    form = MoreRowsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the file to import."))
        return redirect("pushlists:list", pk=pk)
    try:
        job = jobs.import_enqueue(
            scope=scope, upload=form.cleaned_data["file"], push_list=push_list
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("pushlists:list", pk=pk)
    return redirect("pushlists:import_status", job_id=job.pk)


@scoped
@require_POST
def list_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The list's results for its sender: small lists at once, large ones in the background."""
    scope = scope_of(request)
    push_list = selectors.push_list_get(scope=scope, pk=pk)
    params = {"list": push_list.pk, "name": push_list.name}
    name = "pushlist_results"
    try:
        return export_response(request, scope, name=name, params=params)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("pushlists:list", pk=pk)


# --- The district's queue -----------------------------------------------------------------


@scoped
def queue(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    kind = request.GET.get("kind", "")
    page = paginate(request, selectors.queue(scope=scope, kind=kind), per_page=50)
    return render(
        request,
        "pushlists/queue.html",
        {
            "page": page,
            "kind": kind,
            "rows": [(e, note_text(e.match_note)) for e in page],
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    entry = selectors.entry_get(scope=scope, pk=pk)
    can_manage = entry.in_queue and scope.can(Perm.PUSHLIST_MANAGE, at=entry.jurisdiction_code)
    query = request.GET.get("q", "").strip()[:60]
    found = []
    if can_manage and query:
        found = list(
            registry_selectors.person_list(
                scope=scope, filters=registry_selectors.PersonFilters(query=query)
            ).select_related("household")[:20]
        )
    return render(
        request,
        "pushlists/entry.html",
        {
            "entry": entry,
            "note": note_text(entry.match_note),
            "candidates": selectors.candidates_of(scope=scope, entry=entry) if can_manage else [],
            "can_manage": can_manage,
            "query": query,
            "found": found,
            "assign_form": AssignForm(targets=_targets(scope, perm=Perm.PUSHLIST_MANAGE))
            if can_manage
            else None,
            "return_form": ReasonForm(),
        },
    )


def _entry_action(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    scope = scope_of(request)
    entry = selectors.entry_get(scope=scope, pk=pk)
    try:
        action(scope, entry)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("pushlists:entry", pk=pk)
    messages.success(request, success)
    return redirect(reverse("pushlists:queue"))


@scoped
@require_POST
def entry_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the person."))
        return redirect("pushlists:entry", pk=pk)

    def decide(scope: Scope, entry: PushListEntry) -> None:
        scope.require(Perm.PUSHLIST_MANAGE, at=entry.jurisdiction_code)
        try:
            person = registry_selectors.person_get(scope=scope, pk=form.cleaned_data["person"])
        except NotFound:
            raise ApplicationError(_("No such person in your jurisdiction.")) from None
        services.entry_decide(scope=scope, entry=entry, person=person)

    return _entry_action(request, pk, decide, _("Matched; the check went to the community."))


@scoped
@require_POST
def entry_assign(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    entry = selectors.entry_get(scope=scope, pk=pk)
    scope.require(Perm.PUSHLIST_MANAGE, at=entry.jurisdiction_code)
    form = AssignForm(request.POST, targets=_targets(scope, perm=Perm.PUSHLIST_MANAGE))
    if not form.is_valid():
        messages.error(request, _("Choose the community."))
        return redirect("pushlists:entry", pk=pk)
    return _entry_action(
        request,
        pk,
        lambda s, e: services.entry_assign(scope=s, entry=e, code=form.cleaned_data["to"]),
        _("Assigned; the check went to the community."),
    )


@scoped
@require_POST
def entry_return(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _entry_action(
        request,
        pk,
        lambda s, e: services.entry_return(scope=s, entry=e, reason=reason),
        _("Returned to the sender."),
    )


@scoped
@require_POST
def entry_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    entry = selectors.entry_get(scope=scope, pk=pk)
    form = RevealForm(request.POST)
    field = request.POST.get("field", "")
    context: dict[str, Any] = {"entry": entry, "field": field}
    if not form.is_valid():
        scope.require(Perm.PERSON_REVEAL, at=entry.jurisdiction_code)
        context["error"] = _("Give the reason for seeing the full value.")
        return render(request, "pushlists/_reveal.html", context, status=400)
    try:
        context["value"] = services.entry_reveal(
            scope=scope,
            entry=entry,
            field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
            remote_addr=_client(request),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        context["error"] = exc.message
        return render(request, "pushlists/_reveal.html", context, status=400)
    return render(request, "pushlists/_reveal.html", context)


# --- Tasks on the ground ------------------------------------------------------------------


def _task_row(task: VerificationTask, now: Any) -> dict[str, Any]:
    entries = list(task.entries.all())
    first = entries[0] if entries else None
    return {
        "task": task,
        "name": task.person.name if task.person else (first.name if first else ""),
        "reason": "；".join(dict.fromkeys(e.reason for e in entries if e.reason)),
        "lists": len({e.push_list_id for e in entries}),
        "overdue": task.status == VerificationTask.Status.OPEN and task.deadline < now,
        "due_soon": selectors.is_due_soon(task, now),
    }


@scoped
def tasks(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    show = request.GET.get("show", "open")
    show = show if show in selectors.TASK_VIEWS else "open"
    query = request.GET.get("q", "").strip()[:30]
    # A figure of the daily report: ?code=&on=&day= (pushlists/selectors.py DAY_FILTERS).
    code = request.GET.get("code", "").strip()[:15]
    on = request.GET.get("on", "")
    on = on if on in selectors.DAY_FILTERS else ""
    try:
        day: dt.date | None = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day, on = None, ""
    found = selectors.tasks(
        scope=scope, show=show, query=query, code=code if code.isdigit() else "", on=on, day=day
    )
    page = paginate(request, found.prefetch_related("entries"), per_page=30)
    now = timezone.now()
    screened = selectors.screened_recently(scope=scope, tasks=list(page), now=now)
    return render(
        request,
        "pushlists/tasks.html",
        {
            "page": page,
            "rows": [_task_row(t, now) | {"screened": screened.get(t.pk)} for t in page],
            "show": show,
            "query": query,
            "figure": {"code": code, "on": on, "day": day} if on else None,
            "views": [
                ("open", _("To check")),
                ("done", _("Awaiting decision")),
                ("closed", _("Closed")),
                ("all", _("All")),
            ],
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


def _communities(task: VerificationTask) -> list[tuple[str, str]]:
    return [(j.code, j.name) for j in selectors.district_communities(code=task.community_code)]


@scoped
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    now = timezone.now()
    events = list(selectors.task_events(scope=scope, task=task))
    codes = {c for e in events for c in (e.from_code, e.to_code) if c}
    codes |= {task.jurisdiction_code, task.community_code, task.where_code}
    names = selectors.place_names(codes=codes)
    outcomes = dict(VerificationTask.Outcome.choices)
    for event in events:
        event.outcome_label = str(outcomes.get(event.data.get("outcome", ""), ""))  # type: ignore[attr-defined]
    can_route = scope.can(Perm.VERIFICATION_ROUTE, at=task.jurisdiction_code)
    targets = _targets(scope) if can_route else []
    return render(
        request,
        "pushlists/task.html",
        {
            "task": task,
            "person": task.person,
            "person_in_scope": task.person is not None
            and scope.covers(task.person.jurisdiction_code),
            "entries": list(selectors.task_entries(scope=scope, task=task)),
            "history": [
                (e, names.get(e.from_code, e.from_code), names.get(e.to_code, e.to_code))
                for e in events
            ],
            "place": names.get(task.jurisdiction_code, task.jurisdiction_code),
            "where_name": names.get(task.where_code, ""),
            "recent": list(selectors.recent_checks(scope=scope, task=task, now=now)),
            "screened": selectors.screened_recently(scope=scope, tasks=[task], now=now).get(
                task.pk
            ),
            "overdue": task.status == VerificationTask.Status.OPEN and task.deadline < now,
            "due_soon": selectors.is_due_soon(task, now),
            "record_form": RecordForm(
                initial={
                    "outcome": task.outcome,
                    "measure": task.measure,
                    "where_text": task.where_text,
                    "where_code": task.where_code,
                    "note": task.note,
                },
                communities=_communities(task),
            ),
            "can_record": task.status != VerificationTask.Status.CLOSED
            and scope.can(Perm.VERIFICATION_RECORD, at=task.jurisdiction_code),
            "can_route": task.status != VerificationTask.Status.CLOSED and bool(targets),
            "reroute_form": RerouteForm(
                targets=[t for t in targets if t[0] != task.jurisdiction_code],
                initial={"to": task.where_code},
            ),
            "close_form": ReasonForm(),
        },
    )


@scoped
@require_POST
def task_record(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    form = RecordForm(request.POST, communities=_communities(task))
    if not form.is_valid():
        scope.require(Perm.VERIFICATION_RECORD, at=task.jurisdiction_code)
        messages.error(request, _("Choose the result of the check."))
        return redirect("pushlists:task", pk=pk)
    try:
        services.task_record(scope=scope, task=task, **form.cleaned_data)
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("pushlists:task", pk=pk)
    messages.success(request, _("The result was recorded."))
    return redirect("pushlists:task", pk=pk)


@scoped
@require_POST
def task_reroute(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    form = RerouteForm(request.POST, targets=_targets(scope))
    if not form.is_valid():
        scope.require(Perm.VERIFICATION_ROUTE, at=task.jurisdiction_code)
        messages.error(request, _("Choose where the task goes and give the reason."))
        return redirect("pushlists:task", pk=pk)
    try:
        services.task_reroute(
            scope=scope,
            task=task,
            to_code=form.cleaned_data["to"],
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("pushlists:task", pk=pk)
    messages.success(request, _("The task was re-routed; its deadline stays."))
    return redirect("pushlists:task", pk=pk)


@scoped
@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    task = selectors.task_get(scope=scope, pk=pk)
    form = ReasonForm(request.POST)
    try:
        services.task_close(
            scope=scope, task=task, reason=form.cleaned_data["reason"] if form.is_valid() else ""
        )
    except ApplicationError as exc:
        _fail(request, exc)
        return redirect("pushlists:task", pk=pk)
    messages.success(request, _("The task was closed."))
    return redirect("pushlists:task", pk=pk)


# --- Supervision -----------------------------------------------------------------------------


@scoped
def supervision(request: HttpRequest) -> HttpResponse:
    """Overdue checks, escalated to the offices above: counts under each child and the
    overdue tasks themselves."""
    scope = scope_of(request)
    now = timezone.now()
    result = selectors.supervision(scope=scope, code=request.GET.get("code", ""), now=now)
    late = selectors.overdue(scope=scope, code=result.node.code, now=now)
    page = paginate(request, late.prefetch_related("entries"), per_page=30)
    names = selectors.place_names(codes={t.jurisdiction_code for t in page})
    rows = [_task_row(t, now) | {"place": names.get(t.jurisdiction_code, "")} for t in page]
    return render(
        request,
        "pushlists/supervision.html",
        {
            "result": result,
            "page": page,
            "rows": rows,
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )
