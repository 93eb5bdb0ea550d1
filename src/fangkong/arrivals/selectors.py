"""Reads of arrival reports, always scoped, and the counts the daily report needs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import regions
from fangkong.core.errors import NotFound
from fangkong.core.identifiers import IdentifierError, normalize_phone
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.registry import selectors as registry
from fangkong.registry.derive import canonical_building, canonical_room, canonical_unit
from fangkong.registry.models import Household, Person

from .models import ArrivalLink, ArrivalReport

Status = ArrivalReport.Status
Classification = ArrivalReport.Classification
_LAST4 = re.compile(r"^\d{3}[\dXx]$")
_RECEIPT = re.compile(r"^[0-9A-Z]{5}-?[0-9A-Z]{5}$")


# --- Entry points (the QR posters) ---------------------------------------------------


def link_for_token(token: str) -> ArrivalLink | None:
    """The community a poster's token opens (the token is the key: no scope)."""
    if not token or len(token) > 40:
        return None
    return ArrivalLink.objects.filter(token=token, replaced_at__isnull=True).first()


def community_visible(scope: Scope, community_code: str) -> bool:
    """A community's poster is for the staff of the community, of the offices above it
    and of its grids (a grid worker puts up the community's poster)."""
    return community_code.startswith(scope.code) or scope.code[:12] == community_code


def require_visible_community(scope: Scope, community_code: str) -> None:
    if not community_visible(scope, community_code):
        raise NotFound(_("Not found."))


def poster_communities(*, scope: Scope) -> list[tuple[str, str]]:
    """(code, name) of the communities whose posters the scope may print."""
    scope.require(Perm.ARRIVAL_VIEW)
    names = registry.community_names(scope=scope)
    return sorted((c, n) for c, n in names.items() if community_visible(scope, c))


def links_of(*, scope: Scope, community_codes: list[str]) -> dict[str, ArrivalLink]:
    scope.require(Perm.ARRIVAL_VIEW)
    visible = [c for c in community_codes if community_visible(scope, c)]
    return {
        link.jurisdiction_code: link
        for link in ArrivalLink.objects.filter(
            jurisdiction_code__in=visible, replaced_at__isnull=True
        )
    }


def community_name(code: str) -> str:
    """A community's name for the public page (names of jurisdictions are public)."""
    return registry.community_names(scope=Scope.system(reason="public page", code=code)).get(
        code, code
    )


def public_compounds(community_code: str) -> list[tuple[int, str]]:
    """The community's compounds, for the public page's address (names only)."""
    scope = Scope.system(reason="arrival self-report page", code=community_code)
    return [
        (c.pk, c.name)
        for c in registry.compounds_of(scope=scope, community_code=community_code).filter(
            is_active=True
        )
    ]


def report_by_receipt(link: ArrivalLink, receipt: str) -> ArrivalReport | None:
    """A report of the link's community by its receipt number (the receipt page)."""
    if not receipt or len(receipt) > 16:
        return None
    return ArrivalReport.objects.filter(
        community_code=link.jurisdiction_code, receipt=receipt.upper()
    ).first()


# --- The queue ------------------------------------------------------------------------

STATUS_FILTERS = ("todo", "waiting", "recheck", "verified", "all")


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def _sent_on(day: dt.date) -> Q:
    start, end = _bounds(day)
    return Q(submitted_at__gte=start, submitted_at__lt=end)


def _verified_on(day: dt.date) -> Q:
    start, end = _bounds(day)
    return Q(verified_at__gte=start, verified_at__lt=end)


def _waiting_at_end_of(day: dt.date) -> Q:
    _start, end = _bounds(day)
    return Q(submitted_at__lt=end) & (Q(verified_at__isnull=True) | Q(verified_at__gte=end))


# The daily report's figures and the queue share these (a number and its list agree):
# sent that day, arrived that day, verified that day, waiting at the end of that day.
DAY_FILTERS: dict[str, Callable[[dt.date], Q]] = {
    "sent": _sent_on,
    "arrived": lambda day: Q(arrival_date=day),
    "verified": _verified_on,
    "waiting": _waiting_at_end_of,
}
DAY_FILTER_LABELS = {
    "sent": gettext_lazy("sent on"),
    "arrived": gettext_lazy("arrived on"),
    "verified": gettext_lazy("verified on"),
    "waiting": gettext_lazy("waiting at the end of"),
}


