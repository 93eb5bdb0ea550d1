"""A control order from proposal to release, in the browser.

The demo community worker proposes a manual order for a resident of 中安街社区 from the
propose page (reached from the person file), with a trigger date nine days ago (the
server's clock cannot be moved: the order starts in the past so that it is due today);
the demo subdistrict officer (another account) approves it, opens the printable notice
and checks what it says, enters the negative test of day 7 and signs the release.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

COMMUNITY = "410106001001"  # 中安街社区, the demo community worker's

CANDIDATE = """
from fangkong.control.models import ControlOrder
from fangkong.registry.models import Person
from django.utils import timezone
busy = ControlOrder.objects.filter(status__in=["proposed", "active"]).values("person_id")
person = (
    Person.objects.filter(community_code=params["community"], status="active")
    .exclude(phone="").exclude(pk__in=busy).order_by("-id").first()
)
result = {"id": person.pk, "name": person.name, "today": timezone.localdate().isoformat()}
"""

ORDER = """
from fangkong.accounts.models import User
from fangkong.control.models import ControlOrder, OrderEvent, OrderTest
order = ControlOrder.objects.filter(person_id=params["person"]).order_by("-id").first()
result = order and {
    "id": order.pk,
    "status": order.status,
    "notice_no": order.notice_no,
    "reason": order.reason,
    "legal_basis": order.legal_basis,
    "starts_on": order.starts_on.isoformat(),
    "ends_on": order.ends_on.isoformat(),
    "proposed_by": order.proposed_by_name,
    "decided_by": order.decided_by_name,
    "officer": User.objects.get(username="subdistrict_officer").full_name,
    "worker": User.objects.get(username="community_worker").full_name,
    "tests": list(OrderTest.objects.filter(order=order).values_list("pk", "due_on", "status")),
    "events": list(
        OrderEvent.objects.filter(order=order).order_by("at", "id").values_list("kind", flat=True)
    ),
}
"""


def test_propose_approve_print_and_release(
    server: Server,
    desktop: Callable[[], Page],
    phone: Page,
    log_in: LogIn,
    shoot: Shoot,
) -> None:
    candidate = server.query(CANDIDATE, community=COMMUNITY)
    today = dt.date.fromisoformat(candidate["today"])
    start = today - dt.timedelta(days=9)

    # The community worker, on a phone, from the person file's propose link.
    log_in(phone, "community_worker")
    phone.goto(f"/control/orders/propose/?person={candidate['id']}")
    expect(phone.locator("#person-card")).to_contain_text(candidate["name"])
    phone.locator("#id_trigger").select_option("manual")
    phone.locator("#id_trigger_date").fill(start.isoformat())
    phone.locator("#id_reason").fill("与确诊病例同一单位办公，单位排查报告（E2E）")
    shoot(phone, "control-01-propose.png")
    phone.locator("#propose-button").click()
    expect(phone).to_have_url(re.compile(r"/control/orders/\d+/$"))
    proposed = server.query(ORDER, person=candidate["id"])
    assert proposed["status"] == "proposed"
    assert proposed["proposed_by"] == proposed["worker"]
    assert (proposed["starts_on"], proposed["ends_on"]) == (
        start.isoformat(),
        (start + dt.timedelta(days=6)).isoformat(),
    )
    # The proposer cannot approve (no such permission, and not the second person).
    expect(phone.locator("#approve-button")).to_have_count(0)

    # The subdistrict officer approves it.
    officer = desktop()
    log_in(officer, "subdistrict_officer")
    officer.goto(f"/control/orders/{proposed['id']}/")
    officer.locator("#approve-button").click()
    approved = server.query(ORDER, person=candidate["id"])
    assert approved["status"] == "active" and approved["decided_by"] == approved["officer"]
    expect(officer.locator("#notice-no")).to_have_text(approved["notice_no"])

    # The printable notice says why, how long, on what basis, whom to call, how to appeal.
    officer.locator("#notice-link").click()
    expect(officer.locator("#notice-number")).to_have_text(approved["notice_no"])
    expect(officer.locator("#notice-reason")).to_have_text(approved["reason"])
    expect(officer.locator("#notice-legal")).to_have_text(approved["legal_basis"])
    expect(officer.locator("#notice-period")).to_contain_text(
        f"{approved['starts_on']} – {approved['ends_on']}"
    )
    expect(officer.locator("#notice-approver")).to_have_text(approved["officer"])
    expect(officer.locator("#notice-appeal")).to_contain_text("60")
    expect(officer.locator("#notice-appeal")).to_contain_text("6")
    shoot(officer, "control-02-notice.png")

    # Day 7 was three days ago: its test is due; negative, then the release.
    officer.goto(f"/control/orders/{proposed['id']}/")
    [(test_id, due_on, status)] = approved["tests"]
    assert (due_on, status) == ((start + dt.timedelta(days=6)).isoformat(), "scheduled")
    officer.locator(f"#r{test_id}-negative").check()
    officer.locator(f"li[data-test='{test_id}'] button[type=submit]").click()
    expect(officer.locator(f"li[data-test='{test_id}']")).to_have_attribute(
        "data-status", "negative"
    )
    expect(officer.locator("#due-badge")).to_be_visible()
    officer.locator("#release-button").click()
    expect(officer.locator("span[data-status]").first).to_have_attribute("data-status", "released")
    released = server.query(ORDER, person=candidate["id"])
    assert released["status"] == "released"
    assert released["events"][:4] == ["proposed", "approved", "test", "released"]
    assert "notified" in released["events"]  # the SMS (console backend) after the commit
