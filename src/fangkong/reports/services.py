"""Writes of the daily reports: prepare, fill in, submit, sign, correct.

A report moves draft → submitted (填报人: who submitted it) → signed (签发: the head,
another person). A submitted report never changes again (the services refuse, and a
check constraint keeps the names and times); a correction is the next version, with its
reason, prepared afresh. Only a community's report has hand adjustments: a subdistrict's
or the district's is the sum of its children's reports (their latest versions, or their
live figures for a child that has not reported), plus its own remarks, so that every
additive figure of a report is the sum of its children's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.accounts.selectors import actor_display
from fangkong.core import audit
from fangkong.core.codes import LEVEL_LENGTHS, Level
from fangkong.core.errors import ApplicationError, Conflict, FieldError
from fangkong.core.notices import notify_staff
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from . import sections, selectors, snapshots
from .figures import Node, compute_tree, derive
from .models import DailyReport

DEFAULT_REPORT_HOUR = 17
MAX_ADJUSTMENTS = 20
TEXT_MAX = 2000


def _conflict(message: str) -> Conflict:
    return Conflict(message)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        message, errors=[FieldError(field=field, code="invalid", message=message)]
    )


def _is_leaf(code: str) -> bool:
    return len(code) >= LEVEL_LENGTHS[Level.COMMUNITY]


def apply_adjustments(computed: Mapping[str, Any], adjustments: list[dict[str, Any]]) -> dict:
    """The report's figures: the computed ones plus the adjustments, rates derived again."""
    figures = {k: v for k, v in computed.items()}
    for adjustment in adjustments:
        key = adjustment["figure"]
        figures[key] = (figures.get(key) or 0) + int(adjustment["delta"])
    derive(figures)
    return figures


def _children_json(node: Node, day: dt.date, now: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "code": row.code,
            "name": row.name,
            "figures": row.figures,
            "version": row.report.version if row.report is not None else 0,
            "status": row.status,
            "late": row.late,
            "direct": row.direct,
        }
        for row in selectors.children_rows(node=node, day=day, now=now)
    ]


def _fill_from(report: DailyReport, node: Node, now: dt.datetime) -> None:
    """Set a draft's computed figures (and children) from a computed node."""
    if _is_leaf(report.jurisdiction_code):
        report.computed = dict(node.figures)
        report.children = []
    else:
        report.children = _children_json(node, report.day, now)
        report.computed = selectors.sum_figures([c["figures"] for c in report.children])
    report.figures = apply_adjustments(report.computed, report.adjustments)
    report.prepared_at = now


def prepare(
    *, scope: Scope, code: str, day: dt.date, now: dt.datetime | None = None
) -> DailyReport:
    """Prepare (or refresh) the draft of a jurisdiction's report from the data of now.
    A submitted latest version is returned as it is (a correction is `correct`)."""
    scope.require(Perm.REPORT_FILL, at=code)
    selectors.node_get(scope=scope, code=code)
    now = now or timezone.now()
    if not selectors.FIRST_DAY <= day <= timezone.localdate(now):
        raise _invalid("day", _("A report is of today or a day before."))
    node = compute_tree(code=code, day=day)
    try:
        return _prepare(scope, code, day, node, now)
    except IntegrityError:  # prepared at the same moment elsewhere: refresh that one
        return _prepare(scope, code, day, node, now)


def _prepare(scope: Scope, code: str, day: dt.date, node: Node, now: dt.datetime) -> DailyReport:
    with transaction.atomic():
        report = (
            DailyReport.objects.select_for_update()
            .filter(jurisdiction_code=code, day=day)
            .order_by("-version")
            .first()
        )
        if report is not None and report.is_locked:
            return report
        created = report is None
        if report is None:
            report = DailyReport(jurisdiction_code=code, day=day, version=1)
        _fill_from(report, node, now)
        report.save()
        _audit_prepare(scope, report, created=created)
    return report


def _audit_prepare(scope: Scope, report: DailyReport, *, created: bool) -> None:
    audit.record(
        scope,
        "report.prepare",
        report,
        jurisdiction_code=report.jurisdiction_code,
        data={"day": report.day.isoformat(), "version": report.version, "created": created},
    )


