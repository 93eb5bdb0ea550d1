"""A notice to staff in the browser.

The district administrator sends a notice with an attachment to the community workers
of 中安街社区, watching the preview count its recipients; the community worker logs in
on a phone, sees the banner above the page, opens the notice and downloads the
attachment (the same bytes); the district's read-receipt page then shows her read.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

COMMUNITY = "410106001001"  # 中安街社区, the demo community worker's
TITLE = "关于本周开展第二轮全员核酸检测的通知"
BODY = "各社区：\n请于本周五17时前完成摸底，名单见附件。"
ATTACHMENT = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

RECIPIENTS = """
from fangkong.accounts.models import User
result = sorted(
    User.objects.filter(
        is_active=True, role_id="community_worker", jurisdiction_code__startswith=params["code"]
    ).values_list("username", flat=True)
)
"""

UNREAD = """
from fangkong.accounts.models import User
from fangkong.notices import selectors
user = User.objects.get(username=params["username"])
result = selectors.unread_count(reader=selectors.reader_of(user))
"""

NOTICE = """
from fangkong.notices.models import Notice, NoticeRead
notice = Notice.objects.filter(title=params["title"]).order_by("-id").first()
result = notice and {
    "id": notice.pk,
    "audience": notice.audience_codes,
    "roles": notice.audience_roles,
    "sent_by": notice.sent_by_name,
    "attachments": list(notice.attachments.values_list("pk", "original_name", "size")),
    "reads": list(
        NoticeRead.objects.filter(notice=notice).values_list("account__username", flat=True)
    ),
}
"""


def log_in_district_admin(page: Page, server: Server, log_in: LogIn) -> None:
    totp_code = server.start("totp_code", "district_admin")
    log_in(page, "district_admin")
    expect(page).to_have_url(re.compile(r"/accounts/login/totp/$"))
    page.locator("#id_code").fill(server.output(totp_code).strip())
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_the_district_sends_and_a_worker_reads(
    server: Server,
    desktop: Callable[[], Page],
    phone: Page,
    log_in: LogIn,
    shoot: Shoot,
    tmp_path: Path,
) -> None:
    recipients = server.query(RECIPIENTS, code=COMMUNITY)
    assert "community_worker" in recipients

    admin = desktop()
    log_in_district_admin(admin, server, log_in)
    admin.goto("/notices/new/")
    admin.locator("#id_title").fill(TITLE)
    admin.locator("#id_body").fill(BODY)
    admin.locator("#priority-urgent").check()
    admin.locator(f"#audience-{COMMUNITY}").check()
    admin.locator("#role-community_worker").check()
    expect(admin.locator("#recipient-count")).to_have_attribute("data-count", str(len(recipients)))
    admin.locator("#id_attachments").set_input_files(
        {"name": "摸底名单.pdf", "mimeType": "application/pdf", "buffer": ATTACHMENT}
    )
    shoot(admin, "notices-01-compose.png")
    admin.locator("#send-button").click()
    expect(admin).to_have_url(re.compile(r"/notices/\d+/receipts/$"))
    sent = server.query(NOTICE, title=TITLE)
    assert sent["audience"] == [COMMUNITY] and sent["roles"] == ["community_worker"]
    assert [(name, size) for _pk, name, size in sent["attachments"]] == [
        ("摸底名单.pdf", len(ATTACHMENT))
    ]
    assert sent["reads"] == []
    summary = admin.locator("#read-summary")
    expect(summary).to_have_attribute("data-read", "0")
    expect(summary).to_have_attribute("data-total", str(len(recipients)))

    # The community worker, on a phone: the banner on her first page.
    log_in(phone, "community_worker")
    banner = phone.locator("#notices-banner")
    expect(banner).to_contain_text(TITLE)
    unread = server.query(UNREAD, username="community_worker")
    assert unread >= 1
    expect(phone.locator("#notices-badge-phone")).to_have_text(str(unread))
    shoot(phone, "notices-02-banner.png")
    banner.get_by_role("link", name=TITLE).click()
    expect(phone.locator("#notice-title")).to_have_text(TITLE)
    expect(phone.locator("#notice-body")).to_have_text(BODY)
    # Read now: the banner no longer shows it (the demo's own notice to the district
    # stays unread until she opens it).
    assert server.query(UNREAD, username="community_worker") == unread - 1
    if unread > 1:
        expect(phone.locator("#notices-banner")).not_to_contain_text(TITLE)
    else:
        expect(phone.locator("#notices-banner")).to_have_count(0)
    with phone.expect_download() as download_info:
        phone.locator("#attachments a").first.click()
    download = download_info.value
    assert download.suggested_filename == "摸底名单.pdf"
    saved = tmp_path / "attachment.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == ATTACHMENT
    shoot(phone, "notices-03-notice.png")
    assert server.query(NOTICE, title=TITLE)["reads"] == ["community_worker"]

    # The district's read receipts.
    admin.reload()
    summary = admin.locator("#read-summary")
    expect(summary).to_have_attribute("data-read", "1")
    expect(summary).to_contain_text(f"1/{len(recipients)}")
    row = admin.locator('#receipts tr[data-username="community_worker"]')
    expect(row).to_have_attribute("data-read", "1")
    shoot(admin, "notices-04-receipts.png")
