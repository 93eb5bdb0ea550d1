"""The sampling area's pages: sites, members and devices through the services, the
token shown once, revoked tokens refused by the API, and the scope of every object."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangkong.core.models import AuditEntry
from fangkong.testing.models import Device, SamplingSite, SiteMember, Zone
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY

from .conftest import SWorld

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"fkt_[A-Za-z0-9_-]{43}")


def _api_device(token: str) -> tuple[int, dict]:
    response = Client().get("/api/v1/testing/device", headers={"authorization": f"Bearer {token}"})
    return response.status_code, (response.json() if response.status_code == 200 else {})


def test_the_list_shows_the_sites_in_scope_only(sw: SWorld) -> None:
    response = sw.worker.get(reverse("testing:sampling_sites"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-site="{sw.tw.site.pk}"' in body
    assert f'data-site="{sw.town_site.pk}"' not in body
    assert "隔壁金昌" not in body
    # The worker reads, does not manage.
    assert reverse("testing:sampling_site_new") not in body
    assert sw.worker.get(reverse("testing:sampling_site_new")).status_code == 403


def test_an_officer_creates_a_mobile_site_with_its_stops(sw: SWorld) -> None:
    response = sw.officer.post(
        reverse("testing:sampling_site_new"),
        {
            "jurisdiction_code": COMMUNITY,
            "name": "流动采样车1号",
            "kind": "mobile",
            "address": "",
            "area": "controlled",
            "lanes": "2",
            "stops": "金华小区东门 08:00-10:00\n\n中安街菜市场 10:30-12:00\n",
        },
    )
    site = SamplingSite.objects.get(name="流动采样车1号")
    assert response.status_code == 302
    assert response["Location"] == reverse("testing:sampling_site", kwargs={"pk": site.pk})
    assert (site.kind, site.area, site.lanes, site.jurisdiction_code) == (
        "mobile",
        Zone.CONTROLLED,
        2,
        COMMUNITY,
    )
    assert site.stops == [
        {"place": "金华小区东门", "from": "08:00", "to": "10:00"},
        {"place": "中安街菜市场", "from": "10:30", "to": "12:00"},
    ]
    page = sw.officer.get(response["Location"]).content.decode()
    assert "08:00–10:00" in page and "中安街菜市场" in page


def test_a_stop_without_times_is_refused_on_the_form(sw: SWorld) -> None:
    with translation.override("en"):
        response = sw.officer.post(
            reverse("testing:sampling_site_new"),
            {
                "jurisdiction_code": COMMUNITY,
                "name": "流动采样车2号",
                "kind": "mobile",
                "lanes": "1",
                "stops": "金华小区东门",
            },
            headers={"accept-language": "en"},
        )
    assert response.status_code == 200
    assert not SamplingSite.objects.filter(name="流动采样车2号").exists()
    assert "Stop 1: give the times as HH:MM" in response.content.decode()


def test_an_officer_edits_the_zone_a_site_serves(sw: SWorld) -> None:
    url = reverse("testing:sampling_site_edit", kwargs={"pk": sw.tw.site.pk})
    response = sw.officer.post(
        url,
        {"name": "中安街社区广场采样点", "address": "广场东侧", "area": "controlled", "lanes": "3"},
    )
    assert response.status_code == 302
    sw.tw.site.refresh_from_db()
    assert (sw.tw.site.area, sw.tw.site.lanes, sw.tw.site.address) == ("controlled", 3, "广场东侧")
    # The device's settings follow: a controlled zone pools 10 per tube.
    status, config = _api_device(sw.tw.token)
    assert status == 200
    assert [c["pool_size"] for c in config["campaigns"]] == [10]


def test_members_are_added_and_removed(sw: SWorld) -> None:
    site = sw.tw.site
    response = sw.officer.post(
        reverse("testing:sampling_member_add", kwargs={"pk": site.pk}),
        {"role": "scanner", "name": "王扫码", "phone": "13800001111"},
    )
    assert response.status_code == 302
    member = SiteMember.objects.get(site=site, name="王扫码")
    assert (member.role, member.jurisdiction_code, member.is_active) == (
        "scanner",
        COMMUNITY,
        True,
    )
    page = sw.worker.get(reverse("testing:sampling_site", kwargs={"pk": site.pk})).content.decode()
    assert f'data-member="{member.pk}"' in page
    assert reverse("testing:sampling_member_remove", kwargs={"pk": member.pk}) not in page
    assert (
        sw.worker.post(
            reverse("testing:sampling_member_remove", kwargs={"pk": member.pk})
        ).status_code
        == 403
    )
    response = sw.officer.post(reverse("testing:sampling_member_remove", kwargs={"pk": member.pk}))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active is False
    page = sw.officer.get(reverse("testing:sampling_site", kwargs={"pk": site.pk})).content.decode()
    assert f'data-member="{member.pk}"' not in page


def test_a_device_token_is_shown_once_and_works_until_revoked(sw: SWorld) -> None:
    site = sw.tw.site
    response = sw.officer.post(
        reverse("testing:sampling_device_add", kwargs={"pk": site.pk}), {"name": "2号通道手机"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    tokens = set(TOKEN.findall(body))
    assert len(tokens) == 1
    [token] = tokens
    device = Device.objects.get(site=site, name="2号通道手机")
    assert device.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert f"/testing/sampling/device/#{token}" in body
    assert "<svg" in body  # the activation QR code
    # Never again: not on the site's page, not in the audit log.
    page = sw.officer.get(reverse("testing:sampling_site", kwargs={"pk": site.pk})).content.decode()
    assert token not in page
    assert f'data-device="{device.pk}" data-state="active"' in page
    assert not any(token in str(e.data) for e in AuditEntry.objects.all())

    status, config = _api_device(token)
    assert status == 200
    assert config["device"] == {"id": device.pk, "name": "2号通道手机"}
    assert config["site"]["id"] == site.pk
    assert [c["id"] for c in config["campaigns"]] == [sw.tw.campaign.pk]
    device.refresh_from_db()
    assert device.last_seen_at is not None

    response = sw.officer.post(
        reverse("testing:sampling_device_revoke", kwargs={"pk": device.pk}), {"reason": "手机丢失"}
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert _api_device(token)[0] == 401
    # The other device of the site still works.
    assert _api_device(sw.tw.token)[0] == 200
    page = sw.officer.get(reverse("testing:sampling_site", kwargs={"pk": site.pk})).content.decode()
    assert f'data-device="{device.pk}" data-state="revoked"' in page


def test_another_subdistricts_site_is_not_found(sw: SWorld) -> None:
    town = sw.town_site
    member = sampling.member_add(
        scope=sw.tw.officer_scope, site=town, role="sampler", name="隔壁采样员"
    )
    device, _token = sampling.device_create(scope=sw.tw.officer_scope, site=town, name="隔壁手机")
    for name in ("testing:sampling_site", "testing:sampling_site_edit"):
        assert sw.officer.get(reverse(name, kwargs={"pk": town.pk})).status_code == 404
    for name, pk in (
        ("testing:sampling_member_add", town.pk),
        ("testing:sampling_device_add", town.pk),
        ("testing:sampling_member_remove", member.pk),
        ("testing:sampling_device_revoke", device.pk),
    ):
        response = sw.officer.post(
            reverse(name, kwargs={"pk": pk}), {"name": "x", "role": "sampler"}
        )
        assert response.status_code == 404, name
    member.refresh_from_db()
    device.refresh_from_db()
    assert member.is_active and device.revoked_at is None
    assert not Device.objects.filter(name="x").exists()


def test_the_device_page_is_public_and_carries_no_token(client: Client, sw: SWorld) -> None:
    response = client.get(reverse("testing:sampling_device"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="sampling-strings"' in body and 'id="sampling-config"' in body
    assert "/static/testing/sampling.js" in body
    assert not TOKEN.search(body)
    worker = client.get(reverse("testing:sampling_sw"))
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    script = worker.content.decode()
    assert 'const PAGE = "/testing/sampling/device/";' in script
    assert "/static/testing/sampling.js" in script and "/static/testing/sampling.css" in script
