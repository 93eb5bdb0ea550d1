"""Device sign-in for the testing API: a site's or a lab's device token (fkt_…)."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from fangkong.core import audit
from fangkong.core.errors import ApplicationError, Conflict, FieldError
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from .codes import DEVICE_TOKEN_PREFIX, hash_token, new_device_token
from .models import Campaign, Device, Lab, SamplingSite

# last_seen_at is written at most this often per device (not on every batch).
SEEN_EVERY_S = 60


def device_for_token(token: str) -> Device | None:
    if not token.startswith(DEVICE_TOKEN_PREFIX):
        return None
    try:
        return Device.objects.select_related("site", "lab").get(
            key_hash=hash_token(token), revoked_at__isnull=True
        )
    except Device.DoesNotExist:
        return None


_SITE_DEVICE_SQL = (
    "SELECT d.id, d.name, d.jurisdiction_code, d.last_seen_at, s.id, s.jurisdiction_code, "
    "s.name, s.kind, s.area, s.is_active FROM testing_device d "
    "JOIN testing_samplingsite s ON s.id = d.site_id "
    "WHERE d.key_hash = %s AND d.revoked_at IS NULL"
)


def site_device_for_token(token: str) -> Device | None:
    """A site's device and its site in one raw query: every batch of scans signs in
    with it, and the ORM's query building would cost more than the lookup (ADR 0020)."""
    if not token.startswith(DEVICE_TOKEN_PREFIX):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_SITE_DEVICE_SQL, [hash_token(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    seen = row[3]
    if isinstance(seen, str):  # SQLite: text, or a naive UTC datetime (below)
        seen = parse_datetime(seen)
    if seen is not None and timezone.is_naive(seen):
        seen = timezone.make_aware(seen, dt.UTC)
    site = SamplingSite(
        id=row[4], jurisdiction_code=row[5], name=row[6], kind=row[7], area=row[8],
        is_active=bool(row[9]),
    )  # fmt: skip
    site._state.adding = False
    device = Device(
        id=row[0], name=row[1], jurisdiction_code=row[2], last_seen_at=seen, site_id=site.pk
    )
    device._state.adding = False
    device.site = site
    return device


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
        device = site_device_for_token(token)
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
    try:
        campaign = Campaign.objects.get(pk=pk)
    except Campaign.DoesNotExist:
        return None
    if not site.jurisdiction_code.startswith(campaign.jurisdiction_code):
        return None
    return campaign


# --- Making and revoking devices (sites' and labs') -------------------------------------


def device_create(
    *,
    scope: Scope,
    name: str,
    site: SamplingSite | None = None,
    lab: Lab | None = None,
) -> tuple[Device, str]:
    """A device of a site (scans) or of a lab (boxes, results). Returns the device and
    its token, shown this once (only the SHA-256 is kept)."""
    if (site is None) == (lab is None):
        raise ValueError("a device belongs to a site or to a lab")
    owner_code = site.jurisdiction_code if site is not None else lab.jurisdiction_code  # type: ignore[union-attr]
    scope.require(Perm.TESTING_MANAGE, at=owner_code)
    name = name.strip()
    if not name:
        message = _("A name is required.")
        raise ApplicationError(message, errors=[FieldError("name", "invalid", message)])
    token = new_device_token()
    with transaction.atomic():
        device = Device.objects.create(
            site=site,
            lab=lab,
            jurisdiction_code=owner_code,
            name=name[:60],
            key_hash=hash_token(token),
            prefix=token[:10],
            created_at=timezone.now(),
            created_by_id=scope.actor_id,
        )
        audit.record(scope, "testing.device.created", device, jurisdiction_code=owner_code)
    return device, token


def device_revoke(*, scope: Scope, device: Device, reason: str = "") -> Device:
    scope.require(Perm.TESTING_MANAGE, at=device.jurisdiction_code)
    with transaction.atomic():
        updated = Device.objects.filter(pk=device.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("This device is already revoked."))
        audit.record(scope, "testing.device.revoked", device, reason=reason)
    device.refresh_from_db()
    return device
