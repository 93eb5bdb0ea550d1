"""Reads of the campaigns area: the campaigns that concern a scope, coverage at every
level (grouped sums over the `Coverage` counters, never a loop over targets), the
monitors (who is not sampled yet, samples per site and hour, boxes on the way, tubes
without results) and the daily report's figures.

Every read starts from `Model.objects.within(scope)`; a campaign is the one exception:
it belongs to the office that runs it (a district, a subdistrict) and concerns the
communities below, so a community worker reads the campaigns of the offices above that
cover the community (never their drafts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import NotFound
from fangkong.core.models import Job, Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404
from fangkong.registry.models import Building, Compound

from ..models import (
    DOOR_TO_DOOR_EXEMPTIONS,
    Campaign,
    Coverage,
    Exemption,
    HomeTask,
    SamplingSite,
    SiteHour,
    Target,
    TransportBox,
    Tube,
    Zone,
)

COUNTED = ("", *(e.value for e in DOOR_TO_DOOR_EXEMPTIONS))  # in the target, to sample
SUMS = ("target", "exempt", "sampled", "outside", "resulted", "positive")
# How long after its close a campaign still feeds the daily report (results arrive).
REPORT_AFTER_CLOSE = dt.timedelta(days=1)


# --- Campaigns -----------------------------------------------------------------------------


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (6, 9, 12) if n < len(code)]


def concerns(scope: Scope, campaign: Campaign) -> bool:
    """Run within the scope (drafts included), or by an office above it over
    jurisdictions that overlap it (once it is no longer a draft)."""
    if scope.covers(campaign.jurisdiction_code):
        return True
    if campaign.status == Campaign.Status.DRAFT:
        return False
    if not scope.code.startswith(campaign.jurisdiction_code):
        return False
    return campaign.overlaps(scope.code)


def campaigns(*, scope: Scope, status: str = "") -> list[Campaign]:
    """The campaigns that concern the scope, the newest first (a district has a few
    dozen rounds at most: the overlap is checked in Python)."""
    scope.require(Perm.TESTING_VIEW)
    found = Campaign.objects.filter(
        Q(code_range_q(scope.code)) | Q(jurisdiction_code__in=_ancestors(scope.code))
    ).order_by("-starts_at", "-id")
    if status:
        found = found.filter(status=status)
    return [c for c in found if concerns(scope, c)]


def campaign_get(*, scope: Scope, pk: int) -> Campaign:
    scope.require(Perm.TESTING_VIEW)
    campaign = get_or_404(Campaign.objects.select_related("job"), pk=pk)
    if not concerns(scope, campaign):
        raise NotFound(_("Not found."))
    return campaign


def campaign_for_manage(*, scope: Scope, pk: int) -> Campaign:
    """A campaign the scope runs (its office within the scope)."""
    scope.require(Perm.TESTING_MANAGE)
    campaign = get_or_404(Campaign.objects.within(scope).select_related("job"), pk=pk)
    scope.require(Perm.TESTING_MANAGE, at=campaign.jurisdiction_code)
    return campaign


def job_of(campaign: Campaign) -> Job | None:
    if campaign.job_id is None:
        return None
    return Job.objects.filter(pk=campaign.job_id).first()


def place_names(*, codes: set[str]) -> dict[str, str]:
    """Jurisdiction names by code (names are not personal data)."""
    return dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name"))


def scope_choices(*, scope: Scope) -> list[tuple[str, str]]:
    """The subdistricts and communities a campaign of the scope may cover."""
    rows = (
        Jurisdiction.objects.within(scope)
        .filter(is_active=True, level__in=["subdistrict", "community"])
        .exclude(code=scope.code)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    return [(code, ("— " if level == "community" else "") + name) for code, name, level in rows]


def rules_summary(rules: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """The rules as the campaign's page states them: pooling per zone, exemptions."""
    pooling = rules.get("pooling", {})
    exemptions = rules.get("exemptions", {})

    def tube(n: Any) -> str:
        n = int(n or 1)
        return _("single tube") if n == 1 else _("%(n)d in 1") % {"n": n}

    lines = [
        (str(label), tube(pooling.get(zone.value)))
        for zone, label in (
            (Zone.NONE, _("Elsewhere")),
            (Zone.PRECAUTION, Zone.PRECAUTION.label),
            (Zone.CONTROLLED, Zone.CONTROLLED.label),
            (Zone.SEALED, Zone.SEALED.label),
        )
    ]
    if pooling.get("sealed_per_household"):
        lines.append((str(Zone.SEALED.label), _("one household per tube")))
    notes: list[str] = []
    if exemptions.get("infant_under_years"):
        notes.append(_("infants under %(n)d years") % {"n": int(exemptions["infant_under_years"])})
    if exemptions.get("bedridden"):
        notes.append(_("bedridden and frail people: sampled at their door"))
    if exemptions.get("central_quarantine"):
        notes.append(_("under centralised quarantine: tested there"))
    if exemptions.get("vaccinated_hours"):
        notes.append(
            _("vaccinated within %(n)d hours (by hand, with the record)")
            % {"n": int(exemptions["vaccinated_hours"])}
        )
    notes.append(_("away, with proof (by hand)"))
    return lines, notes


