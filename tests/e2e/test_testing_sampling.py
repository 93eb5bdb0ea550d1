"""A sampling point's phone goes offline, samples 50 people into 5 tubes (10-in-1), is
reloaded while still offline (the page comes back from its service worker's cache with
its scans still waiting in IndexedDB), comes back online, and every scan reaches the
server exactly once. Expected values come from the server's database (`server.query`).

The world is built straight in the server's database first: 50 people with valid
identity numbers (GB 11643 check digits by stdnum) in a compound of the demo community, a
campaign over that community opened by the huey consumer of `fangkong serve`, and a site
serving a controlled zone (10 samples a tube) with a device.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

PEOPLE = 50
POOL = 10

SETUP = """
import datetime as dt
from django.utils import timezone
from stdnum.cn import ric
from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.core.scope import Scope
from fangkong.registry import services as registry
from fangkong.registry.models import Person
from fangkong.testing.campaigns import services as campaigns
from fangkong.testing.sampling import services as sampling

district = "410106"
scope = Scope.system(reason="e2e sampling", code=district)
community = demo_places(district)["community"]
compound = registry.compound_create(scope=scope, jurisdiction_code=community, name="核酸演练小区")
building = registry.building_create(scope=scope, compound=compound, name="1")
unit = registry.unit_create(scope=scope, building=building, name="1")
numbers = []
serial = 0
while len(numbers) < params["people"]:
    i = len(numbers)
    if i % 5 == 0:
        household = registry.household_create(
            scope=scope, compound=compound, building=building, unit=unit, room=str(101 + i // 5)
        )
    serial += 1
    body = f"410106{1950 + i:04d}0{1 + i % 9}1{(i % 2) + 1}{serial:03d}"[:17]
    number = body + ric.calc_check_digit(body + "0")
    if Person.objects.filter(id_number=number).exists():
        continue
    registry.person_create(
        scope=scope, household=household, name=f"演练居民{i + 1:02d}", id_number=number
    )
    numbers.append(number)
now = timezone.now()
office = Scope.system(reason="e2e sampling", code=demo_places(district)["subdistrict"])
campaign = campaigns.campaign_create(
    scope=office,
    name="核酸采样离线演练",
    scope_codes=[community],
    starts_at=now - dt.timedelta(hours=1),
    ends_at=now + dt.timedelta(hours=12),
)
campaigns.campaign_open(scope=office, campaign=campaign)
site = sampling.site_create(
    scope=scope, jurisdiction_code=community, name="演练采样点", area="controlled"
)
device, token = sampling.device_create(scope=scope, site=site, name="演练手机")
result = {
    "numbers": numbers,
    "campaign": campaign.pk,
    "site": site.name,
    "token": token,
}
"""

STATUS = """
from fangkong.testing.models import Campaign, Target
c = Campaign.objects.select_related("job").get(pk=params["campaign"])
result = {
    "status": c.status,
    "job": c.job_id,
    "job_status": c.job.status if c.job else "",
    "targets": Target.objects.filter(campaign=c).count(),
}
"""

STORED = """
from django.db.models import Count, Sum
from fangkong.registry.models import Person
from fangkong.testing.models import Coverage, Sample, ScanReceipt, Tube
c = params["campaign"]
samples = Sample.objects.filter(campaign_id=c)
receipts = ScanReceipt.objects.filter(campaign_id=c)
people = dict(
    Person.objects.filter(pk__in=samples.values("person_id")).values_list("pk", "id_number")
)
result = {
    "samples": samples.count(),
    "sample_ids": sorted(samples.values_list("client_id", flat=True)),
    "people": sorted(people[p] for p in samples.values_list("person_id", flat=True)),
    "tubes": sorted(
        [t, n, s, p]
        for t, n, s, p in Tube.objects.filter(campaign_id=c).values_list(
            "barcode", "count", "status", "pool_size"
        )
    ),
    "receipt_ids": sorted(receipts.values_list("client_id", flat=True)),
    "receipts": dict(
        receipts.values("kind").annotate(n=Count("id")).values_list("kind", "n")
    ),
    "outcomes": sorted(set(receipts.values_list("outcome", flat=True))),
    "coverage_sampled": Coverage.objects.filter(campaign_id=c).aggregate(n=Sum("sampled"))["n"],
}
"""

LOCAL_SCANS = """
() => new Promise((resolve, reject) => {
  const open = indexedDB.open("fk-sampling");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const all = open.result.transaction("scans").objectStore("scans").getAll();
    all.onsuccess = () => resolve(all.result.map((s) => [s.id, s.kind, s.state, s.local === true]));
    all.onerror = () => reject(all.error);
  };
})
"""


def _count(page: Page, name: str) -> Any:
    return expect(page.locator(f"#counts [data-count={name}]"))


def _scan(page: Page, text: str) -> None:
    field = page.locator("#scan-input")
    field.fill(text)
    field.press("Enter")


def _wait_open(server: Server, campaign: int) -> int:
    """The campaign open, its target population written by the opening job that the
    huey consumer of `fangkong serve` runs (testing/tasks.py registers it)."""
    started = time.monotonic()
    state: dict[str, Any] = {}
    while time.monotonic() - started < 60:
        state = server.query(STATUS, campaign=campaign)
        if state["status"] == "open":
            return int(state["targets"])
        time.sleep(0.5)
    pytest.fail(f"the campaign did not open: {state}", pytrace=False)


def test_a_phone_samples_fifty_people_offline_and_every_scan_arrives_once(
    phone: Page, server: Server, shoot: Shoot, log_in: LogIn
) -> None:
    world = server.query(SETUP, people=PEOPLE)
    numbers: list[str] = world["numbers"]
    assert len(set(numbers)) == PEOPLE
    assert _wait_open(server, world["campaign"]) >= PEOPLE
    page = phone

    # Activation: the token comes in the fragment and leaves the address bar at once.
    page.goto(f"/testing/sampling/device/#{world['token']}")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    expect(page).to_have_url(re.compile(r"/testing/sampling/device/$"))
    expect(page.locator("#site-name")).to_have_text(world["site"])
    expect(page.locator("body")).to_have_attribute("data-offline-ready", "1")
    page.locator("#campaign").select_option(str(world["campaign"]))

    page.context.set_offline(True)
    expect(page.locator("#net")).to_have_attribute("data-online", "0")
    tubes = [f"E2E{world['campaign']:04d}-{t + 1:02d}" for t in range(PEOPLE // POOL)]
    for t, tube in enumerate(tubes):
        _scan(page, tube)
        expect(page.locator("#tube-code")).to_have_text(tube)
        expect(page.locator("#tube-size")).to_have_text(str(POOL))
        if t == 0:
            # A mistyped identity number is caught on the phone, offline.
            bad = numbers[0][:17] + ("0" if numbers[0][17] != "0" else "1")
            _scan(page, bad)
            expect(page.locator("#feedback")).to_have_attribute("data-kind", "error")
            _count(page, "rejected").to_have_text("1")
        for number in numbers[t * POOL : (t + 1) * POOL]:
            _scan(page, number)
        # Full: the tube closed itself.
        expect(page.locator("#tube-code")).to_have_text("—")
    sent = PEOPLE + 2 * len(tubes)  # 5 opens, 50 samples, 5 closes
    _count(page, "waiting").to_have_text(str(sent))
    _count(page, "confirmed").to_have_text("0")
    shoot(page, "testing-sampling-offline.png")

    # Reloaded while offline: the page comes from the service worker's cache, the scans
    # from IndexedDB, still waiting.
    response = page.reload()
    assert response is not None and response.from_service_worker
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    _count(page, "waiting").to_have_text(str(sent))
    _count(page, "rejected").to_have_text("1")
    assert server.query(STORED, campaign=world["campaign"])["receipts"] == {}

    page.context.set_offline(False)
    _count(page, "confirmed").to_have_text(str(sent), timeout=30_000)
    _count(page, "waiting").to_have_text("0")
    _count(page, "sent").to_have_text("0")
    _count(page, "rejected").to_have_text("1")
    shoot(page, "testing-sampling-sent.png")

    stored = server.query(STORED, campaign=world["campaign"])
    local = page.evaluate(LOCAL_SCANS)
    uploaded = [(i, kind) for i, kind, state, is_local in local if not is_local]
    assert all(state == "confirmed" for _i, _k, state, is_local in local if not is_local)
    assert stored["samples"] == PEOPLE
    assert stored["people"] == sorted(numbers)
    assert stored["sample_ids"] == sorted(i for i, kind in uploaded if kind == "sample")
    assert stored["receipt_ids"] == sorted(i for i, _kind in uploaded)
    assert stored["receipts"] == {"open": 5, "sample": PEOPLE, "close": 5}
    assert stored["outcomes"] == ["stored"]
    assert stored["tubes"] == [[tube, POOL, "closed", POOL] for tube in tubes]
    # The campaign's coverage counters moved with the scans, and its coverage page (the
    # campaigns area's) shows them to the subdistrict's officer.
    assert stored["coverage_sampled"] == PEOPLE
    log_in(page, "subdistrict_officer")
    page.goto(f"/testing/{world['campaign']}/coverage/")
    expect(page.locator("[data-total=sampled]").first).to_have_text(str(PEOPLE))
