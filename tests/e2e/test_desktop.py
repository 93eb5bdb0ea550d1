"""Office work on a 1366×900 desktop: the subdistrict's tree with counts and chart, a
data-entry account that cannot export, and the district admin's audit log (TOTP).
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

SUBDISTRICT = "410106001"  # 济源路街道
FALLBACK_REASON = "核对推送名单"

TREE_COUNTS = """
from fangkong.core.models import Jurisdiction
from fangkong.registry.models import Household, Person

def persons(code):
    return Person.objects.filter(status="active", jurisdiction_code__startswith=code).count()

children = {
    c.name: [persons(c.code),
             Household.objects.filter(is_active=True, jurisdiction_code__startswith=c.code)
             .count()]
    for c in Jurisdiction.objects.filter(parent_id=params["code"])
}
result = {"children": children, "total": persons(params["code"])}
"""

EXPORT_AUDIT = """
from fangkong.core.models import AuditEntry

result = AuditEntry.objects.filter(actor_name=params["actor"],
                                   action__startswith="export").count()
"""


def number(text: str) -> int:
    return int(text.replace(",", "").strip())


def test_subdistrict_officer_sees_the_tree(
    desktop: Callable[[], Page], server: Server, log_in: LogIn, shoot: Shoot
) -> None:
    page = desktop()
    log_in(page, "subdistrict_officer")
    page.goto("/registry/tree/")
    expect(page).to_have_url(re.compile(rf"/registry/tree/{SUBDISTRICT}/$"))
    expect(page.locator("h1")).to_contain_text("济源路街道")

    expected = server.query(TREE_COUNTS, code=SUBDISTRICT)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(len(expected["children"]))
    shown = {}
    for row in rows.all():
        cells = row.locator("td")
        shown[cells.nth(0).locator("a").inner_text().strip()] = [
            number(cells.nth(1).inner_text()),
            number(cells.nth(2).inner_text()),
        ]
    assert shown == expected["children"]
    assert "中安街社区" in shown
    expect(page.locator("[data-count=persons]")).to_have_text(f"{expected['total']:,}")

    # The chart: ECharts draws an SVG with the communities on its axis.
    chart = page.locator("[data-chart] svg")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("中安街社区")
    shoot(page, "06-tree-desktop.png")


def test_data_entry_cannot_export(
    desktop: Callable[[], Page], server: Server, log_in: LogIn
) -> None:
    page = desktop()
    log_in(page, "data_entry")
    page.goto("/registry/persons/")
    expect(page.locator("#person-results a.list-group-item").first).to_be_visible()
    expect(page.locator("#export-button")).to_have_count(0)
    expect(page.locator("form[action^='/registry/persons/export/']")).to_have_count(0)
    # The page's own form token (the logout form has one), posted as a browser would.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    assert token
    response = page.request.post(
        "/registry/persons/export/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": page.url, "Origin": server.url},
    )
    assert response.status == 403
    # Refused for the role by our 403 page, not by Django's CSRF failure page.
    assert "fk-navbar" in response.text()
    assert server.query(EXPORT_AUDIT, actor="data_entry") == 0


def reveal_as_worker(page: Page, log_in: LogIn) -> dict[str, object]:
    """The worker's reveal, for when this test runs without the phone journey before it."""
    log_in(page, "community_worker")
    page.goto("/registry/persons/")
    first = page.locator("#person-results a.list-group-item").first
    href = first.get_attribute("href") or ""
    first.click()
    form = page.locator("#reveal-form")
    form.locator("#reveal-field").select_option("id_number")
    form.locator("#reveal-reason").fill(FALLBACK_REASON)
    form.locator("button[type=submit]").click()
    expect(page.locator("#reveal-result [data-revealed=id_number]")).to_have_count(1)
    person_id = int(re.findall(r"\d+", href)[0])
    return {"person_id": person_id, "reason": FALLBACK_REASON}


def test_district_admin_reads_the_audit_log(
    desktop: Callable[[], Page], server: Server, log_in: LogIn, shoot: Shoot
) -> None:
    revealed = server.state.get("revealed") or reveal_as_worker(desktop(), log_in)

    page = desktop()
    totp_code = server.start("totp_code", "district_admin")
    log_in(page, "district_admin")
    expect(page).to_have_url(re.compile(r"/accounts/login/totp/$"))
    code = server.output(totp_code).strip()
    assert re.fullmatch(r"\d{6}", code), code
    page.locator("#id_code").fill(code)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    page.goto("/audit/?action=registry.person.revealed&actor=community_worker")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect(cells.nth(2)).to_have_text("community_worker")
    expect(cells.nth(3)).to_have_text("registry.person.revealed")
    expect(cells.nth(4)).to_contain_text(str(revealed["person_id"]))
    expect(cells.nth(6)).to_have_text(str(revealed["reason"]))
    shoot(page, "07-audit-log.png")
