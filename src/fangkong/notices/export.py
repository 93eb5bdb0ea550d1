"""The read receipts of one notice as a spreadsheet (通知阅读情况): exactly the rows of
the receipts page (all, unread or read, as shown), unread first."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core import exports
from fangkong.core.exports import ExportSpec
from fangkong.core.scope import Scope
from fangkong.core.spreadsheets import Column

from . import selectors

EXPORT_NAME = "notice_receipts"


def params_for(notice: Any, show: str = "all") -> dict[str, Any]:
    return {"notice": notice.pk, "title": notice.title, "show": _show({"show": show})}


def receipt_shows() -> list[tuple[str, str]]:
    """The choices of the receipts page, with their labels (the page's pills and the
    export's description)."""
    return [
        ("all", _("All recipients")),
        ("unread", pgettext("notice", "Unread")),
        ("read", pgettext("notice", "Read")),
    ]


def _show(params: dict[str, Any]) -> str:
    show = params.get("show") or "all"
    return show if show in selectors.RECEIPT_SHOWS else "all"


def _notice_pk(params: dict[str, Any]) -> int:
    try:
        return int(params.get("notice") or 0)
    except (TypeError, ValueError):
        return 0


def _columns(revealed: bool) -> list[Column]:
    return [
        Column("jurisdiction", pgettext("read receipt column", "Jurisdiction"), 18, "text"),
        Column("name", pgettext("read receipt column", "Name"), 12, "text"),
        Column("username", pgettext("read receipt column", "Account"), 16, "text"),
        Column("role", pgettext("read receipt column", "Role"), 14, "text"),
        Column("status", pgettext("read receipt column", "Read"), 8, "text"),
        Column("read_at", pgettext("read receipt column", "Read at"), 17, "datetime"),
    ]


def receipt_rows(accounts: Iterable[Any]) -> Iterator[dict[str, Any]]:
    """The rows of the receipts page and of its export, from the accounts of one
    selector (`selectors.receipts`)."""
    for account in accounts:
        read_at = getattr(account, "read_at", None)  # annotated by the selector
        yield {
            "jurisdiction": account.jurisdiction.name if account.jurisdiction else "",
            "name": account.display_name,
            "username": account.username,
            "role": account.role.label if account.role else "",
            "status": pgettext("notice", "Read") if read_at else pgettext("notice", "Unread"),
            "read_at": timezone.localtime(read_at) if read_at else None,
            "is_read": read_at is not None,
        }


def _rows(scope: Scope, params: dict[str, Any], revealed: bool) -> Iterator[dict[str, Any]]:
    notice = selectors.sent_notice_get(scope=scope, pk=_notice_pk(params))
    return receipt_rows(selectors.receipts(scope=scope, notice=notice, show=_show(params)))


def _count(scope: Scope, params: dict[str, Any]) -> int:
    notice = selectors.sent_notice_get(scope=scope, pk=_notice_pk(params))
    return selectors.receipts(scope=scope, notice=notice, show=_show(params)).count()


exports.register(
    ExportSpec(
        name=EXPORT_NAME,
        title=lambda: _("Read receipts"),
        columns=_columns,
        rows=_rows,
        count=_count,
        describe=lambda params: (
            _("notice: %(title)s") % {"title": params.get("title", "")}
            + ("" if _show(params) == "all" else f" ({dict(receipt_shows())[_show(params)]})")
        ),
    )
)
