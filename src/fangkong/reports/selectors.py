"""Reads of the daily reports: a jurisdiction's report of a day and its versions, its
children's reports side by side, the comparison with the day before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.codes import LEVEL_LENGTHS, Level
from fangkong.core.errors import NotFound, PermissionDenied
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404

from . import sections
from .figures import Node, compute_tree, derive
from .models import DailyReport

DEFAULT_DEADLINE_HOUR = 18
DEFAULT_LEVEL_HOURS = 1
# The first day a report may be of: nothing before (a year 1 would overflow the dates
# around it, the day before, the trends).
FIRST_DAY = dt.date(2000, 1, 1)


def node_get(*, scope: Scope, code: str) -> Jurisdiction:
    """A jurisdiction of the report: the district, a subdistrict or a community within
    the scope; anything else does not exist."""
    scope.require(Perm.REPORT_VIEW)
    if not code.isdigit() or len(code) not in (6, 9, 12) or not scope.covers(code):
        raise NotFound(_("Not found."))
    return get_or_404(Jurisdiction.objects.within(scope).filter(is_active=True), code=code)


def report_code(scope: Scope) -> str:
    """The jurisdiction whose report an account works on: its own office's. An account
    of a grid has none (the community's report counts what its grid's lists cannot
    show); it is told so rather than shown a page it may not open."""
    if len(scope.code) > LEVEL_LENGTHS[Level.COMMUNITY]:
        raise PermissionDenied(
            _(
                "The daily report and the dashboard are kept by the community and the "
                "offices above it; an account of a grid has none."
            )
        )
    return scope.code


def latest(*, scope: Scope, code: str, day: dt.date) -> DailyReport | None:
    scope.require(Perm.REPORT_VIEW)
    return (
        DailyReport.objects.within(scope)
        .filter(jurisdiction_code=code, day=day)
        .order_by("-version")
        .first()
    )


def versions(*, scope: Scope, code: str, day: dt.date) -> QuerySet[DailyReport]:
    scope.require(Perm.REPORT_VIEW)
    return (
        DailyReport.objects.within(scope)
        .filter(jurisdiction_code=code, day=day)
        .order_by("-version")
    )


def version_get(*, scope: Scope, code: str, day: dt.date, version: int) -> DailyReport:
    scope.require(Perm.REPORT_VIEW)
    return get_or_404(
        DailyReport.objects.within(scope), jurisdiction_code=code, day=day, version=version
    )


def latest_of_children(*, codes: list[str], day: dt.date) -> dict[str, DailyReport]:
    """The latest version of each of these jurisdictions' reports of the day (the
    caller has checked the parent is in its scope)."""
    found: dict[str, DailyReport] = {}
    for report in DailyReport.objects.filter(jurisdiction_code__in=codes, day=day).order_by(
        "jurisdiction_code", "version"
    ):
        found[report.jurisdiction_code] = report
    return found


def first_submitted(*, codes: list[str], day: dt.date) -> dict[str, dt.datetime]:
    """When each of these jurisdictions first submitted its report of the day: a
    correction submitted in the evening does not make an on-time report late."""
    return {
        row["jurisdiction_code"]: row["first"]
        for row in DailyReport.objects.filter(
            jurisdiction_code__in=codes, day=day, submitted_at__isnull=False
        )
        .values("jurisdiction_code")
        .annotate(first=Min("submitted_at"))
    }


def deadline(day: dt.date, code: str = "") -> dt.datetime:
    """When a jurisdiction's report of a day is due: a community's at
    FANGKONG_REPORT_DEADLINE_HOUR (18:00), each level above FANGKONG_REPORT_LEVEL_HOURS
    (1) later, so that a subdistrict has time to add up what came in at 17:59 (19:00,
    the district 20:00)."""
    hour = int(getattr(settings, "FANGKONG_REPORT_DEADLINE_HOUR", DEFAULT_DEADLINE_HOUR))
    step = int(getattr(settings, "FANGKONG_REPORT_LEVEL_HOURS", DEFAULT_LEVEL_HOURS))
    above = 0
    if code:
        above = max(LEVEL_LENGTHS[Level.COMMUNITY] - len(code), 0) // 3
    tz = timezone.get_current_timezone()
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return midnight + dt.timedelta(hours=min(hour + step * above, 24))


def is_late(
    submitted_at: dt.datetime | None, day: dt.date, now: dt.datetime, code: str = ""
) -> bool:
    """First submitted after the jurisdiction's deadline, or not submitted and the
    deadline has passed (`submitted_at`: the day's first submission, `first_submitted`)."""
    due = deadline(day, code)
    if submitted_at is None:
        return now > due
    return submitted_at > due


@dataclass
class ChildRow:
    code: str
    name: str
    figures: dict[str, Any]
    report: DailyReport | None = None
    late: bool = False
    direct: bool = False
    # (status, version) of the child as added up into the parent's version; None on a
    # live page, where the figures are the child's as it is now.
    added_as: tuple[str, int] | None = None

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else ""

    @property
    def changed_since(self) -> bool:
        """The child's report was submitted, signed or corrected after the parent's
        figures were added up (a draft below still counts as the data stood then)."""
        if self.added_as is None or self.direct:
            return False
        locked = (DailyReport.Status.SUBMITTED, DailyReport.Status.SIGNED)
        then_status, then_version = self.added_as
        version = self.report.version if self.report is not None else 0
        if self.status in locked:  # submitted or signed: the same version as added up?
            return not (then_status in locked and then_version == version)
        return then_status in locked  # a correction opened since counts as the data stand


@dataclass
class ReportView:
    """What the report page shows for a jurisdiction and a day."""

    node: Jurisdiction
    day: dt.date
    report: DailyReport | None  # the latest version, or None before it is prepared
    figures: dict[str, Any]  # the report's, or the live ones before it is prepared
    children: list[ChildRow] = field(default_factory=list)
    live: bool = False

    @property
    def is_leaf(self) -> bool:
        return len(self.node.code) >= LEVEL_LENGTHS[Level.COMMUNITY]

    @property
    def children_changed(self) -> bool:
        """A draft above the communities whose children have reported since it was
        added up: submitting adds them up again (`services.submit`)."""
        return (
            self.report is not None
            and not self.report.is_locked
            and any(row.changed_since for row in self.children)
        )


def tree_reports(*, node: Node, day: dt.date) -> dict[str, DailyReport]:
    """The latest report of the day of every jurisdiction of a computed tree."""
    return latest_of_children(codes=[n.code for n in node.walk() if not n.direct], day=day)


def shown_figures(*, node: Node, reports: dict[str, DailyReport]) -> dict[str, dict[str, Any]]:
    """The figures of every jurisdiction of a computed tree as its parent counts them: a
    submitted (or signed) report's (`reports`: `tree_reports`); a community's live
    figures while it has none; above the communities, the sum of its children as shown,
    so that a subdistrict that has not reported still passes up its communities' reports
    with their adjustments."""
    shown: dict[str, dict[str, Any]] = {}

    def walk(current: Node) -> dict[str, Any]:
        report = reports.get(current.code)
        below = [walk(child) for child in current.children]
        if current.direct:
            figures = dict(current.figures)
        elif report is not None and report.is_locked:
            figures = dict(report.figures)
        elif len(current.code) >= LEVEL_LENGTHS[Level.COMMUNITY] or not current.children:
            figures = dict(current.figures)
        else:
            figures = sum_figures(below)
        if not current.direct:
            shown[current.code] = figures
        return figures

    walk(node)
    return shown


def children_rows(*, node: Node, day: dt.date, now: dt.datetime) -> list[ChildRow]:
    """The children of a computed node, each with its latest report of the day and its
    figures as shown (`shown_figures`)."""
    codes = [c.code for c in node.children if not c.direct]
    reports = tree_reports(node=node, day=day)
    submitted = first_submitted(codes=codes, day=day)
    shown = shown_figures(node=node, reports=reports)
    rows = []
    for child in node.children:
        report = None if child.direct else reports.get(child.code)
        rows.append(
            ChildRow(
                code=child.code,
                name=child.name,
                figures=dict(child.figures) if child.direct else shown[child.code],
                report=report,
                late=False
                if child.direct
                else is_late(submitted.get(child.code), day, now, child.code),
                direct=child.direct,
            )
        )
    return rows


def report_view(*, scope: Scope, code: str, day: dt.date, version: int | None = None) -> ReportView:
    node = node_get(scope=scope, code=code)
    now = timezone.now()
    report = (
        version_get(scope=scope, code=code, day=day, version=version)
        if version is not None
        else latest(scope=scope, code=code, day=day)
    )
    if report is not None:
        children = [
            ChildRow(
                code=c["code"],
                name=c.get("name", ""),
                figures=c.get("figures", {}),
                late=bool(c.get("late")),
                direct=bool(c.get("direct")),
                added_as=(c.get("status") or "", int(c.get("version") or 0)),
            )
            for c in report.children
        ]
        # The children's figures as added up into this version; their reports' status
        # as it is now (a child may have been corrected since), and on a draft whether
        # they are late as of now (a submitted version keeps what it sent up).
        codes = [c.code for c in children]
        now_reports = latest_of_children(codes=codes, day=day)
        submitted = first_submitted(codes=codes, day=day) if not report.is_locked else {}
        for row in children:
            row.report = None if row.direct else now_reports.get(row.code)
            if not report.is_locked and not row.direct:
                row.late = is_late(submitted.get(row.code), day, now, row.code)
        return ReportView(
            node=node, day=day, report=report, figures=dict(report.figures), children=children
        )
    tree = compute_tree(code=code, day=day)
    rows = children_rows(node=tree, day=day, now=now)
    return ReportView(
        node=node,
        day=day,
        report=None,
        # Above the communities, the sum of the children as shown (a child's report
        # where it has one), so that the figures add up on the page too.
        figures=sum_figures([r.figures for r in rows]) if rows else dict(tree.figures),
        children=rows,
        live=True,
    )


def sum_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The additive figures summed, the rates derived from the sums."""
    totals: dict[str, Any] = dict.fromkeys([f.key for f in sections.figures() if f.additive], 0)
    for figures in rows:
        for key, value in figures.items():
            if value is not None and sections.is_additive(key):
                totals[key] = totals.get(key, 0) + value
    derive(totals)
    return totals


@dataclass(frozen=True)
class Line:
    """One figure of a report as the page and the export show it."""

    key: str
    label: str
    value: Any
    additive: bool
    url: str
    previous: Any = None

    @property
    def change(self) -> float | None:
        if self.previous is None or self.value is None:
            return None
        return round(self.value - self.previous, 1)


@dataclass(frozen=True)
class Block:
    key: str
    title: str
    lines: list[Line]


def blocks(
    figures: dict[str, Any],
    *,
    code: str,
    day: dt.date,
    previous: dict[str, Any] | None = None,
    scope: Scope | None = None,
) -> list[Block]:
    """The figures grouped by section in report order, with the dynamic ones (arrivals
    by origin) after their section's; links only for readers who may follow them."""
    result = []
    for section in sections.sections():
        may_follow = scope is None or section.perm is None or scope.has(section.perm)
        lines = [
            Line(
                key=f.key,
                label=str(f.label),
                value=figures.get(f.key, 0 if f.additive else None),
                additive=f.additive,
                url=f.url(code, day) if may_follow else "",
                previous=(previous or {}).get(f.key) if previous is not None else None,
            )
            for f in section.figures
        ]
        if section.dynamic_prefix:
            dynamic = sorted(k for k in figures if k.startswith(section.dynamic_prefix))
            lines += [
                Line(
                    key=k,
                    label=sections.label(k),
                    value=figures[k],
                    additive=True,
                    url="",
                    previous=(previous or {}).get(k, 0) if previous is not None else None,
                )
                for k in dynamic
            ]
        result.append(Block(key=section.key, title=str(section.title), lines=lines))
    return result


def previous_figures(*, scope: Scope, code: str, day: dt.date) -> dict[str, Any]:
    """The day before's figures: its latest report's, else computed for that day."""
    yesterday = day - dt.timedelta(days=1)
    report = latest(scope=scope, code=code, day=yesterday)
    if report is not None:
        return dict(report.figures)
    return dict(compute_tree(code=code, day=yesterday).figures)