def _clean_adjustments(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(raw) > MAX_ADJUSTMENTS:
        raise _invalid("adjustments", _("At most %(n)s adjustments.") % {"n": MAX_ADJUSTMENTS})
    cleaned = []
    for position, item in enumerate(raw, start=1):
        index = int(item.get("row") or position)
        key = str(item.get("figure", "")).strip()
        figure = sections.figure(key)
        if figure is None or not figure.additive:
            raise _invalid(
                f"adjustments.{index}.figure",
                _("Adjustment %(n)s: choose a figure that is counted (not a rate).") % {"n": index},
            )
        try:
            delta = int(str(item.get("delta", "")).strip())
        except ValueError:
            delta = 0
        if not delta:
            raise _invalid(
                f"adjustments.{index}.delta",
                _("Adjustment %(n)s: the change must be a whole number other than 0.")
                % {"n": index},
            )
        reason = str(item.get("reason", "")).strip()
        if len(reason) < 2:
            raise _invalid(
                f"adjustments.{index}.reason",
                _("Adjustment %(n)s: say why the figure is changed.") % {"n": index},
            )
        cleaned.append({"figure": key, "delta": delta, "reason": reason[:200]})
    return cleaned


def _no_negative(
    figures: Mapping[str, Any], adjustments: list[dict[str, Any]], rows: list[int]
) -> None:
    """A count adjusted below zero names the (form's) row of the adjustment."""
    for index, adjustment in zip(rows, adjustments, strict=True):
        value = figures.get(adjustment["figure"]) or 0
        if value < 0:
            figure = sections.figure(adjustment["figure"])
            raise _invalid(
                f"adjustments.{index}.delta",
                _("Adjustment %(n)s: %(figure)s would be %(value)s; a count is never below 0.")
                % {"n": index, "figure": figure.label if figure else "", "value": value},
            )


@dataclass(frozen=True)
class DraftInput:
    duty_staff: str = ""
    remarks: str = ""
    problems: str = ""
    adjustments: tuple[dict[str, Any], ...] = ()


def _draft_for_update(report: DailyReport) -> DailyReport:
    locked = DailyReport.objects.select_for_update().get(pk=report.pk)
    if locked.is_locked:
        raise _conflict(_("This report has been submitted; a change is a correction."))
    latest = DailyReport.objects.filter(
        jurisdiction_code=locked.jurisdiction_code, day=locked.day
    ).order_by("-version")[0]
    if latest.pk != locked.pk:
        raise _conflict(_("A newer version of this report exists."))
    return locked


def save_draft(*, scope: Scope, report: DailyReport, data: DraftInput) -> DailyReport:
    """What the system cannot know: staff on duty, remarks, problems needing help, and a
    community's few hand adjustments, each with its reason."""
    scope.require(Perm.REPORT_FILL, at=report.jurisdiction_code)
    if data.adjustments and not _is_leaf(report.jurisdiction_code):
        raise _invalid(
            "adjustments",
            _("Only a community adjusts figures; a higher level adds up its children."),
        )
    adjustments = _clean_adjustments(list(data.adjustments))
    with transaction.atomic():
        report = _draft_for_update(report)
        report.duty_staff = data.duty_staff.strip()[:TEXT_MAX]
        report.remarks = data.remarks.strip()[:TEXT_MAX]
        report.problems = data.problems.strip()[:TEXT_MAX]
        report.adjustments = adjustments
        report.figures = apply_adjustments(report.computed, adjustments)
        rows = [int(a.get("row") or n) for n, a in enumerate(data.adjustments, start=1)]
        _no_negative(report.figures, adjustments, rows)
        report.save()
        audit.record(
            scope,
            "report.edit",
            report,
            jurisdiction_code=report.jurisdiction_code,
            data={"adjustments": adjustments},
        )
    return report


def submit(*, scope: Scope, report: DailyReport, now: dt.datetime | None = None) -> DailyReport:
    """Submit the draft upward; 填报人 is the submitting account. A community's report
    goes as it stands (the figures its worker checked and adjusted); a higher level's
    adds up its children as they stand now (a draft prepared at 17:00 would otherwise
    send up the sum of the communities' drafts they have since submitted, adjusted)."""
    scope.require(Perm.REPORT_FILL, at=report.jurisdiction_code)
    if scope.actor_id is None:
        raise _conflict(_("A report is submitted by a person."))
    now = now or timezone.now()
    code = report.jurisdiction_code
    node = None if _is_leaf(code) else compute_tree(code=code, day=report.day)
    with transaction.atomic():
        report = _draft_for_update(report)
        if not report.duty_staff.strip():
            raise _invalid("duty_staff", _("Name the staff on duty before submitting."))
        if node is not None:
            _fill_from(report, node, now)
        report.status = DailyReport.Status.SUBMITTED
        report.filled_by_id = scope.actor_id
        report.filled_by_name = actor_display(scope)
        report.submitted_at = now
        report.save()
        audit.record(
            scope,
            "report.submit",
            report,
            jurisdiction_code=report.jurisdiction_code,
            data={"version": report.version, "figures": report.figures},
        )
    return report


def sign(*, scope: Scope, report: DailyReport, now: dt.datetime | None = None) -> DailyReport:
    """The head signs a submitted report (签发): another person than the one who filled
    it in."""
    scope.require(Perm.REPORT_SIGN, at=report.jurisdiction_code)
    now = now or timezone.now()
    with transaction.atomic():
        report = DailyReport.objects.select_for_update().get(pk=report.pk)
        if report.status != DailyReport.Status.SUBMITTED:
            raise _conflict(_("Only a submitted report can be signed."))
        if report.filled_by_id is not None and report.filled_by_id == scope.actor_id:
            raise _conflict(
                _("The report is signed by another person than the one who filled it in.")
            )
        report.status = DailyReport.Status.SIGNED
        report.signed_by_id = scope.actor_id
        report.signed_by_name = actor_display(scope)
        report.signed_at = now
        report.save()
        audit.record(scope, "report.sign", report, jurisdiction_code=report.jurisdiction_code)
    return report


def correct(
    *, scope: Scope, report: DailyReport, reason: str, now: dt.datetime | None = None
) -> DailyReport:
    """Open the next version of a submitted report, with the reason, prepared afresh
    (what was written by hand is carried over to be checked again)."""
    scope.require(Perm.REPORT_FILL, at=report.jurisdiction_code)
    reason = reason.strip()
    if len(reason) < 2:
        raise _invalid("reason", _("Say why the report is corrected."))
    now = now or timezone.now()
    node = compute_tree(code=report.jurisdiction_code, day=report.day)
    with transaction.atomic():
        latest = (
            DailyReport.objects.select_for_update()
            .filter(jurisdiction_code=report.jurisdiction_code, day=report.day)
            .order_by("-version")[0]
        )
        if latest.pk != report.pk:
            raise _conflict(_("A newer version of this report exists."))
        if not latest.is_locked:
            raise _conflict(_("This version is still a draft: change it directly."))
        draft = DailyReport(
            jurisdiction_code=latest.jurisdiction_code,
            day=latest.day,
            version=latest.version + 1,
            duty_staff=latest.duty_staff,
            remarks=latest.remarks,
            problems=latest.problems,
            adjustments=list(latest.adjustments),
            correction_reason=reason[:TEXT_MAX],
        )
        _fill_from(draft, node, now)
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:
            raise _conflict(_("A newer version of this report exists.")) from None
        audit.record(
            scope,
            "report.correct",
            draft,
            jurisdiction_code=draft.jurisdiction_code,
            reason=reason,
            data={"version": draft.version, "replaces": latest.version},
        )
    return draft


# --- The scheduled preparation -------------------------------------------------------------


def report_hour() -> int:
    return int(getattr(settings, "FANGKONG_REPORT_HOUR", DEFAULT_REPORT_HOUR))


def prepare_all(*, code: str, day: dt.date, now: dt.datetime | None = None) -> int:
    """Prepare the draft of every jurisdiction under `code` (itself included) that has no
    report for the day yet, and refresh a draft prepared before the report hour (a
    worker who clicked "prepare" in the morning would otherwise check and submit the
    morning's figures), from one computation of the tree; store the day's figures for
    the dashboard. Returns the drafts created or refreshed. Bottom-up, so that a parent
    adds up its children's drafts."""
    now = now or timezone.now()
    root = compute_tree(code=code, day=day)
    snapshots.write(root, day=day)
    scope = Scope.system(reason="daily report preparation", code=code)
    nodes = [n for n in root.walk() if not n.direct]
    existing: dict[str, DailyReport] = {}
    for found in DailyReport.objects.within_code(code).filter(day=day).order_by("version"):
        existing[found.jurisdiction_code] = found
    hour = dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())
    hour += dt.timedelta(hours=report_hour())
    prepared = 0
    for node in sorted(nodes, key=lambda n: -len(n.code)):
        report = existing.get(node.code)
        if report is None:
            prepared += _prepare_new(scope, node, day, now)
        elif not report.is_locked and report.prepared_at is not None and report.prepared_at < hour:
            prepared += _refresh(scope, report, node, now)
    if prepared and day == timezone.localdate(now):
        # Everyone of the district sees it on their home page (core.notices).
        with translation.override(settings.LANGUAGE_CODE):
            due = selectors.deadline(day)
            notify_staff(
                jurisdiction_code=code,
                title=_("The daily reports of %(day)s are ready to be filled in")
                % {"day": day.isoformat()},
                body=_("Check the figures, add the staff on duty and submit by %(at)s.")
                % {"at": timezone.localtime(due).strftime("%H:%M")},
                link=reverse("reports:index"),
                source="reports",
                scope=scope,
            )
    return prepared


def prepare_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic task's work: from FANGKONG_REPORT_HOUR (17:00) on, the day's drafts of
    every district's jurisdictions exist. Before that hour it does nothing."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < report_hour():
        return {}
    return {
        code: prepare_all(code=code, day=local.date(), now=now) for code in snapshots.districts()
    }


def _prepare_new(scope: Scope, node: Node, day: dt.date, now: dt.datetime) -> int:
    report = DailyReport(jurisdiction_code=node.code, day=day, version=1)
    _fill_from(report, node, now)
    try:
        with transaction.atomic():
            report.save()
            _audit_prepare(scope, report, created=True)
    except IntegrityError:  # prepared meanwhile by hand
        return 0
    return 1


def _refresh(scope: Scope, report: DailyReport, node: Node, now: dt.datetime) -> int:
    """A morning's draft brought up to the figures of the report hour; what was written
    by hand (staff, remarks, adjustments) stays."""
    with transaction.atomic():
        try:
            report = _draft_for_update(report)
        except Conflict:  # submitted or corrected meanwhile
            return 0
        _fill_from(report, node, now)
        report.save()
        _audit_prepare(scope, report, created=False)
    return 1
