"""A pushed list from import to closed, with a re-route, in the browser.

The district imports a list naming a person registered in another community of 济源路街道
while the list says the person lives in 中安街社区: the check lands in the wrong
community; the subdistrict re-routes it; the worker of 中安街社区 records "found at
home" on a 360×740 phone; the district sees the list closed and exports the results
for the sender, which carry the outcome.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

SUBDISTRICT = "410106001"  # 济源路街道
COMMUNITY = "410106001001"  # 中安街社区, the demo community worker's
IMPORT_TIMEOUT = 30_000
LIST_NAME = "E2E省指挥部协查名单"

# Someone of 济源路街道 living elsewhere than 中安街社区, with an identity number and no
# open check (the demo lists have some people already).
CANDIDATE = """
from fangkong.registry.models import Person
from fangkong.pushlists.models import VerificationTask
from fangkong.core.models import Jurisdiction

busy = set(
    VerificationTask.objects.exclude(status="closed").values_list("subject_key", flat=True)
)
person = next(
    p for p in Person.objects.filter(
        community_code__startswith=params["subdistrict"], status="active", id_number__isnull=False
    ).exclude(community_code=params["community"]).order_by("id")
    if f"p:{p.pk}" not in busy
)
result = {
    "id": person.pk,
    "name": person.name,
    "id_number": person.id_number,
    "community": person.community_code,
    "community_name": Jurisdiction.objects.get(code=person.community_code).name,
    "code": person.jurisdiction_code,
}
"""

TASK = """
from fangkong.pushlists.models import VerificationTask
task = VerificationTask.objects.filter(person_id=params["person"]).order_by("-id").first()
result = task and {"id": task.pk, "code": task.jurisdiction_code, "status": task.status,
                   "outcome": task.outcome, "verified_by": task.verified_by_name}
