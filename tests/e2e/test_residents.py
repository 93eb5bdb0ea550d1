"""A resident on a 360-px phone: signs in with the code the server's console outbox
received, sees the status page, asks for medicine; the community worker finds the
request in the queue and marks it done; the resident sees it done.

Expected values come from the server's database (`server.query`) and its outbox, never
from what the test itself typed.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

COMMUNITY = "410106001001"  # 中安街社区, the demo community_worker's community
WORKER = "community_worker"

# A resident of the community whose phone is on no other file and who has not asked
# for help yet; the masked name the status page shows.
RESIDENT = """
from django.db.models import Count
from fangkong.core.masking import mask_name
from fangkong.registry.models import Person
from fangkong.support.models import ServiceRequest

shared = (Person.objects.exclude(phone="").values("phone").annotate(n=Count("id"))
          .filter(n__gt=1).values("phone"))
asked = ServiceRequest.objects.values("person_id")
person = (Person.objects.filter(community_code=params["community"], status="active")
          .exclude(phone="").exclude(phone__in=shared).exclude(pk__in=asked)
          .order_by("id").first())
result = {"pk": person.pk, "phone": person.phone, "masked": mask_name(person.name)}
"""

REQUESTS = """
from fangkong.support.models import ServiceRequest
result = [
    {"id": r.pk, "kind": r.kind, "channel": r.channel, "status": r.status, "text": r.text,
     "note": r.note, "taken_by": r.taken_by_name, "community": r.community_code}
    for r in ServiceRequest.objects.filter(person_id=params["person"]).order_by("id")
]
"""


def read_code(server: Server, phone: str, after: int, timeout: float = 15.0) -> str:
    """The code of the first text message to `phone` after line `after` of the outbox
    (the server's huey consumer writes it in the background)."""
    outbox = server.var_dir / "sms" / "outbox.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists():
            lines = outbox.read_text(encoding="utf-8").splitlines()[after:]
            for line in lines:
                message = json.loads(line)
                if message["phone"] == phone and message["purpose"] == "otp":
                    found = re.findall(r"\d{6}", message["text"])
                    assert len(found) == 1, message["text"]
                    return found[0]
        time.sleep(0.2)
    pytest.fail(f"no code reached the outbox for {phone} within {timeout:.0f} s")


def outbox_lines(server: Server) -> int:
    outbox = server.var_dir / "sms" / "outbox.jsonl"
    return len(outbox.read_text(encoding="utf-8").splitlines()) if outbox.exists() else 0


def test_a_resident_asks_for_medicine_and_sees_it_done(
    phone: Page, browser: Browser, server: Server, log_in: LogIn, shoot: Shoot
) -> None:
    resident: dict[str, Any] = server.query(RESIDENT, community=COMMUNITY)
    page = phone
    # Sign in with the code sent to the phone.
    page.goto("/me/")
    expect(page).to_have_url(re.compile(r"/me/sign-in/\?next=/me/$"))
    expect(page.locator("#nav")).to_have_count(0)
    shoot(page, "60-resident-sign-in-phone.png")
    before = outbox_lines(server)
    page.locator("#id_phone").fill(resident["phone"])
    page.locator("#send-code").click()
    expect(page).to_have_url(re.compile(r"/me/sign-in/code/$"))
    expect(page.locator("#code-sent")).to_contain_text(
        resident["phone"][:3] + "****" + resident["phone"][-4:]
    )
    code = read_code(server, resident["phone"], before)
    page.locator("#id_code").fill(code)
    shoot(page, "61-resident-code-phone.png")
    page.locator("#check-code").click()

    # The status page: the masked name, no measures yet (a fresh demo resident).
    expect(page).to_have_url(re.compile(r"/me/$"))
    expect(page.locator("#resident-name")).to_have_text(resident["masked"])
    expect(page.locator("#no-requests")).to_be_visible()
    shoot(page, "62-resident-status-phone.png")

    # Ask for medicine.
    page.locator("#ask-help").click()
    expect(page).to_have_url(re.compile(r"/me/help/$"))
    page.locator("input[name=kind][value=medicine]").check()
    page.locator("#id_text").fill("降压药（硝苯地平缓释片）两盒，家里快吃完了")
    shoot(page, "63-resident-help-phone.png")
    page.locator("#send-help").click()
    expect(page).to_have_url(re.compile(r"/me/$"))
    [asked] = server.query(REQUESTS, person=resident["pk"])
    assert (asked["kind"], asked["channel"], asked["status"], asked["community"]) == (
        "medicine",
        "resident",
        "new",
        COMMUNITY,
    )
    mine = page.locator(f"[data-request='{asked['id']}']")
    expect(mine.locator("[data-status]")).to_have_attribute("data-status", "new")
    expect(mine).to_contain_text(asked["text"])

    # The community worker finds it in the queue and marks it done (on a phone too).
    context = browser.new_context(
        base_url=server.url, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    try:
        worker = context.new_page()
        log_in(worker, WORKER)
        worker.goto("/support/")
        item = worker.locator(f"#requests [data-request='{asked['id']}']")
        expect(item).to_be_visible()
        expect(item).to_contain_text(asked["text"])
        shoot(worker, "64-support-queue-phone.png")
        item.click()
        expect(worker).to_have_url(re.compile(rf"/support/{asked['id']}/$"))
        worker.locator("#take-button").click()
        expect(worker.locator("#request-taken")).to_be_visible()
        worker.locator("#id_note").fill("药已买到，送到门口，居民电话确认")
        worker.locator("#done-button").click()
        expect(worker.locator("[data-status]").first).to_have_attribute("data-status", "done")
        shoot(worker, "65-support-done-phone.png")
    finally:
        context.close()
    [handled] = server.query(REQUESTS, person=resident["pk"])
    assert handled["status"] == "done" and handled["taken_by"]

    # The resident sees it done, with what was done.
    page.reload()
    mine = page.locator(f"[data-request='{asked['id']}']")
    expect(mine.locator("[data-status]")).to_have_attribute("data-status", "done")
    expect(mine.locator("[data-note]")).to_contain_text(handled["note"])
    shoot(page, "66-resident-done-phone.png")
    page.locator("#sign-out").click()
    expect(page).to_have_url(re.compile(r"/me/sign-in/$"))
