"""Staff pages of notices: my inbox, one notice (opening it is the read receipt), its
attachments, compose with a preview of the number of recipients, my office's sent
notices with their read counts, one notice's read receipts (and their export), and
withdrawing a notice with a reason."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ApplicationError
from fangkong.core.permissions import Perm
from fangkong.core.web import export_response, paginate, query_string, scope_of, scoped

from . import selectors, services
from .export import EXPORT_NAME, params_for, receipt_rows, receipt_shows
from .forms import ComposeForm, ExportForm, WithdrawForm
from .models import Notice

# A district-wide notice reaches thousands of accounts: the receipts, a page at a time.
RECEIPTS_PER_PAGE = 100


def _place_errors(form: forms.Form, exc: ApplicationError) -> None:
    placed = [e for e in exc.errors if e.field in form.fields]
    for error in placed:
        form.add_error(error.field, error.message)
    if not placed:
        form.add_error(None, exc.message)


def _reader(request: HttpRequest) -> selectors.Reader | None:
    return selectors.reader_of(request.user)


def _audience_names(notice: Notice) -> list[str]:
    names = selectors.jurisdiction_names(codes=notice.audience_codes)
    return [names.get(code, code) for code in notice.audience_codes]


def _role_names(notice: Notice) -> list[str]:
    roles = dict(selectors.role_choices())
    return [roles.get(code, code) for code in notice.audience_roles]


@scoped
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    reader = _reader(request)
    found = selectors.inbox(reader=reader) if reader else []
    page = paginate(request, found, per_page=30)
    offices = selectors.jurisdiction_names(codes={n.jurisdiction_code for n in page})
    for notice in page:
        notice.office_name = offices.get(notice.jurisdiction_code, "")
    return render(
        request,
        "notices/inbox.html",
        {
            "page": page,
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "can_send": scope.has(Perm.NOTICE_SEND),
        },
    )


def _notice_page(
    request: HttpRequest,
    notice: Notice,
    *,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_of(request)
    reader = _reader(request)
    is_office = scope.covers(notice.jurisdiction_code)
    recipient = selectors.is_recipient(notice, reader)
    show_files = is_office or not notice.is_withdrawn
    return render(
        request,
        "notices/notice.html",
        {
            "notice": notice,
            "office": selectors.jurisdiction_names(codes=[notice.jurisdiction_code]).get(
                notice.jurisdiction_code, ""
            ),
            "audience": _audience_names(notice),
            "roles": _role_names(notice),
            "attachments": selectors.attachments(notice=notice) if show_files else [],
            "is_recipient": recipient,
            "read_at": (
                selectors.read_at(notice=notice, reader=reader) if recipient and reader else None
            ),
            "can_manage": scope.can(Perm.NOTICE_SEND, at=notice.jurisdiction_code),
            "withdraw_form": withdraw_form or WithdrawForm(),
        },
        status=status,
    )


@scoped
@require_GET
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    reader = _reader(request)
    notice = selectors.notice_get(scope=scope, reader=reader, pk=pk)
    services.notice_open(scope=scope, reader=reader, notice=notice)
    return _notice_page(request, notice)


@scoped
@require_GET
def attachment(request: HttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    item = selectors.attachment_get(scope=scope, reader=_reader(request), notice_pk=pk, pk=file_pk)
    services.attachment_downloaded(scope=scope, attachment=item)
    return FileResponse(
        selectors.attachment_path(item).open("rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=item.content_type,
    )


def _compose_form(
    choices: list[selectors.AudienceChoice], data: object = None, files: object = None
) -> ComposeForm:
    return ComposeForm(
        data,
        files,
        audience=[(c.code, c.name) for c in choices],
        roles=selectors.role_choices(),
    )


@scoped
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    scope.require(Perm.NOTICE_SEND)
    choices = selectors.audience_choices(scope=scope)
    status = 200
    if request.method == "POST":
        form = _compose_form(choices, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                notice = services.notice_send(
                    scope=scope,
                    title=data["title"],
                    body=data["body"],
                    audience=data["audience"],
                    roles=data["roles"],
                    priority=data["priority"],
                    files=data["attachments"],
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                _place_errors(form, exc)
            else:
                messages.success(request, _("The notice has been sent."))
                return redirect("notices:receipts", pk=notice.pk)
        status = 400
    else:
        form = _compose_form(choices)
    chosen = set(form["audience"].value() or [])
    return render(
        request,
        "notices/compose.html",
        {"form": form, "choices": choices, "chosen": chosen},
        status=status,
    )


@scoped
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """The number of accounts the chosen audience reaches now (htmx, on the compose form)."""
    scope = scope_of(request)
    codes = [c for c in request.GET.getlist("audience") if c]
    roles = [r for r in request.GET.getlist("roles") if r]
    count = selectors.recipient_count(
        scope=scope, codes=codes, roles=roles, sender_id=scope.actor_id
    )
    return render(request, "notices/_preview.html", {"count": count, "codes": codes})


@scoped
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    page = paginate(request, selectors.sent(scope=scope), per_page=20)
    counts = selectors.read_counts(scope=scope, notices=page)
    for notice in page:
        notice.read_count = counts[notice.pk]
    return render(
        request,
        "notices/sent.html",
        {
            "page": page,
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
        },
    )


@scoped
@require_GET
def receipts(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    notice = selectors.sent_notice_get(scope=scope, pk=pk)
    show = request.GET.get("show", "all")
    show = show if show in selectors.RECEIPT_SHOWS else "all"
    accounts = selectors.receipts(scope=scope, notice=notice, show=show)
    page = paginate(request, accounts, per_page=RECEIPTS_PER_PAGE)
    summary = selectors.receipt_summary(scope=scope, notice=notice)
    return render(
        request,
        "notices/receipts.html",
        {
            "notice": notice,
            "rows": list(receipt_rows(page)),
            "page": page,
            "show": show,
            "shows": receipt_shows(),
            "qs_next": query_string(request, page=page.number + 1),
            "qs_prev": query_string(request, page=page.number - 1),
            "read": summary.read,
            "total": summary.total,
            "audience": _audience_names(notice),
            "roles": _role_names(notice),
            "export_form": ExportForm(),
            "can_export": scope.has(Perm.EXPORT) and scope.can_export,
            "withdraw_form": WithdrawForm(),
        },
    )


@scoped
@require_POST
def receipts_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    scope = scope_of(request)
    notice = selectors.sent_notice_get(scope=scope, pk=pk)
    try:
        return export_response(
            request,
            scope,
            name=EXPORT_NAME,
            params=params_for(notice, request.POST.get("show", "all")),
        )
    except ApplicationError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("notices:receipts", pk=pk)


@scoped
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_of(request)
    notice = selectors.sent_notice_get(scope=scope, pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.notice_withdraw(scope=scope, notice=notice, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.status in (403, 404):
                raise
            _place_errors(form, exc)
        else:
            messages.success(request, _("The notice has been withdrawn."))
            return redirect("notices:receipts", pk=pk)
    return _notice_page(request, notice, withdraw_form=form, status=400)
