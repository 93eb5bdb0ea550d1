"""Sampling sites, their members and devices; and the scans the devices post.

The scans' ingest is in `ingest.py` (ADR 0018); this module keeps the sites and the
devices: a device token is shown once when the device is made and only its SHA-256 is
kept; a device is revoked, never deleted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.errors import ApplicationError, FieldError
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from .. import devices
from ..models import SamplingSite, SiteMember, Zone


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _clean_stops(stops: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    cleaned = []
    for i, stop in enumerate(stops or [], start=1):
        place = str(stop.get("place", "")).strip()
        start, end = str(stop.get("from", "")).strip(), str(stop.get("to", "")).strip()
        if not place:
            continue
        if not (len(start) == 5 and len(end) == 5 and start < end):
            raise _invalid(
                "stops",
                _("Stop %(n)d: give the times as HH:MM, the end after the start.") % {"n": i},
            )
        cleaned.append({"place": place[:100], "from": start, "to": end})
    return cleaned


def site_create(
    *,
    scope: Scope,
    jurisdiction_code: str,
    name: str,
    kind: str = SamplingSite.Kind.FIXED,
    address: str = "",
    stops: list[dict[str, Any]] | None = None,
    lanes: int = 1,
    area: str = Zone.NONE,
) -> SamplingSite:
    scope.require(Perm.TESTING_MANAGE, at=jurisdiction_code)
    if not Jurisdiction.objects.within(scope).filter(code=jurisdiction_code).exists():
        raise _invalid("jurisdiction_code", _("Choose one of your jurisdictions."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    if kind not in SamplingSite.Kind.values:
        raise _invalid("kind", _("Choose the kind of site."))
    if area not in Zone.values:
        raise _invalid("area", _("Choose the zone the site serves."))
    if not 1 <= lanes <= 50:
        raise _invalid("lanes", _("Enter a whole number from 1 to 50."))
    with transaction.atomic():
        site = SamplingSite.objects.create(
            jurisdiction_code=jurisdiction_code,
            name=name[:100],
            kind=kind,
            address=address.strip()[:200],
            stops=_clean_stops(stops) if kind == SamplingSite.Kind.MOBILE else [],
            lanes=lanes,
            area=area,
        )
        audit.record(scope, "testing.site.created", site, jurisdiction_code=jurisdiction_code)
    return site


def site_update(*, scope: Scope, site: SamplingSite, **fields: Any) -> SamplingSite:
    scope.require(Perm.TESTING_MANAGE, at=site.jurisdiction_code)
    allowed = {"name", "address", "stops", "lanes", "area", "is_active"}
    for key, value in fields.items():
        if key not in allowed:
            raise TypeError(key)
        if key == "stops":
            value = _clean_stops(value) if site.kind == SamplingSite.Kind.MOBILE else []
        setattr(site, key, value.strip() if isinstance(value, str) else value)
    if not site.name:
        raise _invalid("name", _("A name is required."))
    if site.area not in Zone.values:
        raise _invalid("area", _("Choose the zone the site serves."))
    with transaction.atomic():
        site.save()
        audit.record(scope, "testing.site.changed", site, data={"fields": sorted(fields)})
    return site


def member_add(
    *,
    scope: Scope,
    site: SamplingSite,
    role: str,
    name: str,
    phone: str = "",
    user_id: int | None = None,
) -> SiteMember:
    scope.require(Perm.TESTING_MANAGE, at=site.jurisdiction_code)
    if role not in SiteMember.Role.values:
        raise _invalid("role", _("Choose the role."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    with transaction.atomic():
        member = SiteMember.objects.create(
            site=site,
            jurisdiction_code=site.jurisdiction_code,
            role=role,
            name=name[:60],
            phone=phone.strip()[:20],
            user_id=user_id,
        )
        audit.record(scope, "testing.site.member_added", site, data={"role": role})
    return member


def member_remove(*, scope: Scope, member: SiteMember) -> None:
    scope.require(Perm.TESTING_MANAGE, at=member.jurisdiction_code)
    with transaction.atomic():
        SiteMember.objects.filter(pk=member.pk).update(is_active=False)
        audit.record(scope, "testing.site.member_removed", member.site, data={"member": member.pk})


# Devices of sites and labs: one implementation, in testing/devices.py.
device_create = devices.device_create
device_revoke = devices.device_revoke
