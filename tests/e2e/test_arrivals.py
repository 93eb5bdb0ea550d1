"""A resident's arrival self-report on a 360-px phone, from the community's public page to
the person file: report, receipt, the same receipt again; a community worker finds it in
the queue classified against the risk areas, verifies it, and it is on the person file.

Expected values come from the server's database (`server.query`), never from what the
test itself typed.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from .conftest import LogIn, Server, Shoot

pytestmark = pytest.mark.e2e

COMMUNITY = "410106001001"  # 中安街社区, the demo community_worker's community
WORKER = "community_worker"
ORIGIN_QUERY = "江岸"
ORIGIN_CODE = "420102"  # 湖北省武汉市江岸区, high risk in the demo list
MIN_FILL_SECONDS = 3.5

# A resident of the community with an identity number, a phone and a household, who
# has not reported yet; the community's poster token; what the list says of the origin.
CANDIDATE = """
import datetime as dt
from django.utils import timezone
from fangkong.arrivals.models import ArrivalLink, ArrivalReport
from fangkong.registry.models import Person
from fangkong.riskareas.selectors import level_on

reported = ArrivalReport.objects.values_list("id_number", flat=True)
person = (Person.objects.filter(community_code=params["community"], status="active",
                                household__isnull=False)
          .exclude(id_number=None).exclude(id_number__in=reported)
          .select_related("household__compound", "household__building", "household__unit")
          .order_by("id").first())
link = ArrivalLink.objects.get(jurisdiction_code=params["community"], replaced_at=None)
day = timezone.localdate() - dt.timedelta(days=1)
h = person.household
result = {
    "token": link.token, "person": person.pk, "name": person.name,
    "id_number": person.id_number, "phone": person.phone or "13900001234",
    "compound": h.compound_id, "building": h.building.name if h.building else "",
    "unit": h.unit.name if h.unit else "",
    "room": h.name, "day": day.isoformat(),
    "level": level_on(origin_code=params["origin"], day=day, district=params["community"][:6]),
}
"""

REPORTS = """
from fangkong.arrivals.models import ArrivalReport
result = [
    {"id": r.pk, "receipt": r.receipt, "classification": r.classification, "status": r.status,
     "person": r.person_id, "origin": r.origin_code, "outcome": r.outcome}
    for r in ArrivalReport.objects.filter(id_number=params["id_number"]).order_by("id")
]
"""


def fill_report(page: Page, server: Server, resident: dict[str, Any]) -> None:
    """The resident's form, typed like a person with one thumb."""
    page.goto(f"/arrivals/r/{resident['token']}/")
    opened = time.monotonic()
    expect(page.locator("#arrival-form")).to_be_visible()
    page.locator("#id_name").fill(resident["name"])
    page.locator("#id_id_number").fill(resident["id_number"])
    page.locator("#id_phone").fill(resident["phone"])
    page.locator("#id_origin").press_sequentially(ORIGIN_QUERY, delay=80)
    choice = page.locator(f"#id_origin-results [data-code='{ORIGIN_CODE}']")
    expect(choice).to_be_visible()
    choice.click()
    expect(page.locator("#id_origin_code")).to_have_value(ORIGIN_CODE)
    page.locator("#id_arrival_date").fill(resident["day"])
    page.locator("#id_travel_mode").select_option("train")
    page.locator("#id_travel_number").fill("G1234")
    page.locator("#id_companions_count").fill("0")
    page.locator("#id_compound").select_option(str(resident["compound"]))
    page.locator("#id_building").fill(resident["building"])
    page.locator("#id_unit").fill(resident["unit"])
    page.locator("#id_room").fill(resident["room"])
    page.locator("#f-symptoms input[value=none]").check()
    page.locator("#id_temperature").fill("36.4")
    page.locator("#id_truthful").check()
    left = MIN_FILL_SECONDS - (time.monotonic() - opened)
    if left > 0:  # a person takes longer than the page's minimum fill time
        page.wait_for_timeout(left * 1000)
    page.locator("#send-report").click()
    expect(page).to_have_url(re.compile(rf"/arrivals/r/{resident['token']}/receipt/[0-9A-Z-]+/$"))


def test_self_report_to_verified_on_the_person_file(
    phone: Page, server: Server, log_in: LogIn, shoot: Shoot
) -> None:
    page = phone
    resident = server.query(CANDIDATE, community=COMMUNITY, origin=ORIGIN_CODE)
    assert resident["level"] == "high", "the demo lists the origin as high risk"
    assert dt.date.fromisoformat(resident["day"])

    # The resident: the public page, the form, the receipt.
    page.goto(f"/arrivals/r/{resident['token']}/")
    shoot(page, "08-arrival-form-phone.png")
    fill_report(page, server, resident)
    reports = server.query(REPORTS, id_number=resident["id_number"])
    assert len(reports) == 1
    receipt = reports[0]["receipt"]
    expect(page.locator("#receipt")).to_have_text(receipt)
    body = page.locator("main").inner_text()
    for personal in (resident["name"], resident["id_number"], resident["phone"]):
        assert personal not in body
    shoot(page, "09-arrival-receipt-phone.png")

    # The same report again: the same receipt, still one report.
    fill_report(page, server, resident)
    expect(page.locator("#receipt")).to_have_text(receipt)
    assert len(server.query(REPORTS, id_number=resident["id_number"])) == 1

    # The community worker: the queue, classified; the report; the verification.
    log_in(page, WORKER)
    page.goto("/arrivals/")
    report = reports[0]
    item = page.locator(f"#reports [data-report='{report['id']}']")
    expect(item).to_be_visible()
    expect(item.locator("[data-classification]")).to_have_attribute(
        "data-classification", report["classification"]
    )
    assert report["classification"] == resident["level"] == "high"
    masked = resident["id_number"][:4] + "*" * 10 + resident["id_number"][-4:]
    expect(item.locator(".fk-masked")).to_contain_text(masked)
    shoot(page, "10-arrival-queue-phone.png")
    item.click()
    expect(page).to_have_url(re.compile(rf"/arrivals/{report['id']}/$"))
    expect(page.locator("#registered-person a")).to_have_attribute(
        "href", f"/registry/persons/{resident['person']}/"
    )
    form = page.locator("#verify-form")
    form.locator("select[name=outcome]").select_option("confirmed")
    form.locator("input[name=note]").fill("上门核实，体温正常")
    form.locator("#verify-button").click()
    expect(page.locator("#verification")).to_be_visible()
    done = server.query(REPORTS, id_number=resident["id_number"])[0]
    assert (done["status"], done["outcome"], done["person"]) == (
        "verified",
        "confirmed",
        resident["person"],
    )
    shoot(page, "11-arrival-verified-phone.png")

    # On the person file: the report and its verification on the timeline.
    page.locator(f"#linked-person a[href='/registry/persons/{resident['person']}/']").click()
    expect(page).to_have_url(re.compile(rf"/registry/persons/{resident['person']}/$"))
    expect(page.locator(f"#timeline a[href='/arrivals/{report['id']}/']")).to_have_count(2)
