"""Reads of notices: an account's inbox and unread count, one notice as a recipient or
as its sender's office, the recipients of a notice with their read receipts, the sent
notices of an office with their read counts, and the audience the sender may choose.

Who receives a notice is decided in one place, `_matches` / `recipients_q`: an active
account with a role, at an addressed code or below it, with an addressed role (any role
when none is named), other than the sender.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, When

from fangkong.accounts.models import User
from fangkong.accounts.roles import ROLES
from fangkong.core.codes import LEVEL_LENGTHS, Level
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404

from . import storage
from .models import Notice, NoticeAttachment, NoticeRead, NoticeTarget


@dataclass(frozen=True)
class Reader:
    """The signed-in account as the inbox sees it (a Scope has no role)."""

    account_id: int
    code: str
    role: str


def reader_of(user: Any) -> Reader | None:
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or not user.jurisdiction_code
        or user.role_id is None
    ):
        return None
    return Reader(account_id=user.pk, code=user.jurisdiction_code, role=user.role_id)


def _prefixes(code: str) -> list[str]:
    """The codes that address an account at `code`: its own and every office above."""
    return sorted({code[:n] for n in LEVEL_LENGTHS.values() if n <= len(code)} | {code})


def _matches(notice: Notice, account_id: int, code: str, role: str | None) -> bool:
    if role is None or account_id == notice.sent_by_id:
        return False
    if notice.audience_roles and role not in notice.audience_roles:
        return False
    return any(code.startswith(c) for c in notice.audience_codes)


def is_recipient(notice: Notice, reader: Reader | None) -> bool:
    return reader is not None and _matches(notice, reader.account_id, reader.code, reader.role)


def recipients_q(codes: Sequence[str], roles: Sequence[str]) -> Q:
    """The accounts a notice to `codes` and `roles` reaches (without its sender)."""
    if not codes:
        return Q(pk__in=[])
    where = Q()
    for code in codes:
        where |= code_range_q(code)
    where &= Q(is_active=True, role__isnull=False)
    if roles:
        where &= Q(role_id__in=list(roles))
    return where


def _addressed(reader: Reader) -> QuerySet[NoticeTarget, Any]:
    return NoticeTarget.objects.filter(
        code__in=_prefixes(reader.code), role__in=[reader.role, ""]
    ).values("notice_id")


def _read_by(reader: Reader) -> QuerySet[NoticeRead, Any]:
    return NoticeRead.objects.filter(account_id=reader.account_id).values("notice_id")


def _unread(reader: Reader) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(pk__in=_addressed(reader), withdrawn_at__isnull=True)
        .exclude(sent_by_id=reader.account_id)
        .exclude(pk__in=_read_by(reader))
    )


def unread_count(*, reader: Reader) -> int:
    """The badge: one count over the indexed audience and receipt tables."""
    return _unread(reader).count()


def unread_latest(*, reader: Reader, limit: int = 3) -> list[Notice]:
    """The banner and the home page: urgent ones first, then the newest."""
    urgent_first = Case(When(priority=Notice.Priority.URGENT, then=0), default=1)
    return list(_unread(reader).order_by(urgent_first, "-sent_at", "-id")[:limit])


def inbox(*, reader: Reader) -> QuerySet[Notice]:
    """The notices addressed to me: unread ones first (withdrawn ones wait no reading),
    then the newest. Each carries `read_at` (None when not yet opened)."""
    mine = NoticeRead.objects.filter(account_id=reader.account_id, notice=OuterRef("pk"))
    return (
        Notice.objects.filter(pk__in=_addressed(reader))
        .exclude(sent_by_id=reader.account_id)
        .annotate(
            read_at=Subquery(mine.values("read_at")[:1]),
            waiting=Case(
                When(Q(withdrawn_at__isnull=True) & ~Exists(mine), then=0),
                default=1,
                output_field=IntegerField(),
            ),
        )
        .prefetch_related("attachments")
        .order_by("waiting", "-sent_at", "-id")
    )


def notice_get(*, scope: Scope, reader: Reader | None, pk: int) -> Notice:
    """A notice for one of its recipients or for its sender's office (and the offices
    above it); anyone else gets "not found". Deliberately not only `within(scope)`: a
    notice reaches down from an office above the reader's scope."""
    visible = code_range_q(scope.code)
    if reader is not None:
        visible |= Q(pk__in=_addressed(reader))
    notice = get_or_404(Notice.objects.filter(visible), pk=pk)
    if not scope.covers(notice.jurisdiction_code) and not is_recipient(notice, reader):
        get_or_404(Notice.objects.none(), pk=pk)  # addressed to the office, not this role
    return notice


def read_at(*, notice: Notice, reader: Reader) -> Any:
    return (
        NoticeRead.objects.filter(notice=notice, account_id=reader.account_id)
        .values_list("read_at", flat=True)
        .first()
    )


def attachments(*, notice: Notice) -> list[NoticeAttachment]:
    return list(notice.attachments.order_by("position", "id"))


def attachment_get(
    *, scope: Scope, reader: Reader | None, notice_pk: int, pk: int
) -> NoticeAttachment:
    """An attachment for the notice's recipients (not once it is withdrawn) and its
    sender's office."""
    notice = notice_get(scope=scope, reader=reader, pk=notice_pk)
    if not scope.covers(notice.jurisdiction_code) and notice.is_withdrawn:
        get_or_404(NoticeAttachment.objects.none(), pk=pk)
    return get_or_404(NoticeAttachment.objects.filter(notice=notice), pk=pk)


