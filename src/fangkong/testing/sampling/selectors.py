"""Every read of the sampling area: sites, their members and devices, where a site may
be run from. Everything is read within the scope of the office that runs the site."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404

from ..models import Device, SamplingSite, SiteMember

# Where a site may be run from: a district, a subdistrict or a community (not a grid).
SITE_LEVELS = ("district", "subdistrict", "community")


def sites(
    *, scope: Scope, kind: str = "", include_inactive: bool = False
) -> QuerySet[SamplingSite]:
    """The sites of the scope with their counts of active members and devices."""
    qs = SamplingSite.objects.within(scope)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
        device_count=Count("devices", filter=Q(devices__revoked_at__isnull=True), distinct=True),
    ).order_by("jurisdiction_code", "kind", "name")


def site_get(*, scope: Scope, pk: int) -> SamplingSite:
    return get_or_404(SamplingSite.objects.within(scope), pk=pk)


def members_of(*, scope: Scope, site: SamplingSite) -> QuerySet[SiteMember]:
    return SiteMember.objects.within(scope).filter(site=site, is_active=True)


def member_get(*, scope: Scope, pk: int) -> SiteMember:
    return get_or_404(
        SiteMember.objects.within(scope).select_related("site").filter(is_active=True), pk=pk
    )


def devices_of(*, scope: Scope, site: SamplingSite) -> QuerySet[Device]:
    """The site's devices, the working ones first."""
    return (
        Device.objects.within(scope)
        .filter(site=site)
        .order_by(F("revoked_at").asc(nulls_first=True), "name", "id")
    )


def device_get(*, scope: Scope, pk: int) -> Device:
    return get_or_404(
        Device.objects.within(scope).select_related("site").filter(site__isnull=False), pk=pk
    )


def site_offices(*, scope: Scope) -> list[tuple[str, str]]:
    """(code, name) of the jurisdictions of the scope that may run a site."""
    return list(
        Jurisdiction.objects.within(scope)
        .filter(level__in=SITE_LEVELS, is_active=True)
        .order_by("code")
        .values_list("code", "name")
    )


def jurisdiction_names(codes: set[str]) -> dict[str, str]:
    return dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name"))


@dataclass
class KindCounts:
    fixed: int = 0
    mobile: int = 0
    home: int = 0


def kind_counts(*, scope: Scope) -> KindCounts:
    rows = (
        SamplingSite.objects.within(scope)
        .filter(is_active=True)
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    counts = KindCounts()
    for kind, n in rows:
        setattr(counts, kind, n)
    return counts
