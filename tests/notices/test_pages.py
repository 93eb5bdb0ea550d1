"""The pages of notices: inbox and badge, the banner on other pages, one notice (the
read receipt), attachments, compose with its preview, sent notices, read receipts and
their export, withdrawal."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest

from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.notices import services
from fangkong.notices.models import Notice, NoticeAttachment, NoticeRead
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, TOWN_COMMUNITY

from .conftest import client_for, docx, pdf

pytestmark = pytest.mark.django_db
Staff = dict[str, User]
Scopes = dict[str, Scope]


def _send(scope: Scope, audience: list[str], **extra: Any) -> Notice:
    return services.notice_send(
        scope=scope,
        title=extra.pop("title", "关于开展全员核酸检测的通知"),
        body=extra.pop("body", "各社区：\n请于今日17时前完成。"),
        audience=audience,
        **extra,
    )


def _ids(content: bytes, attribute: str = "data-notice") -> list[int]:
    return [int(pk) for pk in re.findall(rf'{attribute}="(\d+)"'.encode(), content)]


def _badge(content: bytes) -> str | None:
    found = re.search(rb'id="notices-badge">(\d+)<', content)
    return found.group(1).decode() if found else None


def test_the_inbox_puts_unread_first_and_the_badge_counts_them(
    staff: Staff, scopes: Scopes, django_assert_max_num_queries: Any
) -> None:
    old = _send(scopes["officer"], [COMMUNITY], title="旧通知")
    urgent = _send(scopes["admin"], [DISTRICT], title="紧急通知", priority="urgent")
    _send(scopes["officer"], [SIBLING], title="隔壁的通知")
    services.notice_open(
        scope=scopes["worker"],
        reader=_reader(staff["worker"]),
        notice=urgent,
    )
    newest = _send(scopes["officer"], [COMMUNITY], title="最新通知", files=[pdf()])
    client = client_for(staff["worker"])
    with django_assert_max_num_queries(12):
        page = client.get("/notices/")
    assert page.status_code == 200
    assert _ids(page.content) == [newest.pk, old.pk, urgent.pk]
    assert re.findall(rb'data-unread="(\d)"', page.content) == [b"1", b"1", b"0"]
    assert _badge(page.content) == "2"
    assert "隔壁的通知" not in page.content.decode()
    # The banner is on every other staff page (the inbox lists them itself).
    assert b'id="notices-banner"' not in page.content
    for url in ("/", "/accounts/me/"):
        text = client.get(url).content.decode()
        banner = text.split('id="notices-banner"')[1].split("</div>\n</div>")[0]
        assert re.findall(r'href="/notices/(\d+)/"', banner) == [str(newest.pk), str(old.pk)]
        assert "Unread notices: 2" in banner and "紧急通知" not in banner


def _reader(user: User) -> Any:
    from .conftest import reader

    return reader(user)


def test_no_badge_for_a_recipient_of_nothing_or_an_anonymous_visitor(
    staff: Staff, scopes: Scopes, client: Any
) -> None:
    _send(scopes["officer"], [COMMUNITY])
    page = client_for(staff["sibling"]).get("/accounts/me/")
    assert b'id="nav-notices"' in page.content and _badge(page.content) is None
    assert b'id="notices-banner"' not in page.content
    login = client.get("/accounts/login/")
    assert b'id="nav-notices"' not in login.content


def test_opening_a_notice_is_its_read_receipt(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY], body="第一行\n<script>alert(1)</script>")
    client = client_for(staff["worker"])
    page = client.get(f"/notices/{notice.pk}/")
    assert page.status_code == 200
    body = page.content.decode().split('id="notice-body">')[1].split("</div>")[0]
    assert body == "第一行\n&lt;script&gt;alert(1)&lt;/script&gt;"
    assert _badge(page.content) is None
    read = NoticeRead.objects.get(notice=notice)
    assert read.account_id == staff["worker"].pk
    client.get(f"/notices/{notice.pk}/")
    assert list(NoticeRead.objects.filter(notice=notice).values_list("read_at", flat=True)) == [
        read.read_at
    ]
    # The sender's office opens it: no receipt.
    assert client_for(staff["officer"]).get(f"/notices/{notice.pk}/").status_code == 200
    assert NoticeRead.objects.filter(notice=notice).count() == 1


def test_outside_the_audience_the_notice_and_its_files_are_not_found(
    staff: Staff, scopes: Scopes
) -> None:
    notice = _send(
        scopes["officer"], [COMMUNITY], roles=["community_worker"], files=[pdf(), docx()]
    )
    attachment = NoticeAttachment.objects.filter(notice=notice).order_by("position").first()
    assert attachment is not None
    before = AuditEntry.objects.count()
    for who in ("sibling", "viewer", "town", "town_worker"):
        client = client_for(staff[who])
        assert client.get(f"/notices/{notice.pk}/").status_code == 404, who
        url = f"/notices/{notice.pk}/files/{attachment.pk}/"
        assert client.get(url).status_code == 404, who
    assert NoticeRead.objects.count() == 0 and AuditEntry.objects.count() == before


def test_the_downloaded_file_is_the_uploaded_one(staff: Staff, scopes: Scopes) -> None:
    upload = docx("会议纪要.docx")
    original = upload.read()
    upload.seek(0)
    notice = _send(scopes["officer"], [COMMUNITY], files=[upload])
    attachment = NoticeAttachment.objects.get(notice=notice)
    for who in ("worker", "officer", "admin"):
        response = client_for(staff[who]).get(f"/notices/{notice.pk}/files/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == original
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action="notices.attachment.downloaded").count() == 3


def test_compose_sends_with_attachments(staff: Staff, scopes: Scopes) -> None:
    client = client_for(staff["officer"])
    page = client.get("/notices/new/")
    assert page.status_code == 200
    offered = re.findall(rb'name="audience" value="(\d+)"', page.content)
    assert offered == [b"410106001", COMMUNITY.encode(), SIBLING.encode()]
    response = client.post(
        "/notices/new/",
        {
            "title": "防控工作部署",
            "body": "请各社区做好准备。",
            "priority": "urgent",
            "audience": [COMMUNITY],
            "roles": ["community_worker", "community_head"],
            "attachments": [pdf(), docx()],
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/notices/{notice.pk}/receipts/"
    assert (notice.jurisdiction_code, notice.audience_codes, notice.audience_roles) == (
        "410106001",
        [COMMUNITY],
        ["community_head", "community_worker"],
    )
    assert notice.priority == "urgent" and notice.sent_by_name == "王街道"
    assert list(notice.attachments.values_list("original_name", flat=True)) == [
        "方案.pdf",
        "通知.docx",
    ]
    entry = AuditEntry.objects.get(action="notices.notice.sent")
    assert entry.data["recipients"] == 2 and entry.actor_id == staff["officer"].pk


def test_a_refused_file_is_named_under_its_field(staff: Staff, scopes: Scopes) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("名单.xlsx", b"MZ\x90\x00 an executable")
    response = client_for(staff["officer"]).post(
        "/notices/new/",
        {
            "title": "防控工作部署",
            "body": "请各社区做好准备。",
            "priority": "normal",
            "audience": [COMMUNITY],
            "attachments": [fake],
        },
    )
    assert response.status_code == 400
    error = response.content.decode().split('id="attachments-error">')[1].split("</div>")[0]
    assert error == (
        "名单.xlsx is not an allowed file, or its content does not match its name. "
        "Allowed: pdf, doc, docx, xls, xlsx, jpg, png, txt."
    )
    assert Notice.objects.count() == 0


def test_compose_is_for_senders_and_their_own_jurisdiction(staff: Staff, scopes: Scopes) -> None:
    assert client_for(staff["worker"]).get("/notices/new/").status_code == 403
    data = {"title": "越权", "body": "x", "priority": "normal", "audience": [TOWN_COMMUNITY]}
    assert client_for(staff["officer"]).post("/notices/new/", data).status_code == 404
    assert client_for(staff["worker"]).post("/notices/new/", data).status_code == 403
    assert Notice.objects.count() == 0


def test_the_preview_counts_the_recipients(staff: Staff, scopes: Scopes) -> None:
    client = client_for(staff["officer"])
    page = client.get(f"/notices/new/preview/?audience={COMMUNITY}&roles=community_worker")
    assert re.findall(rb'data-count="(\d+)"', page.content) == [b"1"]
    page = client.get(f"/notices/new/preview/?audience={COMMUNITY}&audience={SIBLING}")
    # worker, viewer, head, grid; sibling
    assert re.findall(rb'data-count="(\d+)"', page.content) == [b"5"]
    assert client.get(f"/notices/new/preview/?audience={TOWN_COMMUNITY}").status_code == 404


def test_sent_notices_show_their_read_counts(
    staff: Staff, scopes: Scopes, django_assert_max_num_queries: Any
) -> None:
    first = _send(scopes["officer"], [COMMUNITY], title="一")
    second = _send(scopes["officer"], [COMMUNITY, SIBLING], roles=["community_worker"], title="二")
    _send(scopes["town"], ["410106100"], title="镇里的")
    for who, notice in (("worker", first), ("worker", second), ("sibling", second)):
        client_for(staff[who]).get(f"/notices/{notice.pk}/")
    officer = client_for(staff["officer"])
    with django_assert_max_num_queries(12):
        page = officer.get("/notices/sent/")
    assert _ids(page.content) == [second.pk, first.pk]
    counts = re.findall(rb'data-read="(\d+)" data-total="(\d+)"', page.content)
    assert counts == [(b"2", b"2"), (b"1", b"4")]
    assert "Read 2/2" in page.content.decode()
    assert client_for(staff["worker"]).get("/notices/sent/").status_code == 403


def test_the_receipts_page_and_its_export_show_the_same_rows(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY])
    client_for(staff["head"]).get(f"/notices/{notice.pk}/")
    read_at = NoticeRead.objects.get(notice=notice).read_at
    client = client_for(staff["officer"])
    page = client.get(f"/notices/{notice.pk}/receipts/")
    assert page.status_code == 200
    rows = re.findall(rb'data-username="(\w+)" data-read="(\d)"', page.content)
    assert rows == [(b"viewer", b"0"), (b"worker", b"0"), (b"grid", b"0"), (b"head", b"1")]
    assert re.findall(rb'id="read-summary" data-read="(\d+)" data-total="(\d+)"', page.content) == [
        (b"1", b"4")
    ]
    response = client.post(f"/notices/{notice.pk}/receipts/export/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = values.index(["Jurisdiction", "Name", "Account", "Role", "Read", "Read at"])
    body = values[header + 1 :]
    from django.utils import timezone

    local = f"{timezone.localtime(read_at):%Y-%m-%d %H:%M:%S}"
    assert [r[:5] for r in body] == [
        ["中安街社区", "陈查看", "viewer", "Community viewer", "Unread"],
        ["中安街社区", "张社工", "worker", "Community worker", "Unread"],
        ["中安街社区第一网格", "杨网格", "grid", "Grid worker", "Unread"],
        ["中安街社区", "马书记", "head", "Community head", "Read"],
    ]
    assert f"{body[3][5]:%Y-%m-%d %H:%M:%S}" == local
    assert AuditEntry.objects.filter(action="export.downloaded").count() == 1
    assert client_for(staff["town"]).get(f"/notices/{notice.pk}/receipts/").status_code == 404


def test_the_receipts_a_page_at_a_time_and_the_unread_alone(
    staff: Staff, scopes: Scopes, monkeypatch: Any
) -> None:
    from fangkong.notices import views

    monkeypatch.setattr(views, "RECEIPTS_PER_PAGE", 2)
    notice = _send(scopes["officer"], [COMMUNITY])
    client_for(staff["head"]).get(f"/notices/{notice.pk}/")
    client = client_for(staff["officer"])
    url = f"/notices/{notice.pk}/receipts/"

    def shown(response: Any) -> list[tuple[bytes, bytes]]:
        assert response.status_code == 200
        return re.findall(rb'data-username="(\w+)" data-read="(\d)"', response.content)

    first = client.get(url)
    assert shown(first) == [(b"viewer", b"0"), (b"worker", b"0")]
    # The summary counts every recipient, not the page.
    summary = rb'id="read-summary" data-read="(\d+)" data-total="(\d+)"'
    assert re.findall(summary, first.content) == [(b"1", b"4")]
    assert b'data-page="next"' in first.content and b'data-page="previous"' not in first.content
    second = client.get(url + "?page=2")
    assert shown(second) == [(b"grid", b"0"), (b"head", b"1")]
    assert b'data-page="next"' not in second.content
    assert shown(client.get(url + "?show=unread")) == [(b"viewer", b"0"), (b"worker", b"0")]
    assert shown(client.get(url + "?show=unread&page=2")) == [(b"grid", b"0")]
    assert shown(client.get(url + "?show=read")) == [(b"head", b"1")]
    assert shown(client.get(url + "?show=nonsense")) == [(b"viewer", b"0"), (b"worker", b"0")]
    # The export holds the list shown: the unread alone, every one of them.
    response = client.post(url + "export/", {"show": "unread"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = values.index(["Jurisdiction", "Name", "Account", "Role", "Read", "Read at"])
    assert [r[2] for r in values[header + 1 :]] == ["viewer", "worker", "grid"]
    assert [c for r in values[:header] for c in r if c and "(Unread)" in str(c)] == [
        f"Filters：notice: {notice.title} (Unread)"
    ]


def test_withdrawing_shows_the_recipients_why(staff: Staff, scopes: Scopes) -> None:
    notice = _send(scopes["officer"], [COMMUNITY], files=[pdf()])
    attachment = NoticeAttachment.objects.get(notice=notice)
    client = client_for(staff["officer"])
    refused = client.post(f"/notices/{notice.pk}/withdraw/", {"reason": ""})
    assert refused.status_code == 400
    done = client.post(f"/notices/{notice.pk}/withdraw/", {"reason": "时间调整，另行通知"})
    assert done.status_code == 302
    worker = client_for(staff["worker"])
    page = worker.get(f"/notices/{notice.pk}/")
    text = page.content.decode()
    reason = text.split('id="withdrawn-reason">')[1].split("</span>")[0]
    assert reason == "时间调整，另行通知"
    assert 'id="attachments"' not in text
    assert worker.get(f"/notices/{notice.pk}/files/{attachment.pk}/").status_code == 404
    inbox = worker.get("/notices/")
    assert re.findall(rb'data-unread="(\d)"', inbox.content) == [b"0"]
    assert _badge(inbox.content) is None
