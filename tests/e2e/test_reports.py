"""The daily report in the browser: a community fills it in and submits it on a phone,
the subdistrict sees it among its communities, signs it and submits its own.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

COMMUNITY = "410106001001"  # 中安街社区, the demo community worker's
SUBDISTRICT = "410106001"  # 济源路街道, the demo subdistrict officer's

REPORT = """
from django.utils import timezone
from fangkong.accounts.models import User
from fangkong.reports.models import DailyReport
report = (
    DailyReport.objects.filter(jurisdiction_code=params["code"], day=timezone.localdate())
    .order_by("-version").first()
)
result = {
    "today": timezone.localdate().isoformat(),
    "worker": User.objects.get(username="community_worker").full_name,
    "officer": User.objects.get(username="subdistrict_officer").full_name,
    "report": report and {
        "status": report.status,
        "version": report.version,
        "duty": report.duty_staff,
        "filled_by": report.filled_by_name,
        "signed_by": report.signed_by_name,
        "figures": report.figures,
        "children": {c["code"]: c["status"] for c in report.children},
    },
}
"""


def test_a_community_submits_and_the_subdistrict_signs(
    server: Server,
    desktop: Callable[[], Page],
    phone: Page,
    log_in: LogIn,
    shoot: Shoot,
) -> None:
    before = server.query(REPORT, code=COMMUNITY)
    today = before["today"]

    # The community worker, on a phone: the menu's 日报 opens today's report.
    log_in(phone, "community_worker")
    phone.goto("/reports/")
    expect(phone).to_have_url(re.compile(rf"/reports/daily/{COMMUNITY}/{today}/$"))
    phone.locator("#edit-button").click()
    phone.locator("#id_duty_staff").fill("张晓燕 13800000000（E2E）")
    phone.locator("#id_problems").fill("测温枪不足")
    phone.locator("#save-button").click()
    expect(phone.locator("#report-duty")).to_contain_text("张晓燕 13800000000（E2E）")
    shoot(phone, "reports-01-community.png")
    phone.locator("#submit-button").click()
    expect(phone.locator("#report-status")).to_have_text("已上报")
    submitted = server.query(REPORT, code=COMMUNITY)["report"]
    assert submitted["status"] == "submitted"
    assert submitted["filled_by"] == before["worker"]
    assert submitted["duty"] == "张晓燕 13800000000（E2E）"
    expect(phone.locator("#report-filled-by")).to_contain_text(before["worker"])
    # The worker does not sign.
    expect(phone.locator("#sign-button")).to_have_count(0)
    persons = submitted["figures"]["population.persons"]
    expect(phone.locator('[id="figure-population.persons"]')).to_have_text(str(persons))

    # The subdistrict officer sees the community among its communities, and signs it.
    officer = desktop()
    log_in(officer, "subdistrict_officer")
    officer.goto(f"/reports/daily/{SUBDISTRICT}/{today}/")
    row = officer.locator(f"#child-{COMMUNITY}")
    expect(row).to_contain_text("已上报")
    row.get_by_role("link").first.click()
    expect(officer).to_have_url(re.compile(rf"/reports/daily/{COMMUNITY}/{today}/$"))
    officer.locator("#sign-button").click()
    expect(officer.locator("#report-status")).to_have_text("已签发")
    signed = server.query(REPORT, code=COMMUNITY)["report"]
    assert (signed["status"], signed["signed_by"]) == ("signed", before["officer"])

    # Its own report adds up its communities and goes upward.
    officer.goto(f"/reports/daily/{SUBDISTRICT}/{today}/")
    officer.locator("#edit-button").click()
    officer.locator("#id_duty_staff").fill("王建华（E2E）")
    officer.locator("#save-button").click()
    officer.locator("#submit-button").click()
    expect(officer.locator("#report-status")).to_have_text("已上报")
    own = server.query(REPORT, code=SUBDISTRICT)["report"]
    assert own["status"] == "submitted" and own["filled_by"] == before["officer"]
    assert own["children"][COMMUNITY] == "signed"
    expect(officer.locator(f"#child-{COMMUNITY}")).to_contain_text("已签发")
    shoot(officer, "reports-02-subdistrict.png")