# --- Coverage -----------------------------------------------------------------------------


@dataclass
class Counts:
    target: int = 0
    exempt: int = 0
    sampled: int = 0
    outside: int = 0
    resulted: int = 0
    positive: int = 0

    @classmethod
    def of(cls, row: dict[str, Any]) -> Counts:
        return cls(**{k: int(row.get(k) or 0) for k in SUMS})

    @property
    def unsampled(self) -> int:
        return max(self.target - self.sampled, 0)

    @property
    def rate(self) -> float | None:
        """Sampled of the target, per cent (one decimal)."""
        if not self.target:
            return None
        return round(self.sampled * 100 / self.target, 1)

    @property
    def result_rate(self) -> float | None:
        sampled = self.sampled + self.outside
        if not sampled:
            return None
        return round(min(self.resulted, sampled) * 100 / sampled, 1)


@dataclass
class Cell:
    """One row of the coverage table: a child of the node shown."""

    key: str  # a jurisdiction code, a compound id or a building id
    name: str
    counts: Counts
    query: str = ""  # the query string that drills into it ("" at the last level)


@dataclass
class CoverageView:
    campaign: Campaign
    level: str  # district, subdistrict, community (its compounds), compound (its buildings)
    code: str
    name: str
    compound_id: int | None
    total: Counts
    rows: list[Cell] = field(default_factory=list)
    up: str | None = None  # the query string of the level above, if any
    child_label: str = ""


def _sums() -> dict[str, Any]:
    return {k: Sum(k) for k in SUMS}


def _node_code(scope: Scope, campaign: Campaign, code: str) -> str:
    """The jurisdiction shown: the one asked for, else the narrower of the scope's and
    the campaign's office; outside the scope it does not exist."""
    if not code:
        code = max(scope.code, campaign.jurisdiction_code, key=len)
    if not code.isdigit() or len(code) not in (6, 9, 12, 15) or not scope.covers(code):
        raise NotFound(_("Not found."))
    return code


