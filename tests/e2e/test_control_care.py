"""A care-team member does the day's follow-ups on a 360×740 phone; a fever of 38.2 °C
raises an alert that the district then sees.

Setup (through `fangkong shell`, as the orders area would have made them): two approved
orders in force today with home quarantine for two people of the demo grid worker's
community, on a care team of which the grid worker's account is a member. Everything
checked afterwards is read from the pages and from the server's database.
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

SETUP = """
import datetime as dt
from django.utils import timezone
from fangkong.accounts.models import User
from fangkong.control.care import services
from fangkong.control.models import CareTeam, ControlOrder, OrderPhase, Policy
from fangkong.core.scope import Scope
from fangkong.registry.models import Person

system = Scope.system(reason="e2e setup")
worker = User.objects.get(username="grid_worker")
community = worker.jurisdiction_code[:12]
today = timezone.localdate()
now = timezone.now()
policy, _ = Policy.objects.get_or_create(
    jurisdiction_code=community[:6],
    family="e2e-care",
    version=1,
    defaults={
        "name": "E2E方案",
        "legal_basis": "《传染病防治法》",
        "effective_from": dt.date(2022, 1, 1),
        "created_at": now,
    },
)
approver = User.objects.get(username="subdistrict_officer")
busy = set(
    ControlOrder.objects.filter(status__in=["proposed", "active"]).values_list(
        "person_id", flat=True
    )
)
candidates = Person.objects.filter(
    community_code=community, status="active", household__isnull=False
).order_by("id")[:50]
people = [p for p in candidates if p.pk not in busy][:2]
team = CareTeam.objects.filter(jurisdiction_code=community, is_active=True).first()
if team is None:
    team = services.team_create(scope=system, jurisdiction_code=community, name="E2E包保专班")
if not team.members.filter(user=worker, is_active=True).exists():
    services.member_add(
        scope=system, team=team, role="grid_worker", name=worker.full_name, user=worker
    )
for person in people:
    order = ControlOrder.objects.create(
        person=person,
        jurisdiction_code=person.jurisdiction_code,
        community_code=person.community_code,
        household_id=person.household_id,
        trigger="close_contact",
        trigger_date=today - dt.timedelta(days=2),
        reason="密切接触者",
        policy=policy,
        policy_version=1,
        legal_basis=policy.legal_basis,
        status="active",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        notice_no=f"E2E-CARE-{person.pk}",
        proposed_at=now,
        decided_by=approver,
        decided_at=now,
    )
    OrderPhase.objects.create(
        order=order,
        jurisdiction_code=order.jurisdiction_code,
        position=1,
        measure="home",
        starts_on=order.starts_on,
        ends_on=order.ends_on,
    )
    services.team_assign(scope=system, team=team, order=order)
result = [{"id": p.pk, "name": p.name} for p in people]
"""

AFTER = """
from fangkong.control.models import Alert, FollowUp, TransferTask
ids = params["ids"]
slots = FollowUp.objects.filter(person_id__in=ids, slot=1)
alerts = Alert.objects.filter(person_id__in=ids)
result = {
    "slots": sorted((f.person_id, f.slot, f.status, str(f.temperature)) for f in slots),
    "alerts": [(a.pk, a.kind, a.person_id, a.level) for a in alerts],
    "transfers": TransferTask.objects.filter(person_id__in=ids, status="open").count(),
}
"""


def log_in_district_admin(page: Page, server: Server, log_in: LogIn) -> None:
    totp_code = server.start("totp_code", "district_admin")
    log_in(page, "district_admin")
    expect(page).to_have_url(re.compile(r"/accounts/login/totp/$"))
    page.locator("#id_code").fill(server.output(totp_code).strip())
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def _record(page: Page, name: str, temperature: str) -> None:
    row = page.locator("#followups .list-group-item", has_text=name)
    row.locator("[data-record]").click()
    expect(page.locator("h1")).to_contain_text(name)
    page.locator("#id_temperature").fill(temperature)
    page.locator("#save-followup").click()
    expect(page).to_have_url(re.compile(r"/control/care/followups/"))


def test_a_care_team_member_does_the_days_follow_ups_on_a_phone(
    phone: Page,
    desktop: Callable[[], Page],
    server: Server,
    log_in: LogIn,
    shoot: Shoot,
) -> None:
    people = server.query(SETUP)
    assert len(people) == 2
    well, feverish = people

    page = phone
    log_in(page, "grid_worker")
    page.goto("/control/care/followups/")
    expect(page.locator(".nav-link.active")).to_have_attribute("href", re.compile(r"show=mine"))
    for person in people:
        expect(page.locator("#followups")).to_contain_text(person["name"])
    shoot(page, "care-01-followups.png")

    _record(page, well["name"], "36.6")
    expect(page.locator(".alert-success")).to_contain_text(well["name"])
    page.locator("#followups .list-group-item", has_text=feverish["name"]).locator(
        "[data-record]"
    ).click()
    page.locator("#id_temperature").fill("38.2")
    page.locator("#symptom-cough").check()
    shoot(page, "care-02-form.png")
    page.locator("#save-followup").click()
    expect(page.locator(".alert-warning")).to_contain_text(feverish["name"])
    done = page.locator("#followups .list-group-item", has_text=well["name"])
    expect(done.locator('[data-slot="1"]')).to_have_attribute("data-status", "done")
    shoot(page, "care-03-after.png")

    state = server.query(AFTER, ids=[well["id"], feverish["id"]])
    assert [(pid, status, t) for pid, _slot, status, t in state["slots"]] == sorted(
        [(well["id"], "done", "36.6"), (feverish["id"], "done", "38.2")]
    )
    [(alert_id, kind, person_id, level)] = state["alerts"]
    assert (kind, person_id, level) == ("fever", feverish["id"], 1)
    assert state["transfers"] == 1

    admin = desktop()  # the desktop menu is shared by every module: not shot here
    log_in_district_admin(admin, server, log_in)
    admin.goto("/control/care/alerts/")
    item = admin.locator(f'#alerts [data-alert="{alert_id}"]')
    expect(item).to_contain_text(feverish["name"])
    expect(item).to_contain_text("38.2")
    admin.goto("/control/care/")
    expect(admin.locator('[data-total="alerts_1"]')).not_to_have_text("0")
