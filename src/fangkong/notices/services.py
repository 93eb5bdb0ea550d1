"""Every write of a notice: sent (with its audience and attachments), opened by a
recipient (the read receipt, once), withdrawn with a reason, and an attachment
downloaded. Each is one transaction with its audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.accounts.roles import ROLES
from fangkong.accounts.selectors import actor_display
from fangkong.core import audit
from fangkong.core.errors import ApplicationError, FieldError, NotFound
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from . import selectors, storage
from .models import (
    BODY_MAX,
    REASON_MAX,
    TITLE_MAX,
    Notice,
    NoticeAttachment,
    NoticeRead,
    NoticeTarget,
)

REASON_MIN = 2


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _clean_text(value: str, field: str, *, limit: int, empty: str, long: str) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise _invalid(field, empty)
    if len(cleaned) > limit:
        raise _invalid(field, long % {"max": limit})
    return cleaned


def _clean_audience(scope: Scope, codes: Sequence[str]) -> list[str]:
    """The addressed codes: within the sender's jurisdiction (another office's is "not
    found"), active, down to communities; a code inside another chosen one is dropped."""
    chosen = sorted({c.strip() for c in codes if c and c.strip()})
    if not chosen:
        raise _invalid("audience", _("Choose who receives the notice."))
    for code in chosen:
        if not scope.covers(code):
            raise NotFound(_("Not found."))
        if len(code) > 12:
            raise _invalid("audience", _("Address a community or an office above it."))
    unknown = set(chosen) - selectors.active_codes(scope=scope, codes=chosen)
    if unknown:
        raise _invalid(
            "audience",
            _("Unknown or closed jurisdiction: %(codes)s.") % {"codes": ", ".join(sorted(unknown))},
        )
    return [c for c in chosen if not any(c != o and c.startswith(o) for o in chosen)]


