"""Preparing, filling in, submitting, signing, locking and correcting reports, and the
scheduled preparation with a controlled clock."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fangkong.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from fangkong.registry import services as registry
from fangkong.reports import selectors, services
from fangkong.reports.models import DailyFigure, DailyReport
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN, TOWN_COMMUNITY

from .conftest import RWorld

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 3)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def filled(rw: RWorld, **extra: Any) -> DailyReport:
    draft = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY, now=at(17))
    return services.save_draft(
        scope=rw.worker_scope,
        report=draft,
        data=services.DraftInput(duty_staff="张晓燕 13800000000", **extra),
    )


def test_prepare_makes_one_draft_and_refreshes_it(rw: RWorld) -> None:
    first = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY, now=at(17))
    assert (first.version, first.status) == (1, "draft")
    assert first.figures["population.persons"] == 2
    assert first.computed == first.figures
    again = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY, now=at(17, 30))
    assert again.pk == first.pk
    assert again.prepared_at == at(17, 30)
    assert DailyReport.objects.count() == 1


def test_prepare_is_scoped(rw: RWorld) -> None:
    with pytest.raises(NotFound):
        services.prepare(scope=rw.sibling_scope, code=COMMUNITY, day=TODAY)
    with pytest.raises(PermissionDenied):
        services.prepare(scope=rw.viewer_scope, code=COMMUNITY, day=TODAY)


def test_adjustments_need_a_counted_figure_a_change_and_a_reason(rw: RWorld) -> None:
    draft = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY)
    cases = [
        ({"figure": "testing.rate", "delta": 1, "reason": "x"}, "adjustments.1.figure"),
        ({"figure": "no.such", "delta": 1, "reason": "原因"}, "adjustments.1.figure"),
        ({"figure": "arrivals.received", "delta": 0, "reason": "原因"}, "adjustments.1.delta"),
        ({"figure": "arrivals.received", "delta": 2, "reason": ""}, "adjustments.1.reason"),
        # Two people in the community: minus three would be a count below zero.
        ({"figure": "population.persons", "delta": -3, "reason": "搬走"}, "adjustments.1.delta"),
    ]
    for adjustment, field in cases:
        with pytest.raises(ApplicationError) as caught:
            services.save_draft(
                scope=rw.worker_scope,
                report=draft,
                data=services.DraftInput(duty_staff="张", adjustments=(adjustment,)),
            )
        assert [e.field for e in caught.value.errors] == [field]
    assert caught.value.message == "第 1 项调整：常住人口将为 -1，数量不能小于 0。"
    draft.refresh_from_db()
    assert draft.adjustments == [] and draft.duty_staff == ""


def test_adjusted_figures_and_the_sum_upward(rw: RWorld) -> None:
    report = filled(
        rw,
        remarks="无异常",
        adjustments=(
            {"figure": "arrivals.received", "delta": 2, "reason": "两人电话报备，系统未录入"},
            {"figure": "population.persons", "delta": -1, "reason": "重复登记"},
        ),
    )
    assert report.figures["arrivals.received"] == 2
    assert report.figures["population.persons"] == 1
    assert report.computed["population.persons"] == 2
    services.submit(scope=rw.worker_scope, report=report, now=at(17, 40))
    sub = services.prepare(scope=rw.officer_scope, code=SUBDISTRICT, day=TODAY, now=at(18, 30))
    # The subdistrict adds up its communities' reports: ours as submitted, the sibling's
    # live figures (it has not reported).
    assert sub.figures["population.persons"] == 1 + 2
    assert sub.figures["arrivals.received"] == 2
    children = {c["code"]: c for c in sub.children}
    assert children[COMMUNITY]["status"] == "submitted" and children[COMMUNITY]["version"] == 1
    assert children[SIBLING]["status"] == "" and children[SIBLING]["late"] is True
    assert children[COMMUNITY]["late"] is False  # in by 18:00
    with pytest.raises(ApplicationError) as caught:
        services.save_draft(
            scope=rw.officer_scope,
            report=sub,
            data=services.DraftInput(
                duty_staff="王建华",
                adjustments=({"figure": "arrivals.received", "delta": 1, "reason": "补"},),
            ),
        )
    assert [e.field for e in caught.value.errors] == ["adjustments"]


def test_submit_needs_the_duty_staff_and_locks_the_report(rw: RWorld) -> None:
    draft = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY)
    with pytest.raises(ApplicationError) as caught:
        services.submit(scope=rw.worker_scope, report=draft)
    assert [e.field for e in caught.value.errors] == ["duty_staff"]
    report = filled(rw)
    submitted = services.submit(scope=rw.worker_scope, report=report, now=at(17, 50))
    assert submitted.status == "submitted"
    assert (submitted.filled_by_id, submitted.filled_by_name) == (rw.worker.pk, "张晓燕")
    assert submitted.submitted_at == at(17, 50)
    with pytest.raises(Conflict):
        services.save_draft(
            scope=rw.worker_scope, report=submitted, data=services.DraftInput(duty_staff="改")
        )
    with pytest.raises(Conflict):
        services.submit(scope=rw.worker_scope, report=submitted)
    # Preparing again leaves the submitted version as it is.
    again = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY)
    assert again.pk == submitted.pk and again.status == "submitted"
    # And the database refuses a submitted report without its filler.
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyReport.objects.filter(pk=submitted.pk).update(filled_by_name="")


def test_signing_is_for_a_head_and_another_person(
    rw: RWorld, make_user: Any, scope_of: Any
) -> None:
    report = services.submit(scope=rw.worker_scope, report=filled(rw))
    with pytest.raises(PermissionDenied):
        services.sign(scope=rw.worker_scope, report=report)
    # A head who filled the report in does not sign it too.
    own = services.prepare(scope=rw.head_scope, code=COMMUNITY, day=TODAY - dt.timedelta(days=1))
    own = services.save_draft(
        scope=rw.head_scope, report=own, data=services.DraftInput(duty_staff="马秀兰")
    )
    own = services.submit(scope=rw.head_scope, report=own)
    with pytest.raises(Conflict):
        services.sign(scope=rw.head_scope, report=own)
    signed = services.sign(scope=rw.head_scope, report=report, now=at(18, 5))
    assert (signed.status, signed.signed_by_name, signed.signed_at) == (
        "signed",
        "马秀兰",
        at(18, 5),
    )
    with pytest.raises(Conflict):
        services.sign(scope=rw.officer_scope, report=signed)


def test_a_correction_is_a_new_version_and_the_old_stays(rw: RWorld) -> None:
    first = services.submit(
        scope=rw.worker_scope,
        report=filled(
            rw, adjustments=({"figure": "arrivals.received", "delta": 1, "reason": "电话报备"},)
        ),
    )
    with pytest.raises(ApplicationError) as caught:
        services.correct(scope=rw.worker_scope, report=first, reason=" ")
    assert [e.field for e in caught.value.errors] == ["reason"]
    second = services.correct(scope=rw.worker_scope, report=first, reason="补录两名返乡人员")
    assert (second.version, second.status, second.correction_reason) == (
        2,
        "draft",
        "补录两名返乡人员",
    )
    assert second.adjustments == first.adjustments and second.duty_staff == first.duty_staff
    with pytest.raises(Conflict):  # only the latest version is corrected
        services.correct(scope=rw.worker_scope, report=first, reason="再改")
    with pytest.raises(Conflict):  # a draft is changed directly
        services.correct(scope=rw.worker_scope, report=second, reason="再改")
    first.refresh_from_db()
    assert (first.status, first.version) == ("submitted", 1)
    assert [
        r.version for r in selectors.versions(scope=rw.officer_scope, code=COMMUNITY, day=TODAY)
    ] == [2, 1]
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyReport.objects.create(
            jurisdiction_code=COMMUNITY, day=TODAY, version=3, prepared_at=timezone.now()
        )  # a version after the first needs its reason


def test_lateness(rw: RWorld, settings: Any) -> None:
    settings.FANGKONG_REPORT_DEADLINE_HOUR = 18
    assert not selectors.is_late(None, TODAY, at(17, 59))
    assert selectors.is_late(None, TODAY, at(18, 1))
    report = services.submit(scope=rw.worker_scope, report=filled(rw), now=at(18, 20))
    assert selectors.is_late(report.submitted_at, TODAY, at(23))
    yesterday = TODAY - dt.timedelta(days=1)
    on_time = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=yesterday)
    on_time = services.save_draft(
        scope=rw.worker_scope, report=on_time, data=services.DraftInput(duty_staff="张晓燕")
    )
    on_time = services.submit(scope=rw.worker_scope, report=on_time, now=at(17, 59, yesterday))
    assert not selectors.is_late(on_time.submitted_at, yesterday, at(23))
    # A correction submitted in the evening: the day's report was on time all the same.
    corrected = services.correct(
        scope=rw.worker_scope, report=on_time, reason="补录两人", now=at(20, 0, yesterday)
    )
    corrected = services.submit(scope=rw.worker_scope, report=corrected, now=at(20, 5, yesterday))
    assert selectors.first_submitted(codes=[COMMUNITY, SIBLING], day=yesterday) == {
        COMMUNITY: at(17, 59, yesterday)
    }
    rows = {
        r.code: r.late
        for r in selectors.report_view(
            scope=rw.officer_scope, code=SUBDISTRICT, day=yesterday
        ).children
    }
    assert rows == {COMMUNITY: False, SIBLING: True}
    # Each level above is due an hour later: the subdistrict adds up what came at 17:59.
    settings.FANGKONG_REPORT_LEVEL_HOURS = 1
    assert [selectors.deadline(TODAY, c) for c in (COMMUNITY, SUBDISTRICT, DISTRICT)] == [
        at(18),
        at(19),
        at(20),
    ]
    assert not selectors.is_late(at(18, 30), TODAY, at(23), SUBDISTRICT)
    assert selectors.is_late(at(18, 30), TODAY, at(23), COMMUNITY)
    assert selectors.is_late(None, TODAY, at(20, 1), DISTRICT)
    assert not selectors.is_late(None, TODAY, at(19, 59), DISTRICT)


def test_the_scheduled_preparation(rw: RWorld, settings: Any) -> None:
    settings.FANGKONG_REPORT_HOUR = 17
    assert services.prepare_due(now=at(16, 59)) == {}
    assert DailyReport.objects.count() == 0
    done = services.prepare_due(now=at(17, 0))
    # The district, its two subdistricts and its three communities.
    assert done == {DISTRICT: 6}
    drafts = {r.jurisdiction_code: r for r in DailyReport.objects.all()}
    assert set(drafts) == {DISTRICT, SUBDISTRICT, COMMUNITY, SIBLING, TOWN, TOWN_COMMUNITY}
    assert all(r.day == TODAY and r.status == "draft" and r.version == 1 for r in drafts.values())
    assert drafts[DISTRICT].figures["population.persons"] == 4
    assert drafts[SUBDISTRICT].figures["population.households"] == 2
    # The day's figures are stored for the dashboard, for every jurisdiction.
    assert DailyFigure.objects.filter(day=TODAY, key="population.persons").count() == 6
    assert (
        DailyFigure.objects.get(
            day=TODAY, key="population.persons", jurisdiction_code=COMMUNITY
        ).value
        == 2
    )
    # The district's staff are told, once, on their home page.
    from fangkong.core.models import StaffNotice

    notice = StaffNotice.objects.get(source="reports")
    assert (notice.jurisdiction_code, notice.link) == (DISTRICT, "/reports/")
    assert notice.title == "2026-12-03 日报已生成，请填报"
    assert notice.body == "请核对数据、填写值班人员，于 18:00 前上报。"
    # Run again (every ten minutes): nothing new, a hand-prepared report is kept.
    assert services.prepare_due(now=at(17, 10)) == {DISTRICT: 0}
    assert DailyReport.objects.count() == 6
    assert StaffNotice.objects.filter(source="reports").count() == 1


def test_the_report_hour_refreshes_a_morning_draft(
    rw: RWorld, settings: Any, system_scope: Any
) -> None:
    """A worker who prepared the report at 9:00 would check and submit the morning's
    figures: at the report hour the draft is counted again, what was written stays."""
    settings.FANGKONG_REPORT_HOUR = 17
    morning = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=TODAY, now=at(9))
    morning = services.save_draft(
        scope=rw.worker_scope,
        report=morning,
        data=services.DraftInput(
            duty_staff="张晓燕",
            adjustments=({"figure": "population.persons", "delta": 1, "reason": "新生儿未登记"},),
        ),
    )
    assert morning.figures["population.persons"] == 3
    registry.person_create(
        scope=system_scope, household=rw.mine.household, name="张小三", relation_to_head="子"
    )
    assert services.prepare_due(now=at(17, 0)) == {DISTRICT: 6}  # five new, one refreshed
    report = DailyReport.objects.get(jurisdiction_code=COMMUNITY, day=TODAY)
    assert (report.version, report.prepared_at, report.duty_staff) == (1, at(17), "张晓燕")
    assert (report.computed["population.persons"], report.figures["population.persons"]) == (
        3,
        4,
    )
    parent = DailyReport.objects.get(jurisdiction_code=SUBDISTRICT, day=TODAY)
    assert parent.figures["population.persons"] == 3 + 2  # the sibling's two
    # Drafts of the report hour are not counted again on the next run.
    assert services.prepare_due(now=at(17, 10)) == {DISTRICT: 0}


def test_the_periodic_tasks(rw: RWorld, settings: Any) -> None:
    from fangkong.reports import tasks

    settings.FANGKONG_REPORT_HOUR = 0  # any hour is past it
    tasks.refresh_figures()
    today = timezone.localdate()
    assert (
        DailyFigure.objects.get(
            jurisdiction_code=DISTRICT, day=today, key="population.persons"
        ).value
        == 4
    )
    tasks.prepare_reports()
    assert sorted(
        DailyReport.objects.filter(day=today).values_list("jurisdiction_code", flat=True)
    ) == sorted([DISTRICT, SUBDISTRICT, COMMUNITY, SIBLING, TOWN, TOWN_COMMUNITY])


def test_a_subdistrict_submits_the_sum_of_its_communities_as_they_stand_then(
    rw: RWorld,
) -> None:
    """The subdistrict's draft was prepared at 17:00, before its community submitted an
    adjusted report; submitting at 18:30 sends up the community's report as submitted,
    not the draft's old sum."""
    sub = services.prepare(scope=rw.officer_scope, code=SUBDISTRICT, day=TODAY, now=at(17))
    assert {c["code"]: c["status"] for c in sub.children}[COMMUNITY] == ""  # no report yet
    assert sub.figures["arrivals.received"] == 0
    report = filled(
        rw, adjustments=({"figure": "arrivals.received", "delta": 2, "reason": "电话报备"},)
    )
    services.submit(scope=rw.worker_scope, report=report, now=at(17, 40))
    sub = services.save_draft(
        scope=rw.officer_scope, report=sub, data=services.DraftInput(duty_staff="王建华")
    )
    submitted = services.submit(scope=rw.officer_scope, report=sub, now=at(18, 30))
    children = {c["code"]: c for c in submitted.children}
    assert (children[COMMUNITY]["status"], children[COMMUNITY]["version"]) == ("submitted", 1)
    assert children[COMMUNITY]["figures"]["arrivals.received"] == 2
    assert submitted.figures["arrivals.received"] == 2
    assert submitted.computed["arrivals.received"] == 2
    assert submitted.prepared_at == at(18, 30)
    assert (submitted.status, submitted.duty_staff) == ("submitted", "王建华")


def test_a_draft_below_counts_as_the_data_stand_not_as_written(rw: RWorld) -> None:
    filled(rw, adjustments=({"figure": "arrivals.received", "delta": 2, "reason": "电话报备"},))
    sub = services.prepare(scope=rw.officer_scope, code=SUBDISTRICT, day=TODAY, now=at(18))
    children = {c["code"]: c for c in sub.children}
    assert children[COMMUNITY]["status"] == "draft"
    assert children[COMMUNITY]["figures"]["arrivals.received"] == 0
    assert sub.figures["arrivals.received"] == 0
