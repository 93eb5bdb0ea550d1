"""Core pages: home, health, the audit viewer, job progress and downloads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import connection, transaction
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from . import audit
from .exports import exports_dir
from .models import Job
from .notices import notices_for
from .selectors import AuditFilters, audit_actions, audit_list, job_get
from .web import paginate, public, query_string, scope_of, scoped

HOME_NOTICES = 10


@scoped
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the latest notices for the account's jurisdiction and the menu."""
    notices = notices_for(scope=scope_of(request), limit=HOME_NOTICES)
    return render(request, "core/home.html", {"notices": notices})


@public
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@scoped
def audit_view(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    filters = AuditFilters(
        action=request.GET.get("action", "").strip(),
        actor=request.GET.get("actor", "").strip(),
        object_type=request.GET.get("object_type", "").strip(),
        object_id=request.GET.get("object_id", "").strip(),
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
    )
    entries = audit_list(scope=scope, filters=filters)
    page = paginate(request, entries, per_page=50)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "actions": audit_actions(),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_get(scope=scope_of(request), pk=job_id)
    if request.headers.get("HX-Request"):
        return render(request, "core/_job_progress.html", {"job": job})
    return render(request, "core/job_detail.html", {"job": job})


@scoped
def job_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    scope = scope_of(request)
    job = job_get(scope=scope, pk=job_id)
    if job.status != Job.Status.DONE or not job.output_file:
        return redirect("core:job", job_id=job.pk)
    path = Path(job.output_file)
    if exports_dir() not in path.parents or not path.exists():
        return render(request, "404.html", status=404)
    with transaction.atomic():
        audit.record(
            scope,
            "export.downloaded",
            job,
            reason=job.params.get("reason", ""),
            data={"export": job.name, "rows": job.done},
        )
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.output_name)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", {"message": _("You do not have permission.")}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