def attachment_path(attachment: NoticeAttachment) -> Any:
    return storage.path_of(attachment.stored_name)


def _office_notice(scope: Scope, pk: int) -> Notice:
    notice = get_or_404(Notice.objects.within(scope), pk=pk)
    scope.require(Perm.NOTICE_SEND, at=notice.jurisdiction_code)
    return notice


def sent_notice_get(*, scope: Scope, pk: int) -> Notice:
    """A notice of the scope's office (or below) for its read receipts and withdrawal."""
    return _office_notice(scope, pk)


def sent(*, scope: Scope) -> QuerySet[Notice]:
    """The notices sent by the scope's office and the offices below it, newest first."""
    scope.require(Perm.NOTICE_SEND)
    return Notice.objects.within(scope).prefetch_related("attachments").order_by("-sent_at", "-id")


@dataclass(frozen=True)
class ReadCount:
    read: int
    total: int


def read_counts(*, scope: Scope, notices: Iterable[Notice]) -> dict[int, ReadCount]:
    """已读 n/m for a page of sent notices in three queries: the current recipients are
    matched in Python by the same rule as `recipients_q` (they are all accounts within
    the sender's office, which the scope covers)."""
    notices = list(notices)
    if not notices:
        return {}
    accounts = list(
        User.objects.within(scope)
        .filter(is_active=True, role__isnull=False)
        .values_list("pk", "jurisdiction_code", "role_id")
    )
    reads: dict[int, set[int]] = {}
    for notice_id, account_id in NoticeRead.objects.filter(notice__in=notices).values_list(
        "notice_id", "account_id"
    ):
        reads.setdefault(notice_id, set()).add(account_id)
    counts = {}
    for notice in notices:
        current = {pk for pk, code, role in accounts if _matches(notice, pk, code, role)}
        counts[notice.pk] = ReadCount(len(current & reads.get(notice.pk, set())), len(current))
    return counts


RECEIPT_SHOWS = ("all", "unread", "read")


def _recipients(notice: Notice) -> QuerySet[User]:
    return User.objects.filter(recipients_q(notice.audience_codes, notice.audience_roles)).exclude(
        pk=notice.sent_by_id or 0
    )


def receipts(*, scope: Scope, notice: Notice, show: str = "all") -> QuerySet[User]:
    """The current recipients with `read_at` (None: not yet read); unread first, then
    in the order they read. `show` is "all", "unread" or "read"."""
    scope.require(Perm.NOTICE_SEND, at=notice.jurisdiction_code)
    read = NoticeRead.objects.filter(notice=notice, account_id=OuterRef("pk"))
    accounts = (
        _recipients(notice)
        .select_related("role", "jurisdiction")
        .annotate(read_at=Subquery(read.values("read_at")[:1]))
    )
    if show == "unread":
        accounts = accounts.filter(read_at__isnull=True)
    elif show == "read":
        accounts = accounts.filter(read_at__isnull=False)
    return accounts.order_by(F("read_at").asc(nulls_first=True), "jurisdiction_code", "username")


def receipt_summary(*, scope: Scope, notice: Notice) -> ReadCount:
    """已读 n/m of one notice, counted by the database (a district-wide notice reaches
    thousands of accounts; the page lists them a page at a time)."""
    scope.require(Perm.NOTICE_SEND, at=notice.jurisdiction_code)
    recipients = _recipients(notice)
    total = recipients.count()
    read = NoticeRead.objects.filter(notice=notice, account_id__in=recipients.values("pk")).count()
    return ReadCount(read, total)


def recipient_count(
    *, scope: Scope, codes: Sequence[str], roles: Sequence[str], sender_id: int | None
) -> int:
    """How many accounts an audience reaches now (the compose page's preview, and the
    number in the audit entry); a code outside the scope is "not found"."""
    scope.require(Perm.NOTICE_SEND)
    if any(not scope.covers(code) for code in codes):
        get_or_404(Notice.objects.none(), pk=0)
    return User.objects.filter(recipients_q(codes, roles)).exclude(pk=sender_id or 0).count()


@dataclass(frozen=True)
class AudienceChoice:
    code: str
    name: str
    level: str  # district, subdistrict, community


def audience_choices(*, scope: Scope) -> list[AudienceChoice]:
    """What the sender may address: the whole of their jurisdiction, its subdistricts and
    its communities (grids are reached through their community)."""
    scope.require(Perm.NOTICE_SEND)
    if not scope.code:
        return []
    lengths = {
        LEVEL_LENGTHS[level]: level
        for level in (Level.DISTRICT, Level.SUBDISTRICT, Level.COMMUNITY)
    }
    nodes = (
        Jurisdiction.objects.within(scope)
        .filter(is_active=True)
        .order_by("code")
        .values_list("code", "name")
    )
    return [
        AudienceChoice(code, name, str(lengths[len(code)]))
        for code, name in nodes
        if len(code) in lengths
    ]


def active_codes(*, scope: Scope, codes: Iterable[str]) -> set[str]:
    """Which of `codes` are active jurisdictions within the scope."""
    return set(
        Jurisdiction.objects.within(scope)
        .filter(code__in=list(codes), is_active=True)
        .values_list("code", flat=True)
    )


def jurisdiction_names(*, codes: Iterable[str]) -> dict[str, str]:
    """Names for the codes a notice names (its audience and its office): a recipient
    sees them whatever their own scope is."""
    return dict(Jurisdiction.objects.filter(code__in=list(codes)).values_list("code", "name"))


def role_choices() -> list[tuple[str, str]]:
    return [(code, str(spec.name)) for code, spec in ROLES.items()]