def coverage(
    *, scope: Scope, campaign: Campaign, code: str = "", compound: int | None = None
) -> CoverageView:
    """应检 / 已采 / 已出结果 of a node and each of its children: subdistricts of a
    district, communities of a subdistrict, compounds of a community, buildings of a
    compound. Two grouped sums over the counter rows in range, whatever the number of
    people (ADR 0018)."""
    scope.require(Perm.TESTING_VIEW)
    code = _node_code(scope, campaign, code)
    counters = Coverage.objects.within(scope).filter(campaign=campaign).filter(code_range_q(code))
    node = place_names(codes={code}).get(code, code)
    if compound is not None:
        counters = counters.filter(compound_id=compound)
        name = (
            Compound.objects.within(scope)
            .filter(pk=compound)
            .values_list("name", flat=True)
            .first()
        )
        if name is None and not counters.exists():
            raise NotFound(_("Not found."))
        view = CoverageView(
            campaign=campaign,
            level="compound",
            code=code,
            name=f"{node} · {name or _('No compound')}",
            compound_id=compound,
            total=Counts.of(counters.aggregate(**_sums())),
            up=f"code={code}",
            child_label=_("Building"),
        )
        grouped = counters.values("building_id").annotate(**_sums()).order_by("building_id")
        ids = [r["building_id"] for r in grouped]
        names = dict(Building.objects.within(scope).filter(pk__in=ids).values_list("pk", "name"))
        view.rows = [
            Cell(
                str(r["building_id"]),
                names.get(r["building_id"], _("No building")),
                Counts.of(r),
            )
            for r in grouped
        ]
        view.rows.sort(key=lambda c: (c.key == "0", c.name))
        return view
    view = CoverageView(
        campaign=campaign,
        level={6: "district", 9: "subdistrict"}.get(len(code), "community"),
        code=code,
        name=node,
        compound_id=None,
        total=Counts.of(counters.aggregate(**_sums())),
    )
    if len(code) > len(scope.code) and len(code) > 6:
        view.up = f"code={code[: {9: 6, 12: 9, 15: 12}[len(code)]]}"
    if len(code) in (6, 9):
        width = len(code) + 3
        grouped = (
            counters.annotate(p=Substr("jurisdiction_code", 1, width))
            .values("p")
            .annotate(**_sums())
            .order_by("p")
        )
        places = place_names(codes={r["p"] for r in grouped})
        view.rows = [
            Cell(r["p"], places.get(r["p"], r["p"]), Counts.of(r), f"code={r['p']}")
            for r in grouped
        ]
        view.child_label = _("Subdistrict") if len(code) == 6 else _("Community")
        return view
    grouped = counters.values("compound_id").annotate(**_sums()).order_by("compound_id")
    ids = [r["compound_id"] for r in grouped if r["compound_id"] is not None]
    cnames = dict(Compound.objects.within(scope).filter(pk__in=ids).values_list("pk", "name"))
    for r in grouped:
        cid = r["compound_id"]
        key = "" if cid is None else str(cid)
        view.rows.append(
            Cell(
                key,
                cnames.get(cid, _("No compound")) if cid is not None else _("No compound"),
                Counts.of(r),
                f"code={code}&compound={cid}" if cid is not None else "",
            )
        )
    view.rows.sort(key=lambda c: (c.key == "", c.name))
    view.child_label = _("Compound")
    return view


def coverage_chart(view: CoverageView) -> dict[str, Any]:
    """The bar chart per child (static/fangkong/charts.js): sampled and still to sample."""
    return {
        "labels": [c.name for c in view.rows],
        "series": [
            {"name": _("Sampled"), "data": [c.counts.sampled for c in view.rows]},
            {"name": _("Not yet sampled"), "data": [c.counts.unsampled for c in view.rows]},
        ],
    }


def progress_chart(*, scope: Scope, campaign: Campaign, code: str = "") -> dict[str, Any]:
    """Samples per clock hour at the sites in range, and their running total."""
    scope.require(Perm.TESTING_VIEW)
    hours = (
        SiteHour.objects.within(scope)
        .filter(campaign=campaign)
        .filter(code_range_q(code))
        .values("hour")
        .annotate(n=Sum("samples"))
        .order_by("hour")
    )
    labels: list[str] = []
    hourly: list[int] = []
    cumulative: list[int] = []
    running = 0
    for row in hours:
        running += int(row["n"] or 0)
        labels.append(f"{timezone.localtime(row['hour']):%m-%d %H:00}")
        hourly.append(int(row["n"] or 0))
        cumulative.append(running)
    return {
        "labels": labels,
        "hourly": hourly,
        "cumulative": cumulative,
        "names": {"hourly": _("Samples in the hour"), "cumulative": _("Samples so far")},
    }


# --- Monitors: who is not sampled yet --------------------------------------------------------