"""

LABELS = """
from django.utils import translation
from fangkong.core.models import Jurisdiction
from fangkong.accounts.models import User
from fangkong.pushlists.models import VerificationTask
translation.activate("zh-hans")
result = {
    "found_at_home": str(VerificationTask.Outcome.FOUND_AT_HOME.label),
    "measure": str(VerificationTask.Measure.HEALTH_MONITORING.label),
    "closed": str(VerificationTask.Status.CLOSED.label),
    "community": Jurisdiction.objects.get(code=params["community"]).name,
    "worker": User.objects.get(username="community_worker").full_name,
}
"""


def write_list(path: Path, person: dict[str, Any]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["关于开展重点人员落地核查的通知"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "姓名", "身份证号", "推送来源", "推送原因", "现住址"])
    sheet.append(
        [1, person["name"], person["id_number"], "通信大数据", "近14天武汉漫游", "中安街社区"]
    )
    sheet.append([2, "艾力江", "", "民航", "同航班", "乌鲁木齐市天山区"])
    for cell in sheet["C"]:
        cell.number_format = "@"
    book.save(path)
    return path


def log_in_district_admin(page: Page, server: Server, log_in: LogIn) -> None:
    totp_code = server.start("totp_code", "district_admin")
    log_in(page, "district_admin")
    expect(page).to_have_url(re.compile(r"/accounts/login/totp/$"))
    page.locator("#id_code").fill(server.output(totp_code).strip())
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_a_push_list_from_import_to_closed_with_a_re_route(
    desktop: Callable[[], Page],
    phone: Page,
    server: Server,
    log_in: LogIn,
    shoot: Shoot,
    tmp_path: Path,
) -> None:
    person = server.query(CANDIDATE, subdistrict=SUBDISTRICT, community=COMMUNITY)
    labels = server.query(LABELS, community=COMMUNITY)

    # 1. The district imports the list.
    admin = desktop()
    log_in_district_admin(admin, server, log_in)
    admin.goto("/pushlists/new/")
    form = admin.locator("#list-form")
    form.locator("input[name=name]").fill(LIST_NAME)
    form.locator("input[name=source]").fill("省指挥部")
    form.locator("input[name=deadline_hours]").fill("24")
    form.locator("input[name=file]").set_input_files(write_list(tmp_path / "list.xlsx", person))
    form.locator("button[type=submit]").click()
    expect(admin).to_have_url(re.compile(r"/pushlists/imports/\d+/$"))
    summary = admin.locator("#import-summary")
    expect(admin.locator("#import-summary, #import-error")).to_be_visible(timeout=IMPORT_TIMEOUT)
    if admin.locator("#import-error").count():
        pytest.fail(f"{admin.locator('#import-error').inner_text()}\n{server.last_traceback()}")
    expect(summary.locator("[data-summary=created]")).to_have_text("2")
    expect(admin.locator("[data-summary=id_number]")).to_have_text("1")
    expect(admin.locator("[data-summary=unmatched]")).to_have_text("1")
    shoot(admin, "pushlists-1-imported.png")

    # 2. The check landed where the registry has the person: the wrong community.
    task = server.query(TASK, person=person["id"])
    assert task["code"] == person["code"] and task["status"] == "open"
    assert not task["code"].startswith(COMMUNITY)

    # 3. The subdistrict re-routes it to 中安街社区; the deadline stays.
    officer = desktop()
    log_in(officer, "subdistrict_officer")
    officer.goto(f"/pushlists/tasks/?q={person['name']}")
    officer.locator(f"[data-task='{task['id']}']").click()
    expect(officer.locator("[data-place]")).to_contain_text(person["community_name"])
    officer.locator("details:has(#reroute-form) > summary").click()
    reroute = officer.locator("#reroute-form")
    reroute.locator("select[name=to]").select_option(COMMUNITY)
    reroute.locator("input[name=reason]").fill("推送地址在中安街社区，本人住在那里")
    reroute.locator("button[type=submit]").click()
    expect(officer.locator("[data-place]")).to_have_text(labels["community"])
    expect(officer.locator("#history [data-event=rerouted]")).to_have_count(1)
    assert server.query(TASK, person=person["id"])["code"] == COMMUNITY

    # 4. The community worker checks on the ground, on a phone.
    page = phone
    log_in(page, "community_worker")
    page.goto("/pushlists/tasks/")
    page.locator("input[name=q]").fill(person["name"])
    page.locator("input[name=q]").press("Enter")
    item = page.locator(f"[data-task='{task['id']}']")
    expect(item).to_be_visible()
    shoot(page, "pushlists-2-checks-phone.png")
    item.click()
    expect(page.locator("#record-form")).to_be_visible()
    page.locator("#outcome-found_at_home").check()
    page.locator("#record-form select[name=measure]").select_option("health_monitoring")
    page.locator("#record-form textarea[name=note]").fill("已告知居家健康监测14天")
    shoot(page, "pushlists-3-record-phone.png")
    page.locator("#record-button").click()
    expect(page.locator("#task-status")).to_have_attribute("data-status", "closed")
    expect(page.locator("#task-outcome [data-outcome]")).to_have_text(labels["found_at_home"])
    shoot(page, "pushlists-4-closed-phone.png")
    recorded = server.query(TASK, person=person["id"])
    assert (recorded["status"], recorded["outcome"], recorded["verified_by"]) == (
        "closed",
        "found_at_home",
        labels["worker"],
    )

    # 5. The district sees the list closed and sends the results back.
    admin.goto("/pushlists/")
    admin.locator("#push-lists a", has_text=LIST_NAME).click()
    expect(admin.locator("[data-count=matched]")).to_have_text("1")
    expect(admin.locator("[data-count=verified]")).to_have_text("1")
    expect(admin.locator("[data-count=closed]")).to_have_text("1")
    expect(admin.locator("[data-count=unmatched]")).to_have_text("1")
    shoot(admin, "pushlists-5-list-closed.png")
    with admin.expect_download() as download_info:
        admin.locator("#export-button").click()
    exported = tmp_path / "results.xlsx"
    download_info.value.save_as(exported)
    sheet = openpyxl.load_workbook(exported).active
    assert isinstance(sheet, Worksheet)
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    row = next(r for r in rows if r[1] == person["name"])
    assert row[2] == person["id_number"][:4] + "*" * 10 + person["id_number"][-4:]
    assert (row[9], row[10], row[11], row[13], row[14]) == (
        labels["community"],
        labels["closed"],
        labels["found_at_home"],
        labels["measure"],
        labels["worker"],
    )
    assert row[15] is not None  # checked at
