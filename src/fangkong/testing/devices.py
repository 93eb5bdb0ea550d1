"""Device sign-in for the testing API: a site's or a lab's device token (fkt_…)."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from .codes import DEVICE_TOKEN_PREFIX, hash_token
from .models import Campaign, Device, SamplingSite

# last_seen_at is written at most this often per device (not on every batch).
SEEN_EVERY_S = 60


def device_for_token(token: str) -> Device | None:
    if not token.startswith(DEVICE_TOKEN_PREFIX):
        return None
    return (
        Device.objects.select_related("site", "lab")
        .filter(key_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


def touch(device: Device) -> None:
    now = timezone.now()
    if device.last_seen_at and (now - device.last_seen_at).total_seconds() < SEEN_EVERY_S:
        return
    Device.objects.filter(pk=device.pk).filter(
        Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now)
    ).update(last_seen_at=now)


class SiteDeviceAuth(HttpBearer):
    """A sampling site's device; a lab's device or a staff token is refused."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        device = device_for_token(token)
        if device is None or device.site is None or not device.site.is_active:
            return None
        request.device = device  # type: ignore[attr-defined]
        return device


class LabDeviceAuth(HttpBearer):
    """A lab's device; a site's device or a staff token is refused."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        device = device_for_token(token)
        if device is None or device.lab is None or not device.lab.is_active:
            return None
        request.device = device  # type: ignore[attr-defined]
        return device


def open_campaigns(site: SamplingSite) -> list[Campaign]:
    """The campaigns open for sampling that cover the site, the newest first."""
    code = site.jurisdiction_code
    return [
        c
        for c in Campaign.objects.filter(status=Campaign.Status.OPEN).order_by("-starts_at")
        if code.startswith(c.jurisdiction_code)
    ]


def campaign_for(site: SamplingSite, pk: int) -> Campaign | None:
    """The campaign a site's device posts to, if it covers the site (open or not: the
    ingest answers a closed one's scans itself)."""
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None or not site.jurisdiction_code.startswith(campaign.jurisdiction_code):
        return None
    return campaign