SHOW_UNSAMPLED = "unsampled"
SHOW_EXEMPT = "exempt"


@dataclass(frozen=True)
class PeopleFilters:
    code: str = ""
    compound: int | None = None
    building: int | None = None
    show: str = SHOW_UNSAMPLED

    @classmethod
    def from_params(cls, params: Any) -> PeopleFilters:
        def number(key: str) -> int | None:
            value = str(params.get(key, "") or "")
            return int(value) if value.isdigit() else None

        show = str(params.get("show", "") or SHOW_UNSAMPLED)
        return cls(
            code=str(params.get("code", "") or "").strip(),
            compound=number("compound"),
            building=number("building"),
            show=show if show in (SHOW_UNSAMPLED, SHOW_EXEMPT) else SHOW_UNSAMPLED,
        )

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"show": self.show}
        if self.code:
            params["code"] = self.code
        if self.compound is not None:
            params["compound"] = self.compound
        if self.building is not None:
            params["building"] = self.building
        return params


def people(*, scope: Scope, campaign: Campaign, filters: PeopleFilters) -> QuerySet[Target]:
    """敲门行动: the people of the target not sampled yet (the bedridden included: they
    are sampled at their door), or those exempted, by community, compound, building and
    household; people scanned from outside the population are not in it."""
    scope.require(Perm.TESTING_VIEW)
    found = (
        Target.objects.within(scope)
        .filter(campaign=campaign, outside=False)
        .select_related("person", "person__household")
    )
    if filters.code:
        if not filters.code.isdigit() or not scope.covers(filters.code):
            raise NotFound(_("Not found."))
        found = found.filter(code_range_q(filters.code))
    if filters.compound is not None:
        found = found.filter(compound_id=filters.compound)
    if filters.building is not None:
        found = found.filter(building_id=filters.building)
    if filters.show == SHOW_EXEMPT:
        return found.exclude(exemption__in=COUNTED)
    return found.filter(sampled_at__isnull=True, exemption__in=COUNTED)


def people_places(*, scope: Scope, targets: list[Target]) -> dict[str, dict[Any, str]]:
    """Names of the communities, compounds and buildings of a page of targets."""
    codes = {t.jurisdiction_code[:12] for t in targets}
    compounds = {t.compound_id for t in targets if t.compound_id}
    buildings = {t.building_id for t in targets if t.building_id}
    return {
        "community": place_names(codes=codes),
        "compound": dict(
            Compound.objects.within(scope).filter(pk__in=compounds).values_list("pk", "name")
        ),
        "building": dict(
            Building.objects.within(scope).filter(pk__in=buildings).values_list("pk", "name")
        ),
    }


def exemption_label(value: str) -> str:
    return str(dict(Exemption.choices).get(value, value)) if value else ""


# --- Monitors: sampling rate, boxes, tubes ------------------------------------------------


@dataclass
class SiteRow:
    site_id: int
    name: str
    kind: str
    lanes: int
    total: int
    by_hour: list[int]
    peak: int
    last_hour: int


@dataclass
class SiteRate:
    hours: list[dt.datetime]
    rows: list[SiteRow]
    totals: list[int]
    chart: dict[str, Any]


CHART_SITES = 8