@dataclass(frozen=True)
class ReportFilters:
    status: str = "todo"  # todo: waiting or to check again
    classification: str = ""
    jurisdiction: str = ""
    arrived_from: dt.date | None = None
    arrived_until: dt.date | None = None
    province: str = ""
    query: str = ""
    # A figure of the daily report: the reports it counts on `day` (DAY_FILTERS).
    on: str = ""
    day: dt.date | None = None

    def describe(self) -> str:
        parts = []
        if self.on in DAY_FILTERS and self.day:
            parts.append(f"{DAY_FILTER_LABELS[self.on]} {self.day.isoformat()}")
        statuses = dict(Status.choices)
        if self.status == "todo":
            parts.append(_("waiting or to check again"))
        elif self.status in statuses:
            parts.append(str(statuses[self.status]))
        if self.classification:
            parts.append(str(dict(Classification.choices).get(self.classification, "")))
        if self.jurisdiction:
            parts.append(_("area %(code)s") % {"code": self.jurisdiction})
        if self.arrived_from:
            parts.append(_("arrived from %(day)s") % {"day": self.arrived_from.isoformat()})
        if self.arrived_until:
            parts.append(_("arrived until %(day)s") % {"day": self.arrived_until.isoformat()})
        if self.province:
            parts.append(_("from %(province)s") % {"province": regions.name(self.province)})
        if self.query:
            parts.append(_("search: %(q)s") % {"q": self.query})
        return "; ".join(parts) or _("none")


