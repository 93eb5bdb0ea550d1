"""Sending, audience resolution, read receipts and withdrawal of notices, through the
services and selectors (the pages are in test_pages.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.core.errors import ApplicationError, NotFound, PermissionDenied
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.notices import selectors, services, storage
from fangkong.notices.models import Notice, NoticeAttachment, NoticeRead, NoticeTarget
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN_COMMUNITY

from .conftest import docx, pdf, reader, txt

pytestmark = pytest.mark.django_db
Staff = dict[str, User]
Scopes = dict[str, Scope]


def _send(
    scope: Scope, audience: list[str], roles: list[str] | None = None, **extra: Any
) -> Notice:
    return services.notice_send(
        scope=scope,
        title=extra.pop("title", "关于开展全员核酸检测的通知"),
        body=extra.pop("body", "各社区：\n请于今日17时前完成。"),
        audience=audience,
        roles=roles or [],
        **extra,
    )


def _recipients(scope: Scope, notice: Notice) -> list[str]:
    return sorted(u.username for u in selectors.receipts(scope=scope, notice=notice))


def _inboxes(staff: Staff) -> dict[str, int]:
    return {key: selectors.unread_count(reader=reader(user)) for key, user in staff.items()}


def test_a_notice_reaches_the_addressed_codes_and_roles(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY, SIBLING], ["community_worker", "grid_worker"])
    assert _recipients(scopes["officer"], notice) == ["grid", "sibling", "worker"]
    # The inbox side (code prefixes × roles in SQL) agrees with the receipts side.
    assert _inboxes(staff) == {
        "admin": 0,
        "officer": 0,
        "town": 0,
        "worker": 1,
        "viewer": 0,
        "head": 0,
        "grid": 1,
        "sibling": 1,
        "town_worker": 0,
    }
    assert sorted(NoticeTarget.objects.filter(notice=notice).values_list("code", "role")) == [
        (COMMUNITY, "community_worker"),
        (COMMUNITY, "grid_worker"),
        (SIBLING, "community_worker"),
        (SIBLING, "grid_worker"),
    ]


def test_every_role_of_the_whole_district_but_not_the_sender(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["admin"], [DISTRICT, SUBDISTRICT])
    assert notice.audience_codes == [DISTRICT]  # the subdistrict is inside the district
    expected = sorted(set(staff) - {"admin"})
    assert _recipients(scopes["admin"], notice) == expected
    assert [k for k, n in _inboxes(staff).items() if n] == [k for k in staff if k != "admin"]


def test_an_account_created_later_gets_it_and_a_deactivated_one_does_not(
    staff: Staff, scopes: Scopes, make_user: Any
) -> None:
    notice = _send(scopes["officer"], [COMMUNITY], ["community_worker", "community_viewer"])
    assert _recipients(scopes["officer"], notice) == ["viewer", "worker"]
    newcomer = make_user("community_worker", COMMUNITY, username="newcomer")
    User.objects.filter(pk=staff["viewer"].pk).update(is_active=False)
    assert _recipients(scopes["officer"], notice) == ["newcomer", "worker"]
    assert selectors.unread_count(reader=reader(newcomer)) == 1
    assert [n.pk for n in selectors.inbox(reader=reader(newcomer))] == [notice.pk]
    assert selectors.read_counts(scope=scopes["officer"], notices=[notice]) == {
        notice.pk: selectors.ReadCount(read=0, total=2)
    }


def test_a_subdistrict_cannot_address_another_and_a_worker_cannot_send(
    staff: Staff, scopes: Scopes
) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(NotFound):
        _send(scopes["officer"], [COMMUNITY, TOWN_COMMUNITY])
    with pytest.raises(NotFound):
        _send(scopes["town"], [SUBDISTRICT])
    with pytest.raises(PermissionDenied):
        _send(scopes["worker"], [COMMUNITY])
    with pytest.raises(PermissionDenied):
        _send(scopes["head"], [COMMUNITY])
    assert Notice.objects.count() == 0
    assert AuditEntry.objects.count() == before


def test_the_fields_are_checked_and_named(staff: Staff, scopes: Scopes) -> None:
    cases = [
        ({"title": "  "}, [COMMUNITY], [], "title"),
        ({"body": ""}, [COMMUNITY], [], "body"),
        ({"title": "长" * 121}, [COMMUNITY], [], "title"),
        ({"priority": "very"}, [COMMUNITY], [], "priority"),
        ({}, [], [], "audience"),
        ({}, [SUBDISTRICT + "999"], [], "audience"),
        ({}, [COMMUNITY], ["mayor"], "roles"),
    ]
    for extra, audience, roles, field in cases:
        with pytest.raises(ApplicationError) as caught:
            _send(scopes["officer"], audience, roles, **extra)
        assert [e.field for e in caught.value.errors] == [field], extra
    assert Notice.objects.count() == 0


def test_the_read_receipt_is_written_once(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY])
    assert services.notice_open(
        scope=scopes["worker"], reader=reader(staff["worker"]), notice=notice
    )
    first = NoticeRead.objects.get(notice=notice, account=staff["worker"]).read_at
    assert not services.notice_open(
        scope=scopes["worker"], reader=reader(staff["worker"]), notice=notice
    )
    # The sender's office reading it is no receipt; nor is someone not addressed.
    assert not services.notice_open(
        scope=scopes["officer"], reader=reader(staff["officer"]), notice=notice
    )
    assert not services.notice_open(
        scope=scopes["sibling"], reader=reader(staff["sibling"]), notice=notice
    )
    assert list(NoticeRead.objects.filter(notice=notice).values_list("account_id", "read_at")) == [
        (staff["worker"].pk, first)
    ]
    assert AuditEntry.objects.filter(action="notices.notice.read").count() == 1
    rows = [
        (u.username, u.read_at is not None)
        for u in selectors.receipts(scope=scopes["officer"], notice=notice)
    ]
    # Unread first (by jurisdiction: the community, then its grid), then who read it.
    assert rows == [("head", False), ("viewer", False), ("grid", False), ("worker", True)]
    assert selectors.read_counts(scope=scopes["officer"], notices=[notice]) == {
        notice.pk: selectors.ReadCount(read=1, total=4)
    }
    assert selectors.unread_count(reader=reader(staff["worker"])) == 0
    assert selectors.unread_count(reader=reader(staff["head"])) == 1


def test_only_the_office_and_above_see_the_receipts(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY])
    assert len(list(selectors.receipts(scope=scopes["admin"], notice=notice))) == 4
    with pytest.raises(NotFound):
        selectors.sent_notice_get(scope=scopes["town"], pk=notice.pk)
    with pytest.raises(NotFound):
        selectors.sent_notice_get(scope=scopes["worker"], pk=notice.pk)
    assert [n.pk for n in selectors.sent(scope=scopes["officer"])] == [notice.pk]
    assert list(selectors.sent(scope=scopes["town"])) == []


def test_attachments_are_kept_byte_for_byte(staff: Staff, scopes: Scopes) -> None:
    files = [pdf(), docx(), txt("名单.txt", "gb18030")]
    contents = [f.read() for f in files]
    for f in files:
        f.seek(0)
    notice = _send(scopes["officer"], [COMMUNITY], files=files)
    stored = list(NoticeAttachment.objects.filter(notice=notice).order_by("position"))
    assert [(a.original_name, a.content_type, a.size) for a in stored] == [
        ("方案.pdf", "application/pdf", len(contents[0])),
        (
            "通知.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            len(contents[1]),
        ),
        ("名单.txt", "text/plain", len(contents[2])),
    ]
    assert [storage.path_of(a.stored_name).read_bytes() for a in stored] == contents
    assert all(a.original_name not in a.stored_name for a in stored)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("方案.pdf", b"MZ\x90\x00this is a program"), "not an allowed file"),
        (SimpleUploadedFile("程序.exe", b"%PDF-1.4 pretending"), "not an allowed file"),
        (SimpleUploadedFile("表.xlsx", b"PK\x03\x04 not a zip at all"), "not an allowed file"),
        (SimpleUploadedFile("说明.txt", b"text\x00with a NUL"), "not an allowed file"),
        (SimpleUploadedFile("空.pdf", b""), "is empty"),
    ],
)
def test_a_file_of_another_kind_is_refused(
    staff: Staff, scopes: Scopes, upload: Any, message: str
) -> None:
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        _send(scopes["officer"], [COMMUNITY], files=[pdf("好的.pdf"), upload])
    assert [(e.field, e.code) for e in caught.value.errors] == [("attachments", "invalid")]
    assert upload.name in caught.value.message and message in caught.value.message
    assert Notice.objects.count() == 0 and NoticeAttachment.objects.count() == 0
    assert list(storage.directory().iterdir()) == []


def test_size_and_number_of_attachments_are_limited(
    staff: Staff, scopes: Scopes, settings: Any
) -> None:
    settings.FANGKONG_NOTICE_ATTACHMENT_MAX_MB = 1
    big = pdf("大.pdf", extra=b"0" * (1024 * 1024))
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        _send(scopes["officer"], [COMMUNITY], files=[big])
    assert caught.value.errors[0].field == "attachments"
    assert caught.value.message == "大.pdf is larger than 1 MB."
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        _send(scopes["officer"], [COMMUNITY], files=[pdf(f"{n}.pdf") for n in range(6)])
    assert caught.value.message == "At most 5 attachments to one notice."
    assert Notice.objects.count() == 0


def test_withdraw_with_a_reason(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY], files=[pdf()])
    assert selectors.unread_count(reader=reader(staff["worker"])) == 1
    with pytest.raises(ApplicationError) as caught:
        services.notice_withdraw(scope=scopes["officer"], notice=notice, reason=" ")
    assert caught.value.errors[0].field == "reason"
    with pytest.raises(NotFound):
        services.notice_withdraw(scope=scopes["town"], notice=notice, reason="发错了")
    with pytest.raises(NotFound):  # a recipient is not the sender's office
        services.notice_withdraw(scope=scopes["worker"], notice=notice, reason="发错了")
    services.notice_withdraw(scope=scopes["officer"], notice=notice, reason="时间有变，另行通知")
    notice.refresh_from_db()
    assert notice.is_withdrawn and notice.withdrawn_reason == "时间有变，另行通知"
    assert notice.withdrawn_by_name == "王街道"
    assert selectors.unread_count(reader=reader(staff["worker"])) == 0
    # Recipients still find it in the inbox (as withdrawn), without its attachment.
    assert [n.pk for n in selectors.inbox(reader=reader(staff["worker"]))] == [notice.pk]
    attachment = NoticeAttachment.objects.get(notice=notice)
    with pytest.raises(NotFound):
        selectors.attachment_get(
            scope=scopes["worker"],
            reader=reader(staff["worker"]),
            notice_pk=notice.pk,
            pk=attachment.pk,
        )
    assert (
        selectors.attachment_get(
            scope=scopes["officer"],
            reader=reader(staff["officer"]),
            notice_pk=notice.pk,
            pk=attachment.pk,
        )
        == attachment
    )
    with pytest.raises(ApplicationError):
        services.notice_withdraw(scope=scopes["officer"], notice=notice, reason="再撤一次")
    assert list(
        AuditEntry.objects.filter(object_id=str(notice.pk), object_type="notices.notice")
        .order_by("id")
        .values_list("action", "reason")
    ) == [("notices.notice.sent", ""), ("notices.notice.withdrawn", "时间有变，另行通知")]


def test_the_unread_count_is_one_query(
    staff: Staff, scopes: Scopes, django_assert_num_queries: Any
) -> None:
    first = _send(scopes["officer"], [COMMUNITY], title="一")
    _send(scopes["admin"], [DISTRICT], title="二", priority="urgent")
    _send(scopes["officer"], [SIBLING], title="隔壁的")
    worker = reader(staff["worker"])
    with django_assert_num_queries(1):
        assert selectors.unread_count(reader=worker) == 2
    services.notice_open(scope=scopes["worker"], reader=worker, notice=first)
    assert selectors.unread_count(reader=worker) == 1
    assert [n.title for n in selectors.unread_latest(reader=worker)] == ["二"]