def site_rate(*, scope: Scope, campaign: Campaign, code: str = "") -> SiteRate:
    """Samples per site and clock hour (the SiteHour counters the scans move)."""
    scope.require(Perm.TESTING_VIEW)
    cells = list(
        SiteHour.objects.within(scope)
        .filter(campaign=campaign)
        .filter(code_range_q(code))
        .values_list("site_id", "hour", "samples")
    )
    hours = sorted({h for _s, h, _n in cells})
    index = {h: i for i, h in enumerate(hours)}
    sites = {
        s.pk: s
        for s in SamplingSite.objects.within(scope).filter(pk__in={s for s, _h, _n in cells})
    }
    grid: dict[int, list[int]] = {}
    for site_id, hour, n in cells:
        grid.setdefault(site_id, [0] * len(hours))[index[hour]] += n
    rows = []
    for site_id, counts in grid.items():
        site = sites.get(site_id)
        rows.append(
            SiteRow(
                site_id=site_id,
                name=site.name if site else str(site_id),
                kind=site.get_kind_display() if site else "",
                lanes=site.lanes if site else 1,
                total=sum(counts),
                by_hour=counts,
                peak=max(counts) if counts else 0,
                last_hour=counts[-1] if counts else 0,
            )
        )
    rows.sort(key=lambda r: (-r.total, r.name))
    totals = [sum(r.by_hour[i] for r in rows) for i in range(len(hours))]
    labels = [f"{timezone.localtime(h):%m-%d %H:00}" for h in hours]
    series = [{"name": r.name, "data": r.by_hour} for r in rows[:CHART_SITES]]
    if len(rows) > CHART_SITES:
        rest = [sum(r.by_hour[i] for r in rows[CHART_SITES:]) for i in range(len(hours))]
        series.append({"name": _("Other sites"), "data": rest})
    return SiteRate(hours, rows, totals, {"labels": labels, "series": series})


ON_THE_WAY = (TransportBox.Status.HANDED_OVER, TransportBox.Status.IN_TRANSIT)


def boxes_on_the_way(*, scope: Scope, campaign: Campaign) -> QuerySet[TransportBox]:
    """Boxes handed over or in transit, not received by a lab yet; the oldest first."""
    scope.require(Perm.TESTING_VIEW)
    return (
        TransportBox.objects.within(scope)
        .filter(campaign=campaign, status__in=ON_THE_WAY)
        .select_related("site")
        .order_by("handed_at", "packed_at", "id")
    )


def box_is_late(box: TransportBox, hours: int, now: dt.datetime) -> bool:
    """Late when the hand-over (or the packing) lies more than `hours` back."""
    started = box.handed_at or box.packed_at
    return now - started > dt.timedelta(hours=hours)


def late_boxes_count(*, scope: Scope, campaign: Campaign, now: dt.datetime) -> int:
    cut = now - dt.timedelta(hours=campaign.late_box_hours)
    return (
        boxes_on_the_way(scope=scope, campaign=campaign)
        .filter(Q(handed_at__lt=cut) | Q(handed_at__isnull=True, packed_at__lt=cut))
        .count()
    )


WAITING = (Tube.Status.CLOSED, Tube.Status.PACKED, Tube.Status.RECEIVED)


def tubes_overdue(*, scope: Scope, campaign: Campaign, now: dt.datetime) -> QuerySet[Tube]:
    """Closed, packed or received tubes without a result more than the campaign's
    `result_due_hours` after they were closed; the oldest first."""
    scope.require(Perm.TESTING_VIEW)
    cut = now - dt.timedelta(hours=campaign.result_due_hours)
    return (
        Tube.objects.within(scope)
        .filter(campaign=campaign, status__in=WAITING, result="")
        .filter(Q(closed_at__lt=cut) | Q(closed_at__isnull=True, opened_at__lt=cut))
        .select_related("site", "box")
        .order_by("closed_at", "opened_at", "id")
    )


# --- The daily report -----------------------------------------------------------------------