def _clean_roles(roles: Sequence[str]) -> list[str]:
    chosen = sorted({r for r in roles if r})
    unknown = [r for r in chosen if r not in ROLES]
    if unknown:
        raise _invalid("roles", _("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    return chosen


def _clean_files(files: Sequence[Any]) -> list[tuple[Any, storage.Kind]]:
    if len(files) > storage.MAX_FILES:
        raise _invalid(
            "attachments",
            _("At most %(n)d attachments to one notice.") % {"n": storage.MAX_FILES},
        )
    limit = storage.max_bytes()
    checked = []
    for upload in files:
        name = upload.name or ""
        if upload.size > limit:
            raise _invalid(
                "attachments",
                _("%(name)s is larger than %(mb)d MB.")
                % {"name": name, "mb": limit // (1024 * 1024)},
            )
        if upload.size == 0:
            raise _invalid("attachments", _("%(name)s is empty.") % {"name": name})
        kind = storage.sniff(name, upload)
        if kind is None:
            raise _invalid(
                "attachments",
                _(
                    "%(name)s is not an allowed file, or its content does not match its "
                    "name. Allowed: %(kinds)s."
                )
                % {"name": name, "kinds": storage.ALLOWED_LABEL},
            )
        checked.append((upload, kind))
    return checked


@transaction.atomic
def notice_send(
    *,
    scope: Scope,
    title: str,
    body: str,
    audience: Sequence[str],
    roles: Sequence[str] = (),
    priority: str = Notice.Priority.NORMAL,
    files: Sequence[Any] = (),
) -> Notice:
    """A notice from the scope's office to the accounts at `audience` (codes within the
    office) with `roles` (every role when empty)."""
    scope.require(Perm.NOTICE_SEND)
    if not scope.code:
        raise ApplicationError(_("A notice is sent by an office; this account has none."))
    title = _clean_text(
        title,
        "title",
        limit=TITLE_MAX,
        empty=_("Give the notice a title."),
        long=_("Keep the title under %(max)d characters."),
    )
    body = _clean_text(
        body,
        "body",
        limit=BODY_MAX,
        empty=_("Write the text of the notice."),
        long=_("Keep the text under %(max)d characters; attach longer documents."),
    )
    if priority not in Notice.Priority.values:
        raise _invalid("priority", _("Choose the priority."))
    codes = _clean_audience(scope, audience)
    role_codes = _clean_roles(roles)
    uploads = _clean_files(files)
    notice = Notice.objects.create(
        jurisdiction_code=scope.code,
        title=title,
        body=body,
        audience_codes=codes,
        audience_roles=role_codes,
        priority=priority,
        sent_at=timezone.now(),
        sent_by_id=scope.actor_id,
        sent_by_name=actor_display(scope),
    )
    NoticeTarget.objects.bulk_create(
        NoticeTarget(notice=notice, code=code, role=role)
        for code in codes
        for role in (role_codes or [""])
    )
    written: list[str] = []
    try:
        for position, (upload, kind) in enumerate(uploads):
            stored = storage.store(upload.name, upload.chunks())
            written.append(stored.stored_name)
            NoticeAttachment.objects.create(
                notice=notice,
                stored_name=stored.stored_name,
                original_name=(upload.name or "")[-200:],
                size=stored.size,
                content_type=kind.content_type,
                sha256=stored.sha256,
                position=position,
            )
        recipients = selectors.recipient_count(
            scope=scope, codes=codes, roles=role_codes, sender_id=scope.actor_id
        )
        audit.record(
            scope,
            "notices.notice.sent",
            notice,
            data={
                "title": title,
                "audience": codes,
                "roles": role_codes,
                "priority": priority,
                "attachments": [u.name for u, _k in uploads],
                "recipients": recipients,
            },
        )
    except BaseException:
        for name in written:
            storage.remove(name)
        raise
    return notice


@transaction.atomic
def notice_open(*, scope: Scope, reader: selectors.Reader | None, notice: Notice) -> bool:
    """A recipient opened the notice: the read receipt, written the first time only
    (True then). The sender's office reading it writes nothing."""
    if reader is None or not selectors.is_recipient(notice, reader):
        return False
    if selectors.read_at(notice=notice, reader=reader) is not None:
        return False
    try:
        with transaction.atomic():
            NoticeRead.objects.create(
                notice=notice, account_id=reader.account_id, read_at=timezone.now()
            )
    except IntegrityError:  # opened twice at once: the other request wrote it
        return False
    audit.record(scope, "notices.notice.read", notice)
    return True


@transaction.atomic
def notice_withdraw(*, scope: Scope, notice: Notice, reason: str) -> Notice:
    """The sender's office takes a notice back; recipients see it as withdrawn, why, and
    no longer its attachments."""
    scope.require(Perm.NOTICE_SEND, at=notice.jurisdiction_code)
    cleaned = " ".join((reason or "").split())
    if len(cleaned) < REASON_MIN:
        raise _invalid("reason", _("Give the reason for withdrawing the notice."))
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.is_withdrawn:
        raise ApplicationError(_("This notice has already been withdrawn."))
    notice.withdrawn_at = timezone.now()
    notice.withdrawn_by_id = scope.actor_id
    notice.withdrawn_by_name = actor_display(scope)
    notice.withdrawn_reason = cleaned[:REASON_MAX]
    notice.save(
        update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_by_name", "withdrawn_reason"]
    )
    audit.record(scope, "notices.notice.withdrawn", notice, reason=notice.withdrawn_reason)
    return notice


@transaction.atomic
def attachment_downloaded(*, scope: Scope, attachment: NoticeAttachment) -> None:
    """Attachments may hold lists of names: who downloaded which is in the audit log."""
    audit.record(
        scope,
        "notices.attachment.downloaded",
        attachment,
        jurisdiction_code=attachment.notice.jurisdiction_code,
        data={"notice": attachment.notice_id, "name": attachment.original_name},
    )