RISK_RANK = Case(
    When(classification=Classification.HIGH, then=Value(0)),
    When(classification=Classification.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _search(text: str) -> Q:
    text = text.strip().replace(" ", "")
    if not text:
        return Q()
    if _RECEIPT.match(text.upper()):
        upper = text.upper()
        return Q(receipt=upper if "-" in upper else f"{upper[:5]}-{upper[5:]}")
    if _LAST4.match(text):
        return Q(id_last4=text.upper())
    if len(text) == 18:
        return Q(id_number=text.upper())
    if sum(ch.isdigit() for ch in text) >= 7:
        try:
            return Q(phone=normalize_phone(text))
        except IdentifierError:
            return Q(phone__startswith=re.sub(r"\D", "", text))
    return Q(name__startswith=text) | Q(compound_name__startswith=text)


def report_list(*, scope: Scope, filters: ReportFilters | None = None) -> QuerySet[ArrivalReport]:
    """The queue: high-risk arrivals first, then medium, then the rest; newest first."""
    scope.require(Perm.ARRIVAL_VIEW)
    f = filters or ReportFilters()
    reports = ArrivalReport.objects.within(scope)
    if f.jurisdiction:
        reports = reports.within_code(f.jurisdiction)
    if f.status == "todo":
        reports = reports.filter(status__in=[Status.WAITING, Status.RECHECK])
    elif f.status in Status.values:
        reports = reports.filter(status=f.status)
    if f.classification in Classification.values:
        reports = reports.filter(classification=f.classification)
    if f.arrived_from:
        reports = reports.filter(arrival_date__gte=f.arrived_from)
    if f.arrived_until:
        reports = reports.filter(arrival_date__lte=f.arrived_until)
    if f.province:
        reports = reports.filter(origin_code__startswith=f.province[:2])
    if f.query:
        reports = reports.filter(_search(f.query))
    if f.on in DAY_FILTERS and f.day:
        reports = reports.filter(DAY_FILTERS[f.on](f.day))
    return reports.annotate(risk_rank=RISK_RANK).order_by("risk_rank", "-submitted_at", "-id")


def report_get(*, scope: Scope, pk: int) -> ArrivalReport:
    scope.require(Perm.ARRIVAL_VIEW)
    return get_or_404(
        ArrivalReport.objects.within(scope).select_related("compound", "person", "verified_by"),
        pk=pk,
    )


def reports_of_person(*, scope: Scope, person: Person) -> QuerySet[ArrivalReport]:
    """The reports a person made (or was linked to) that the scope may see."""
    match = Q(person=person)
    if person.id_number:
        match |= Q(id_number=person.id_number)
    return ArrivalReport.objects.within(scope).filter(match).order_by("submitted_at", "id")


def registered_person(*, scope: Scope, report: ArrivalReport) -> Person | None:
    """The person of the registry with the report's identity number, if the scope may
    see them (a person registered elsewhere is not shown: the service says so)."""
    scope.require(Perm.PERSON_VIEW)
    return (
        registry.person_list(
            scope=scope, filters=registry.PersonFilters(query=report.id_number, status="")
        )
        .filter(id_number=report.id_number)
        .first()
    )


def matching_household(*, scope: Scope, report: ArrivalReport) -> Household | None:
    """The registry's household at the address the report gives, if there is one."""
    if report.compound_id is None:
        return None
    parts: dict[str, Any] = {"compound_id": report.compound_id, "name": canonical_room(report.room)}
    building = canonical_building(report.building) if report.building else ""
    unit = canonical_unit(report.unit) if report.unit else ""
    if building:
        parts["building__name"] = building
    else:
        parts["building__isnull"] = True
    if unit:
        parts["unit__name"] = unit
    else:
        parts["unit__isnull"] = True
    return registry.households_of(scope=scope, **parts).filter(is_active=True).first()


def household_of_report(*, scope: Scope, report: ArrivalReport, pk: int) -> Household:
    """A household of the report's compound chosen on the verification form."""
    household = registry.household_get(scope=scope, pk=pk)
    if household.compound_id != report.compound_id:
        raise NotFound(_("Not found."))
    return household


def households_for(*, scope: Scope, report: ArrivalReport, limit: int = 200) -> list[Household]:
    """Households of the report's compound to register a new person in."""
    if report.compound_id is None:
        return []
    return list(
        registry.households_of(scope=scope, compound_id=report.compound_id)
        .filter(is_active=True)
        .select_related("building", "unit")[:limit]
    )


# --- Counts for the daily report -----------------------------------------------------


@dataclass
class ArrivalCounts:
    """One jurisdiction's arrivals on one day.

    received: reports sent that day; high/medium/other: of those, by classification;
    by_province: of those, by the origin's province code; arrived: reports whose arrival
    date is the day; verified: reports verified that day, registered: of those, people
    newly registered; waiting: reports sent by the end of the day and not verified by
    then.
    """

    received: int = 0
    high: int = 0
    medium: int = 0
    other: int = 0
    arrived: int = 0
    verified: int = 0
    registered: int = 0
    waiting: int = 0
    by_province: dict[str, int] = field(default_factory=dict)


def daily_counts(
    *, scope: Scope, day: dt.date, under: str = "", width: int | None = None
) -> dict[str, ArrivalCounts]:
    """Counts per jurisdiction for a day, set-based (five grouped queries).

    Keys are the report codes cut to `width` digits (9: per subdistrict, 12: per
    community), or "" for the whole scope (narrowed to `under`) when width is None.
    """
    scope.require(Perm.ARRIVAL_VIEW)
    base = ArrivalReport.objects.within(scope)
    if under:
        base = base.within_code(under)
    key = Substr("jurisdiction_code", 1, width) if width else Value("")
    result: dict[str, ArrivalCounts] = {}

    def counts(code: str) -> ArrivalCounts:
        return result.setdefault(code, ArrivalCounts())

    sent = base.filter(DAY_FILTERS["sent"](day))
    received = (
        sent.annotate(k=key)
        .values("k")
        .annotate(
            n=Count("id"),
            high=Count("id", filter=Q(classification=Classification.HIGH)),
            medium=Count("id", filter=Q(classification=Classification.MEDIUM)),
            other=Count("id", filter=Q(classification=Classification.OTHER)),
        )
        .order_by()
    )
    for row in received:
        c = counts(row["k"])
        c.received, c.high, c.medium, c.other = row["n"], row["high"], row["medium"], row["other"]
    provinces = (
        sent.annotate(k=key, province=Substr("origin_code", 1, 2))
        .values("k", "province")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in provinces:
        counts(row["k"]).by_province[row["province"]] = row["n"]
    arrived = (
        base.filter(DAY_FILTERS["arrived"](day))
        .annotate(k=key)
        .values("k")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in arrived:
        counts(row["k"]).arrived = row["n"]
    verified = (
        base.filter(DAY_FILTERS["verified"](day))
        .annotate(k=key)
        .values("k")
        .annotate(n=Count("id"), registered=Count("id", filter=Q(person_registered=True)))
        .order_by()
    )
    for row in verified:
        c = counts(row["k"])
        c.verified, c.registered = row["n"], row["registered"]
    waiting = (
        base.filter(DAY_FILTERS["waiting"](day))
        .annotate(k=key)
        .values("k")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in waiting:
        counts(row["k"]).waiting = row["n"]
    return result


def province_names(codes: list[str]) -> dict[str, str]:
    """Names of origin provinces for a report of the counts (湖北省 for 42)."""
    return {code: regions.name(code) for code in codes}