def report_campaigns(*, scope: Scope, code: str, day: dt.date) -> list[Campaign]:
    """The campaigns of the daily report of `day` for `code`: open at some moment of the
    day, or closed within REPORT_AFTER_CLOSE before it (their results still arrive), over
    jurisdictions that overlap `code`."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    found = []
    for c in campaigns(scope=scope):
        if c.status not in (Campaign.Status.OPEN, Campaign.Status.CLOSED):
            continue
        if c.opened_at is None or c.opened_at >= end:
            continue
        if c.closed_at is not None and c.closed_at < start - REPORT_AFTER_CLOSE:
            continue
        codes = c.scope_codes or [c.jurisdiction_code]
        if code and not any(x.startswith(code) or code.startswith(x) for x in codes):
            continue
        found.append(c)
    return found


# The additive figures of the daily report, per jurisdiction code (daily_counts_by_code).
REPORT_FIGURES = (
    "target",
    "sampled",
    "unsampled",
    "exempt",
    "outside",
    "resulted",
    "positive",
    "retests_pending",
    "samples_on_day",
)


def daily_counts_by_code(
    *, scope: Scope, code: str, day: dt.date, campaign_ids: list[int] | None = None
) -> dict[str, dict[str, int]]:
    """The additive mass-testing figures of the daily report under `code`, per full
    jurisdiction code (the reports app adds them up the tree): summed over the campaigns
    of the day (`report_campaigns`), from the same counters as the coverage page, the
    same door-to-door tasks and the sites' samples per hour.

    target (应检), sampled (已采), unsampled (未采: target - sampled, per counter row),
    exempt (免检), outside (sampled, not in the population), resulted (已出结果), positive
    (members of positive or suspicious pools), retests_pending (single-tube retests still
    to do), samples_on_day (samples taken that day at the sites in the jurisdiction).
    Three grouped queries, grouped by the stored code (no computed prefix: ADR 0021)."""
    scope.require(Perm.TESTING_VIEW)
    if code and not scope.covers(code):
        raise NotFound(_("Not found."))
    code = code or scope.code
    ids = [c.pk for c in report_campaigns(scope=scope, code=code, day=day)]
    if campaign_ids is not None:
        ids = [i for i in ids if i in campaign_ids]
    result: dict[str, dict[str, int]] = {}
    if not ids:
        return result

    def at(key: str) -> dict[str, int]:
        return result.setdefault(key, dict.fromkeys(REPORT_FIGURES, 0))

    rows = (
        Coverage.objects.within(scope)
        .filter(campaign_id__in=ids)
        .filter(code_range_q(code))
        .values("jurisdiction_code")
        .annotate(**_sums())
        .order_by()
    )
    for row in rows:
        counted = Counts.of(row)
        figures = at(row["jurisdiction_code"])
        for name in SUMS:
            figures[name] += getattr(counted, name)
        figures["unsampled"] += counted.unsampled
    retests = (
        HomeTask.objects.within(scope)
        .filter(campaign_id__in=ids, reason=HomeTask.Reason.RETEST, status=HomeTask.Status.OPEN)
        .filter(code_range_q(code))
        .values_list("jurisdiction_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    for key, n in retests:
        at(key)["retests_pending"] += n
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    samples = (
        SiteHour.objects.within(scope)
        .filter(campaign_id__in=ids, hour__gte=start, hour__lt=start + dt.timedelta(days=1))
        .filter(code_range_q(code))
        .values_list("jurisdiction_code")
        .annotate(n=Sum("samples"))
        .order_by()
    )
    for key, n in samples:
        at(key)["samples_on_day"] += int(n or 0)
    return result


def day_campaigns(
    *, scope: Scope, code: str, day: dt.date
) -> list[tuple[Campaign, dict[str, int]]]:
    """The campaigns of the daily report of `day` for `code`, each with its figures there
    (their sum is the report's: the list behind the testing figures)."""
    result = []
    for campaign in report_campaigns(scope=scope, code=code, day=day):
        totals = dict.fromkeys(REPORT_FIGURES, 0)
        for figures in daily_counts_by_code(
            scope=scope, code=code, day=day, campaign_ids=[campaign.pk]
        ).values():
            for name, n in figures.items():
                totals[name] += n
        result.append((campaign, totals))
    return result


def daily_counts(*, scope: Scope, code: str, day: dt.date) -> dict[str, int]:
    """The mass-testing figures of the daily report for one jurisdiction: the campaigns of
    the day, and the sum of `daily_counts_by_code` under it."""
    code = code or scope.code
    totals = dict.fromkeys(REPORT_FIGURES, 0)
    for figures in daily_counts_by_code(scope=scope, code=code, day=day).values():
        for name, n in figures.items():
            totals[name] += n
    return {"campaigns": len(report_campaigns(scope=scope, code=code, day=day)), **totals}
