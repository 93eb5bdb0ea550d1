"""The public self-report page: a resident reports, gets a receipt, gets the same receipt
again; bad input is refused at its field without repeating it; bots and floods are
stopped; nothing says whether a person is in the registry."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fangkong.arrivals.models import ArrivalLink, ArrivalReport, RateCounter
from fangkong.core.models import AuditEntry
from tests.conftest import COMMUNITY, GRID, SIBLING
from tests.world import ID_ZHANG

from .conftest import NEWCOMER_ID, form_data, started

pytestmark = pytest.mark.usefixtures("areas")


def _url(link: ArrivalLink) -> str:
    return f"/arrivals/r/{link.token}/"


def _post(client: Client, link: ArrivalLink, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(_url(link), data, **extra)


def _errors(response: Any) -> dict[str, str]:
    """field -> the message shown beside it ("Label：message")."""
    page = response.content.decode()
    return {k: html.unescape(v) for k, v in re.findall(r'data-error="(\w+)">([^<]*)<', page)}


def test_the_page_names_the_community_and_its_compounds(resident: Client, links: Any) -> None:
    response = resident.get(_url(links[COMMUNITY]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="h4 mb-1">中安街社区</h1>' in page
    assert "金华小区" in page and "隔壁花园" not in page
    assert 'name="website"' in page and 'name="started"' in page
    assert "csrfmiddlewaretoken" in page
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("token", ["", "x", "A" * 22, "1"])
def test_an_unknown_link_is_not_found(resident: Client, links: Any, token: str) -> None:
    url = f"/arrivals/r/{token}/" if token else "/arrivals/r/-/"
    response = resident.get(url)
    assert response.status_code == 404
    assert "This link does not work." in response.content.decode()


def test_a_report_is_filed_classified_and_receipted(
    resident: Client, world: Any, links: Any
) -> None:
    response = _post(resident, links[COMMUNITY], form_data(world), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 303
    report = ArrivalReport.objects.get()
    assert response["Location"] == f"/arrivals/r/{links[COMMUNITY].token}/receipt/{report.receipt}/"
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{5}-[2-9A-HJ-NP-Z]{5}", report.receipt)
    mine = world[0]
    assert (
        report.community_code,
        report.jurisdiction_code,
        report.name,
        report.id_number,
        report.id_last4,
        report.phone,
        report.origin_code,
        report.origin_name,
        report.arrival_date,
        report.travel_mode,
        report.travel_number,
        report.companions_count,
        report.companions,
        report.compound_id,
        report.compound_name,
        report.address,
        report.symptoms,
        report.has_symptoms,
        report.temperature,
        report.classification,
        report.status,
        report.person_id,
    ) == (
        COMMUNITY,
        COMMUNITY,
        "韩雪梅",
        NEWCOMER_ID,
        NEWCOMER_ID[-4:],
        "13912345678",
        "420102",
        "湖北省武汉市江岸区",
        timezone.localdate() - dt.timedelta(days=1),
        "train",
        "G1234",
        1,
        "女儿",
        mine.compound.pk,
        "金华小区",
        "金华小区3号楼2单元502室",
        ["none"],
        False,
        Decimal("36.5"),
        "high",
        "waiting",
        None,
    )
    entry = AuditEntry.objects.get(action="arrivals.report.submitted")
    assert (entry.actor_id, entry.actor_name, entry.remote_addr, entry.object_id) == (
        None,
        "public",
        "203.0.113.9",
        str(report.pk),
    )
    assert entry.data == {"classification": "high"}
    receipt = resident.get(response["Location"])
    page = receipt.content.decode()
    assert receipt.status_code == 200
    assert f'<p class="fk-receipt mb-0" id="receipt">{report.receipt}</p>' in page
    for personal in ("韩雪梅", NEWCOMER_ID, NEWCOMER_ID[-4:], "13912345678", "5678", "江岸"):
        assert personal not in page


def test_a_compound_assigned_to_a_grid_files_the_report_in_the_grid(
    resident: Client, world: Any, links: Any, system_scope: Any
) -> None:
    from fangkong.registry import services as registry

    registry.place_move(scope=system_scope, place=world[0].compound, to_code=GRID)
    _post(resident, links[COMMUNITY], form_data(world))
    assert ArrivalReport.objects.get().jurisdiction_code == GRID


def test_sending_it_again_returns_the_same_receipt_and_changes_nothing(
    resident: Client, world: Any, links: Any
) -> None:
    first = _post(resident, links[COMMUNITY], form_data(world))
    audit = AuditEntry.objects.count()
    again = _post(
        Client(HTTP_ACCEPT_LANGUAGE="en"),
        links[COMMUNITY],
        form_data(world, phone="13700000000", name="冒名顶替", origin="上海市浦东新区"),
    )
    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    report = ArrivalReport.objects.get()
    assert (report.name, report.phone, report.origin_code) == ("韩雪梅", "13912345678", "420102")
    assert AuditEntry.objects.count() == audit
    # Another arrival date is another report; so is another community.
    later = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    assert (
        _post(resident, links[COMMUNITY], form_data(world, arrival_date=later)).status_code == 303
    )
    assert _post(resident, links[SIBLING], form_data(None)).status_code == 303
    assert ArrivalReport.objects.count() == 3


def test_the_answer_is_the_same_for_registered_and_unknown_people(world: Any, links: Any) -> None:
    known = _post(Client(), links[COMMUNITY], form_data(world, id_number=ID_ZHANG, name="张三"))
    unknown = _post(Client(), links[COMMUNITY], form_data(world))
    assert (known.status_code, unknown.status_code) == (303, 303)
    receipts = [r["Location"].rstrip("/").rsplit("/", 1)[1] for r in (known, unknown)]
    pages = [
        re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"',
            "",
            Client().get(r["Location"]).content.decode(),
        )
        .replace(receipt, "R")
        .replace(r["Location"], "L")
        for r, receipt in zip((known, unknown), receipts, strict=True)
    ]
    assert pages[0] == pages[1]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"id_number": NEWCOMER_ID[:-1] + ("0" if NEWCOMER_ID[-1] != "0" else "1")},
            "id_number",
            "Identity number：The check digit of the identity number is wrong.",
        ),
        (
            {"id_number": "12345"},
            "id_number",
            "Identity number：An identity number has 18 characters: 17 digits and a digit or X.",
        ),
        ({"phone": "12345"}, "phone", "Mobile phone：This is not a valid phone number."),
        (
            {"name": "韩1"},
            "name",
            "Name：Write the name as on the identity card (2 to 30 characters).",
        ),
        (
            {"name": "<script>alert(1)</script>"},
            "name",
            "Name：Name must not contain < >, brackets or web links.",
        ),
        (
            {"companions": "见 http://spam.example"},
            "companions",
            "Who they are：Who they are must not contain < >, brackets or web links.",
        ),
        (
            {"name": "韩" * 31},
            "name",
            "Name：Ensure this value has at most 30 characters (it has 31).",
        ),
        (
            {"origin": "湖北省"},
            "origin",
            "Coming from：Choose down to the county or district, e.g. 湖北省武汉市江岸区.",
        ),
        (
            {"origin": "火星市"},
            "origin",
            "Coming from：No region is called “火星市”; write its full name, "
            "e.g. 湖北省武汉市江岸区.",
        ),
        (
            {"arrival_date": "2001-01-01"},
            "arrival_date",
            "Arrival date：Report arrivals of the last 60 days; "
            "for earlier ones call the community.",
        ),
        (
            {"arrival_date": "2099-01-01"},
            "arrival_date",
            "Arrival date：Report at most 14 days before you arrive.",
        ),
        (
            {"travel_number": ""},
            "travel_number",
            "Train, flight or plate number：Give the train or flight number.",
        ),
        ({"travel_mode": "rocket"}, "travel_mode", "Means of travel：Choose one of the options."),
        ({"compound": "999999"}, "compound", "Compound：Choose one of the options."),
        (
            {"compound": "other", "compound_other": ""},
            "compound_other",
            "Compound (if not in the list)：Write the name of your compound.",
        ),
        ({"room": ""}, "room", "Room：This field is required."),
        ({"room": "5<0>1"}, "room", "Room：Room must not contain < >, brackets or web links."),
        (
            {"symptoms": ["none", "fever"]},
            "symptoms",
            "Symptoms in the last 14 days：“None” cannot be chosen with a symptom.",
        ),
        ({"symptoms": []}, "symptoms", "Symptoms in the last 14 days：This field is required."),
        (
            {"temperature": "45.5"},
            "temperature",
            "Temperature today (°C)：Ensure this value is less than or equal to 43.0.",
        ),
        ({"truthful": None}, "truthful", "Confirm that the report is true."),
    ],
)
def test_bad_input_is_refused_at_its_field(
    resident: Client, world: Any, links: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    data = form_data(world, **changes)
    if changes.get("truthful", "x") is None:
        data.pop("truthful", None)
    response = _post(resident, links[COMMUNITY], data)
    assert response.status_code == 400
    assert _errors(response) == {field: message}
    assert ArrivalReport.objects.count() == 0


def test_an_error_message_never_repeats_the_value(resident: Client, world: Any, links: Any) -> None:
    bad_id = NEWCOMER_ID[:-1] + ("0" if NEWCOMER_ID[-1] != "0" else "1")
    response = _post(resident, links[COMMUNITY], form_data(world, id_number=bad_id))
    page = response.content.decode()
    summary = page[
        page.index('id="form-errors"') : page.index("</div>", page.index('id="form-errors"'))
    ]
    assert bad_id not in summary
    assert "".join(_errors(response).values()).find(bad_id) == -1


def test_a_compound_of_another_community_is_refused(
    resident: Client, world: Any, links: Any
) -> None:
    other = world[1].compound.pk
    response = _post(resident, links[COMMUNITY], form_data(world, compound=str(other)))
    assert _errors(response) == {"compound": "Compound：Choose one of the options."}


def test_a_compound_not_in_the_registry_is_kept_as_written(
    resident: Client, world: Any, links: Any
) -> None:
    response = _post(
        resident, links[COMMUNITY], form_data(world, compound="other", compound_other="新建花园")
    )
    assert response.status_code == 303
    report = ArrivalReport.objects.get()
    assert (report.compound_id, report.compound_name, report.address) == (
        None,
        "新建花园",
        "新建花园3号楼2单元502室",
    )


@pytest.mark.parametrize(
    ("origin", "code", "classification"),
    [
        ("湖北省武汉市江岸区", "", "high"),
        ("", "310115", "medium"),  # a Shanghai district, inside the medium province
        ("北京市朝阳区", "", "other"),  # lifted five days ago
        ("河南省郑州市上街区", "", "other"),
        ("河南省郑州市上街区济源路街道", "", "other"),  # a Henan town is precise enough
    ],
)
def test_classification_on_the_arrival_date(
    resident: Client, world: Any, links: Any, origin: str, code: str, classification: str
) -> None:
    response = _post(resident, links[COMMUNITY], form_data(world, origin=origin, origin_code=code))
    assert response.status_code == 303, _errors(response)
    assert ArrivalReport.objects.get().classification == classification


def test_classified_by_the_day_of_arrival_not_the_day_of_report(
    resident: Client, world: Any, links: Any
) -> None:
    # 北京朝阳 was medium until five days ago: an arrival six days ago is medium.
    day = (timezone.localdate() - dt.timedelta(days=6)).isoformat()
    _post(resident, links[COMMUNITY], form_data(world, origin="北京市朝阳区", arrival_date=day))
    assert ArrivalReport.objects.get().classification == "medium"


def test_a_honeypot_filled_in_saves_nothing(resident: Client, world: Any, links: Any) -> None:
    response = _post(resident, links[COMMUNITY], form_data(world, website="http://spam"))
    assert response.status_code == 400
    assert "The report could not be accepted. Please try again." in response.content.decode()
    assert ArrivalReport.objects.count() == 0


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        ("now", "The form was sent too quickly; check it and send it again."),
        ("", "The form was sent too quickly; check it and send it again."),
        ("forged:stamp", "The form was sent too quickly; check it and send it again."),
        ("hours ago", "The form was open for too long; check it and send it again."),
    ],
)
def test_a_form_sent_at_once_or_forged_is_refused(
    resident: Client, world: Any, links: Any, stamp: str, message: str
) -> None:
    stamp = {"now": started(0), "hours ago": started(3 * 3600)}.get(stamp, stamp)
    response = _post(resident, links[COMMUNITY], form_data(world, started=stamp))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ArrivalReport.objects.count() == 0
    # The page comes back with a fresh stamp, so the resident only sends it again.
    fresh = re.search(r'name="started" value="([^"]+)"', response.content.decode())
    assert fresh is not None
    assert (
        _post(resident, links[COMMUNITY], form_data(world, started=fresh.group(1))).status_code
        == 400
    )  # still too quick


def test_csrf_stays_on(world: Any, links: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert _post(client, links[COMMUNITY], form_data(world)).status_code == 403
    page = client.get(_url(links[COMMUNITY])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    data = form_data(world, csrfmiddlewaretoken=token.group(1))
    assert _post(client, links[COMMUNITY], data).status_code == 303


def test_a_flood_from_one_address_gets_the_too_many_page(
    world: Any, links: Any, settings: Any
) -> None:
    settings.FANGKONG_ARRIVAL_LIMIT_PER_ADDRESS = "2/600"
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.7")
    bad = form_data(world, phone="1")
    assert [_post(client, links[COMMUNITY], bad).status_code for _ in range(2)] == [400, 400]
    limited = _post(client, links[COMMUNITY], form_data(world))
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 600
    page = limited.content.decode()
    assert "Too many submissions" in page and 'id="too-many"' in page
    assert NEWCOMER_ID not in page and "韩雪梅" not in page
    assert ArrivalReport.objects.count() == 0
    # Another address is not held up.
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.8")
    assert _post(other, links[COMMUNITY], form_data(world)).status_code == 303


def test_one_identity_number_is_limited_wherever_it_comes_from(
    world: Any, links: Any, settings: Any
) -> None:
    settings.FANGKONG_ARRIVAL_LIMIT_PER_ID = "2/3600"
    codes = []
    for n in range(3):
        client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"198.51.100.{10 + n}")
        day = (timezone.localdate() - dt.timedelta(days=n)).isoformat()
        codes.append(
            _post(client, links[COMMUNITY], form_data(world, arrival_date=day)).status_code
        )
    assert codes == [303, 303, 429]
    assert ArrivalReport.objects.count() == 2


def test_behind_a_proxy_the_client_is_what_the_proxy_saw(
    world: Any, links: Any, settings: Any
) -> None:
    settings.FANGKONG_ARRIVAL_LIMIT_PER_ADDRESS = "1/600"
    settings.FANGKONG_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    one = Client(HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.1", **proxy)
    two = Client(HTTP_X_FORWARDED_FOR="10.9.9.10, 203.0.113.2", **proxy)
    spoofing = Client(HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.1", **proxy)
    day = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    assert _post(one, links[COMMUNITY], form_data(world)).status_code == 303
    assert _post(two, links[COMMUNITY], form_data(world, arrival_date=day)).status_code == 303
    # The same client, claiming another address on the left, is still the same client.
    assert _post(spoofing, links[COMMUNITY], form_data(world)).status_code == 429


def test_the_counters_hold_neither_addresses_nor_numbers(world: Any, links: Any) -> None:
    client = Client(REMOTE_ADDR="203.0.113.77")
    _post(client, links[COMMUNITY], form_data(world))
    keys = list(RateCounter.objects.values_list("key", flat=True))
    assert len(keys) == 2
    for key in keys:
        assert "203.0.113" not in key and NEWCOMER_ID not in key and NEWCOMER_ID[-4:] not in key


def test_a_replaced_poster_stops_working(
    resident: Client, world: Any, links: Any, system_scope: Any
) -> None:
    from fangkong.arrivals import services

    old = links[COMMUNITY]
    new = services.link_replace(scope=system_scope, community_code=COMMUNITY)
    assert resident.get(_url(old)).status_code == 404
    assert _post(resident, old, form_data(world)).status_code == 404
    assert resident.get(_url(new)).status_code == 200
    assert ArrivalReport.objects.count() == 0


def test_a_receipt_is_found_only_through_its_own_community(
    resident: Client, world: Any, links: Any
) -> None:
    response = _post(resident, links[COMMUNITY], form_data(world))
    receipt = ArrivalReport.objects.get().receipt
    assert resident.get(response["Location"]).status_code == 200
    wrong = f"/arrivals/r/{links[SIBLING].token}/receipt/{receipt}/"
    assert resident.get(wrong).status_code == 404
    assert (
        resident.get(f"/arrivals/r/{links[COMMUNITY].token}/receipt/AAAAA-AAAAA/").status_code
        == 404
    )


def test_the_origin_picker_offers_counties(resident: Client, links: Any) -> None:
    page = resident.get(f"{_url(links[COMMUNITY])}regions/?origin=武汉").content.decode()
    codes = re.findall(r'data-code="(\d+)"', page)
    assert codes and all(len(c) >= 6 and c.startswith("4201") for c in codes)
    assert resident.get("/arrivals/r/nope/regions/?origin=武汉").status_code == 404
