"""Pages of texts to residents: the batches of the office, a new batch (choose whom,
preview, send), a batch's progress and log (masked phones, filtered, exported), retry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.spreadsheets import Column, xlsx_bytes
from fangkong.core.web import paginate, query_string, scope_of, scoped

from . import audiences, selectors, services
from .forms import BatchForm
from .models import MessageLog


@scoped
def batches(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    page = paginate(request, selectors.batches(scope=scope), per_page=30)
    return render(
        request,
        "messaging/batches.html",
        {"page": page, "audiences": audiences.audiences()},
    )


def _place(form: BatchForm, exc: ApplicationError) -> None:
    placed = [e for e in exc.errors if e.field in form.fields]
    for error in placed:
        form.add_error(error.field, error.message)
    if not placed:
        form.add_error(None, exc.message)


@scoped
@require_http_methods(["GET", "POST"])
def batch_new(request: HttpRequest, audience: str) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.MESSAGE_SEND)
    found = audiences.get(audience)
    if found is None:
        raise Http404
    form = BatchForm(request.POST or None, audience=found, scope=scope)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if "confirm" in request.POST:
                batch = services.batch_create(
                    scope=scope,
                    key=found.key,
                    params=form.params(),
                    text=data["text"],
                    forced_reason=data["forced_reason"],
                )
                messages.success(request, _("The messages are being sent."))
                return redirect(reverse("messaging:batch", args=[batch.pk]))
            preview = services.preview(
                scope=scope, key=found.key, params=form.params(), text=data["text"]
            )
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            _place(form, exc)
    return render(
        request,
        "messaging/new.html",
        {"form": form, "audience": found, "preview": preview},
    )


def _batch_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    scope = scope_of(request)
    batch = selectors.batch_get(scope=scope, pk=pk)
    status = request.GET.get("status", "")
    status = status if status in MessageLog.Status.values else ""
    return {
        "batch": batch,
        "status": status,
        "statuses": MessageLog.Status.choices,
        "found": selectors.batch_messages(batch=batch, status=status),
        "audience": audiences.get(batch.audience),
    }


@scoped
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    context = _batch_context(request, pk)
    page = paginate(request, context.pop("found"), per_page=50)
    template = (
        "messaging/_progress.html" if request.headers.get("HX-Request") else "messaging/batch.html"
    )
    return render(
        request,
        template,
        {
            **context,
            "page": page,
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The log as shown (its status filter), phones masked."""
    scope = scope_of(request)
    scope.require(Perm.EXPORT)
    context = _batch_context(request, pk)
    rows = [
        [m.queued_at, m.phone_masked, m.get_status_display(), m.sent_at, m.delivered_at, m.error]
        for m in context["found"]
    ]
    content = xlsx_bytes(
        sheet_name=_("Text messages"),
        title=_("Text messages of batch %(n)s") % {"n": context["batch"].pk},
        meta=[(_("Text"), context["batch"].text)],
        columns=[
            Column("queued", _("Queued"), 16, "datetime"),
            Column("phone", _("Phone"), 14, "code"),
            Column("status", _("Status"), 10),
            Column("sent", _("Sent"), 16, "datetime"),
            Column("delivered", _("Delivered"), 16, "datetime"),
            Column("error", _("Error"), 30),
        ],
        rows=rows,
    )
    services.record_export(scope=scope, batch=context["batch"], rows=len(rows))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="messages-{pk}.xlsx"'
    return response


@scoped
@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    found = selectors.batch_get(scope=scope, pk=pk)
    try:
        sent = services.retry_failed(scope=scope, batch=found)
        messages.success(request, _("%(n)s messages sent again.") % {"n": sent})
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect(reverse("messaging:batch", args=[pk]))
