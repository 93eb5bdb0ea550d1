"""Screening in the browser: the grid worker finishes a compound door to door on a
360-px phone and signs it; the community and the subdistrict sign after (逐一签字).

The demo's round leaves the grid worker's compound half done. What the test expects
comes from the server's database (`server.query`), never from what it typed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from collections.abc import Callable

    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

THE_TASK = """
from fangkong.accounts.models import User
from fangkong.screening.models import Record, Task
grid = User.objects.get(username="grid_worker").jurisdiction_code
task = (Task.objects.filter(jurisdiction_code__startswith=grid, round__status="open",
                            status="open").order_by("pk").first())
from fangkong.registry.models import Household, Person
recorded = set(Record.objects.filter(task=task, is_current=True)
               .values_list("household_id", flat=True))
todo = list(Household.objects.filter(compound_id=task.compound_id, is_active=True)
            .exclude(pk__in=recorded).order_by("pk").values_list("pk", flat=True))
members = {h: list(Person.objects.filter(household_id=h, status="active").order_by("pk")
                   .values_list("pk", flat=True)) for h in todo}
result = {"task": task.pk, "total": task.households_total, "todo": todo,
          "members": {str(k): v for k, v in members.items()}}
"""

AFTER = """
from fangkong.screening.models import Finding, Record, SignOff, Task
task = Task.objects.get(pk=params["task"])
finding = Finding.objects.filter(record__task=task, record__is_current=True,
                                 person_id=params["person"]).first()
result = {
    "status": task.status,
    "done": task.reached + task.empty + task.not_home,
    "total": task.households_total,
    "records": Record.objects.filter(task=task, is_current=True).count(),
    "signed": list(SignOff.objects.filter(task=task).order_by("signed_at")
                   .values_list("level", "signed_by_name")),
    "finding": finding and [finding.category, finding.origin_code, str(finding.arrived_on),
                            finding.travel_mode, finding.travel_number, str(finding.temperature)],
    "versions": sorted(set(Record.objects.filter(task=task).values_list("version", flat=True))),
}
"""


def test_door_to_door_on_a_phone_and_the_three_signatures(
    phone: Page,
    desktop: Callable[[], Page],
    server: Server,
    log_in: LogIn,
    shoot: Shoot,
) -> None:
    before = server.query(THE_TASK)
    task, todo = before["task"], before["todo"]
    assert todo, "the demo leaves the grid worker's compound half done"
    arrived = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    traveller = next(
        (before["members"][str(h)][0] for h in todo if before["members"][str(h)]), None
    )
    assert traveller is not None, "a household with people to screen"

    page = phone
    log_in(page, "grid_worker")
    page.goto("/screening/mine/")
    page.locator(f"a[href='/screening/tasks/{task}/']").click()
    shoot(page, "screening-01-task-phone.png")
    visited = 0
    while True:
        unfinished = page.locator("#buildings a", has=page.locator("[data-progress]"))
        links = [
            unfinished.nth(i).get_attribute("href")
            for i in range(unfinished.count())
            if not _complete(unfinished.nth(i).locator("[data-progress]").inner_text())
        ]
        if not links:
            break
        page.goto(links[0] or "")
        if visited == 0:
            shoot(page, "screening-02-building-phone.png")
        while page.locator("#households a[data-outcome='none']").count():
            page.locator("#households a[data-outcome='none']").first.click()
            expect(page.locator("#household-form")).to_be_visible()
            card = page.locator(f"[data-person='{traveller}']")
            if card.count():
                page.locator("label[for='outcome-reached']").click()
                card.locator("summary").click()
                prefix = f"p{traveller}"
                page.locator(f"#{prefix}_category").select_option("c1")
                page.locator(f"#{prefix}_origin").fill("湖北省武汉市江岸区")
                page.locator(f"#{prefix}_arrived").fill(arrived)
                page.locator(f"#{prefix}_travel").select_option("train")
                page.locator(f"#{prefix}_number").fill("g1234")
                page.locator(f"#{prefix}_temp").fill("36.6")
                shoot(page, "screening-03-household-phone.png")
            elif page.locator("[data-person]").count():
                page.locator("label[for='outcome-reached']").click()
            else:
                page.locator("label[for='outcome-empty']").click()
            page.locator("#save-household").click()
            expect(page.locator("#households")).to_be_visible()
            visited += 1
        page.goto(f"/screening/tasks/{task}/")
    assert visited == len(todo)

    # Every household has its record: the screener signs.
    page.locator("#sign-button").click()
    expect(page.locator("#signoffs li")).to_have_count(1)
    state = server.query(AFTER, task=task, person=traveller)
    assert (state["status"], state["done"], state["records"]) == (
        "screener",
        state["total"],
        state["total"],
    )
    assert state["finding"] == ["c1", "420102", arrived, "train", "G1234", "36.6"]

    # The community, then the subdistrict, each on their own account.
    for username, status in (
        ("community_worker", "community"),
        ("subdistrict_officer", "subdistrict"),
    ):
        office = desktop()
        log_in(office, username)
        office.goto(f"/screening/tasks/{task}/")
        office.locator("#sign-button").click()
        expect(office.locator("#signoffs li")).to_have_count(2 if status == "community" else 3)
        assert server.query(AFTER, task=task, person=traveller)["status"] == status
    state = server.query(AFTER, task=task, person=traveller)
    assert [level for level, _name in state["signed"]] == ["screener", "community", "subdistrict"]
    assert [name for _level, name in state["signed"]] == ["杨磊", "张晓燕", "王建华"]

    # Signed data is locked: a change without a reason is refused, nothing is written.
    page.goto(f"/screening/tasks/{task}/households/{todo[0]}/")
    expect(page.locator("#id_correction_reason")).to_be_visible()
    page.locator("label[for='outcome-empty']").click()
    page.locator("#save-household").click()
    expect(page.locator(".alert-danger, .invalid-feedback").first).to_be_visible()
    assert server.query(AFTER, task=task, person=traveller)["versions"] == state["versions"]


def _complete(progress: str) -> bool:
    done, total = (int(x) for x in progress.strip().split("/"))
    return done >= total
