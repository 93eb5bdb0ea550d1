"""The scans' ingest through the device API (ADR 0018): stored once, answered after
commit, mis-scans caught with a stable code, the counters moved in the same batch."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from fangkong.testing.codes import new_card_token
from fangkong.testing.models import (
    Card,
    Coverage,
    Lab,
    Sample,
    ScanReceipt,
    SiteHour,
    Target,
    TransportBox,
    Tube,
)
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, DISTRICT, SIBLING
from tests.world import ID_WANG, ID_ZHANG

from .conftest import TWorld

pytestmark = pytest.mark.django_db

URL = "/api/v1/testing/scans"


def scan(kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kind": kind, "at": timezone.now().isoformat(), **fields}


def post(client: Client, token: str, campaign: int, scans: list[dict[str, Any]]) -> Any:
    response = client.post(
        URL,
        {"campaign": campaign, "scans": scans},
        content_type="application/json",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.content
    return response.json()


def card_for(tw: TWorld, person: Any) -> str:
    token = new_card_token()
    Card.objects.create(
        person=person,
        jurisdiction_code=person.jurisdiction_code,
        token=token,
        issued_at=timezone.now(),
    )
    return token


def test_a_tube_of_two_stored_once_and_counted(tw: TWorld, client: Client) -> None:
    token = card_for(tw, tw.mine.housemate)
    batch = [
        scan("open", tube="T0001"),
        scan("sample", tube="T0001", code=ID_ZHANG),
        scan("sample", tube="t0001", code=token.lower()),
        scan("close", tube="T0001"),
    ]
    body = post(client, tw.token, tw.campaign.pk, batch)
    assert [(r["status"], r["outcome"], r["code"], r["count"]) for r in body["results"]] == [
        ("stored", "stored", "", 0),
        ("stored", "stored", "", 1),
        ("stored", "stored", "", 2),
        ("stored", "stored", "", 2),
    ]
    tube = Tube.objects.get(barcode="T0001")
    assert (tube.pool_size, tube.count, tube.status, tube.site_id) == (20, 2, "closed", tw.site.pk)
    assert sorted(Sample.objects.values_list("person_id", "code_kind", "outside")) == sorted(
        [(tw.mine.person.pk, "id", False), (tw.mine.housemate.pk, "card", False)]
    )
    sampled = Target.objects.filter(campaign=tw.campaign, sampled_at__isnull=False)
    assert set(sampled.values_list("person_id", flat=True)) == {
        tw.mine.person.pk,
        tw.mine.housemate.pk,
    }
    assert list(
        Coverage.objects.filter(campaign=tw.campaign)
        .order_by("jurisdiction_code")
        .values_list("jurisdiction_code", "target", "sampled", "outside")
    ) == [(COMMUNITY, 2, 2, 0), (SIBLING, 2, 0, 0)]
    assert SiteHour.objects.get(campaign=tw.campaign, site=tw.site).samples == 2

    # The same batch again (a retry after a lost answer): nothing new, same answers.
    again = post(client, tw.token, tw.campaign.pk, batch)
    assert [r["status"] for r in again["results"]] == ["duplicate"] * 4
    assert Sample.objects.count() == 2
    assert ScanReceipt.objects.count() == 4
    assert Tube.objects.get(barcode="T0001").count == 2
    assert Coverage.objects.get(campaign=tw.campaign, jurisdiction_code=COMMUNITY).sampled == 2
    assert SiteHour.objects.get(campaign=tw.campaign, site=tw.site).samples == 2


def test_mis_scans_are_caught_with_their_reason(tw: TWorld, client: Client) -> None:
    bad_checksum = ID_ZHANG[:-1] + ("0" if ID_ZHANG[-1] != "0" else "1")
    unknown = "110101199003074514"  # valid, nobody registered
    void = card_for(tw, tw.other.housemate)
    Card.objects.filter(token=void).update(voided_at=timezone.now())
    first = post(
        client,
        tw.token,
        tw.campaign.pk,
        [scan("open", tube="T0002", single=True), scan("sample", tube="T0002", code=ID_ZHANG)],
    )
    assert [r["status"] for r in first["results"]] == ["stored", "stored"]
    body = post(
        client,
        tw.token,
        tw.campaign.pk,
        [
            scan("sample", tube="T0002", code=ID_WANG),  # single tube, full
            scan("open", tube="T0003"),
            scan("sample", tube="T0003", code=bad_checksum),
            scan("sample", tube="T0003", code=unknown),
            scan("sample", tube="T0003", code=void),
            scan("sample", tube="T0003", code="FKC123"),
            scan("sample", tube="T0003", code=ID_ZHANG),  # sampled already in T0002
            scan("sample", tube="T0009", code=ID_WANG),  # tube never opened
            scan("sample", tube="T0003", code=ID_WANG),
            scan("sample", tube="T0003", code=ID_WANG),  # twice into the same tube
            scan("open", tube="x"),
        ],
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("rejected", "tube_full"),
        ("stored", ""),
        ("rejected", "bad_id_number"),
        ("rejected", "unknown_person"),
        ("rejected", "unknown_card"),
        ("rejected", "bad_card"),
        ("rejected", "already_sampled"),
        ("rejected", "tube_not_open"),
        ("stored", ""),
        ("rejected", "already_in_tube"),
        ("rejected", "bad_barcode"),
    ]
    assert all(r["message"] for r in body["results"] if r["status"] == "rejected")
    # The refusal is kept: the same scan sent again is refused the same way.
    refused = body["results"][6]
    assert ScanReceipt.objects.get(client_id=refused["id"]).code == "already_sampled"
    # Sampling again on purpose: a new scan with a reason.
    override = post(
        client,
        tw.token,
        tw.campaign.pk,
        [scan("sample", tube="T0003", code=ID_ZHANG, repeat_reason="首次采样管破损")],
    )
    assert override["results"][0]["status"] == "stored"
    assert list(
        Sample.objects.filter(person_id=tw.mine.person.pk)
        .order_by("id")
        .values_list("tube__barcode", "repeat_reason")
    ) == [("T0002", ""), ("T0003", "首次采样管破损")]
    # Counted once in the coverage, however often sampled.
    assert Coverage.objects.get(campaign=tw.campaign, jurisdiction_code=COMMUNITY).sampled == 1
    assert Coverage.objects.get(campaign=tw.campaign, jurisdiction_code=SIBLING).sampled == 1


def test_outside_the_population_is_stored_and_marked(tw: TWorld, client: Client) -> None:
    campaign = tw.new_campaign(name="中安街加测", scope_codes=[COMMUNITY])
    body = post(
        client,
        tw.token,
        campaign.pk,
        [scan("open", tube="T0100"), scan("sample", tube="T0100", code=ID_WANG)],
    )
    assert [(r["status"], r["outcome"], r["code"]) for r in body["results"]] == [
        ("stored", "stored", ""),
        ("stored", "warned", "outside_target"),
    ]
    target = Target.objects.get(campaign=campaign, person_id=tw.other.person.pk)
    assert (target.outside, target.sampled_at is not None) == (True, True)
    assert list(
        Coverage.objects.filter(campaign=campaign, jurisdiction_code=SIBLING).values_list(
            "target", "sampled", "outside"
        )
    ) == [(0, 0, 1)]
    # A tube of this campaign cannot be used in another one.
    other = post(client, tw.token, tw.campaign.pk, [scan("sample", tube="T0100", code=ID_ZHANG)])
    assert other["results"][0]["code"] == "tube_used"


def test_boxes_packed_handed_over_and_picked_up(tw: TWorld, client: Client) -> None:
    post(
        client,
        tw.token,
        tw.campaign.pk,
        [
            scan("open", tube="T0200"),
            scan("sample", tube="T0200", code=ID_ZHANG),
            scan("pack", tube="T0200", box="BOX-01"),
            scan("handover", box="BOX-01", transporter="转运员老李"),
        ],
    )
    box = TransportBox.objects.get(barcode="BOX-01")
    tube = Tube.objects.get(barcode="T0200")
    assert (tube.status, tube.box_id, tube.closed_at is not None) == ("packed", box.pk, True)
    assert (box.status, box.tube_count, box.transporter) == ("handed_over", 1, "转运员老李")
    _device, transporter = sampling.device_create(
        scope=tw.officer_scope, site=tw.site, name="转运员手机"
    )
    body = post(client, transporter, tw.campaign.pk, [scan("pickup", box="BOX-01")])
    assert body["results"][0]["status"] == "stored"
    assert TransportBox.objects.get(pk=box.pk).status == "in_transit"
    late = post(client, tw.token, tw.campaign.pk, [scan("pack", tube="T0200", box="BOX-02")])
    assert late["results"][0]["code"] == "tube_used"


def test_a_scan_from_the_future_is_refused(tw: TWorld, client: Client) -> None:
    future = (timezone.now() + dt.timedelta(hours=2)).isoformat()
    body = post(client, tw.token, tw.campaign.pk, [{**scan("open", tube="T0300"), "at": future}])
    assert body["results"][0]["code"] == "bad_time"
    assert not Tube.objects.filter(barcode="T0300").exists()


def test_only_a_site_device_may_post(tw: TWorld, client: Client) -> None:
    lab = Lab.objects.create(jurisdiction_code=DISTRICT, name="金域检测")
    _device, lab_token = sampling.device_create(scope=tw.officer_scope, lab=lab, name="实验室")
    payload = {"campaign": tw.campaign.pk, "scans": [scan("open", tube="T0400")]}
    for token in (lab_token, "fkt_nonsense", ""):
        response = client.post(
            URL,
            payload,
            content_type="application/json",
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401
    sampling.device_revoke(scope=tw.officer_scope, device=tw.device)
    response = client.post(
        URL,
        payload,
        content_type="application/json",
        headers={"authorization": f"Bearer {tw.token}"},
    )
    assert response.status_code == 401
    assert not Tube.objects.exists()


def test_the_device_config(tw: TWorld, client: Client) -> None:
    response = client.get("/api/v1/testing/device", headers={"authorization": f"Bearer {tw.token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["site"] == {"id": tw.site.pk, "name": tw.site.name, "kind": "fixed", "area": ""}
    assert [(c["id"], c["pool_size"], c["one_household_per_tube"]) for c in body["campaigns"]] == [
        (tw.campaign.pk, 20, False)
    ]


def _at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = jobs[i]()
        except BaseException as exc:  # every outcome is checked below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_from_two_clients_at_once_is_stored_once(
    tw: TWorld, _sqlite_audit_flushable: Any
) -> None:
    batch = [scan("open", tube="T0500")] + [
        scan("sample", tube="T0500", code=code) for code in (ID_ZHANG, ID_WANG)
    ]

    def send() -> Any:
        return post(Client(), tw.token, tw.campaign.pk, batch)

    if connection.vendor == "postgresql":
        results = _at_once([send, send, send])
    else:  # one writer at a time (BEGIN IMMEDIATE): the three arrive one after the other
        results = [send(), send(), send()]
    statuses = sorted(tuple(r["status"] for r in body["results"]) for body in results)
    assert statuses == [
        ("duplicate", "duplicate", "duplicate"),
        ("duplicate", "duplicate", "duplicate"),
        ("stored", "stored", "stored"),
    ]
    assert Sample.objects.count() == 2
    assert Tube.objects.get(barcode="T0500").count == 2
    assert ScanReceipt.objects.count() == 3


def test_sealed_zone_residents_single_or_household_tubes(tw: TWorld, client: Client) -> None:
    from fangkong.control.models import ControlZone

    for side in (tw.mine, tw.other):
        ControlZone.objects.create(
            jurisdiction_code=side.compound.jurisdiction_code,
            kind="sealed",
            compound=side.compound,
            starts_on=timezone.localdate(),
            reason="发现阳性病例",
            created_at=timezone.now(),
        )
    campaign = tw.new_campaign(
        name="封控区加测", rules={"pooling": {"sealed": 5, "sealed_per_household": True}}
    )
    assert set(Target.objects.filter(campaign=campaign).values_list("zone", flat=True)) == {
        "sealed"
    }
    team = sampling.site_create(
        scope=tw.officer_scope,
        jurisdiction_code=COMMUNITY,
        name="上门队",
        kind="home",
        area="sealed",
    )
    _d, team_token = sampling.device_create(scope=tw.officer_scope, site=team, name="上门队手机")
    mate = card_for(tw, tw.mine.housemate)
    body = post(
        client,
        team_token,
        campaign.pk,
        [
            scan("open", tube="S0001"),
            scan("sample", tube="S0001", code=ID_ZHANG),
            scan("sample", tube="S0001", code=mate),
            scan("sample", tube="S0001", code=ID_WANG),  # another household
        ],
    )
    assert [(r["status"], r["code"], r["count"]) for r in body["results"]] == [
        ("stored", "", 0),
        ("stored", "", 1),
        ("stored", "", 2),
        ("rejected", "other_household", None),
    ]
    assert Tube.objects.get(barcode="S0001").pool_size == 5
    # At the square's 20-in-1 tubes a sealed-zone resident is refused.
    square = post(
        client,
        tw.token,
        campaign.pk,
        [scan("open", tube="S0002"), scan("sample", tube="S0002", code=ID_WANG)],
    )
    assert [r["code"] for r in square["results"]] == ["", "sealed_zone_single"]


def test_a_long_mis_scan_is_refused_alone(tw: TWorld, client: Client) -> None:
    """A scanner that read a whole page of text into the field spoils one scan, not the
    batch of fifty around it."""
    body = post(
        client,
        tw.token,
        tw.campaign.pk,
        [
            scan("open", tube="T0600"),
            scan("sample", tube="T0600", code="4" * 300),
            scan("sample", tube="X" * 300, code=ID_ZHANG),
            scan("sample", tube="T0600", code=ID_ZHANG, repeat_reason="长" * 500),
        ],
    )
    assert [(r["status"], r["code"]) for r in body["results"]] == [
        ("stored", ""),
        ("rejected", "bad_id_number"),
        ("rejected", "bad_barcode"),
        ("stored", ""),
    ]
