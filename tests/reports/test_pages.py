"""The report pages: a community fills in and submits, its head signs, the subdistrict
sees its communities side by side (late ones marked), compares with the day before,
prints and exports one sheet per level."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.reports import services
from fangkong.reports.models import DailyReport
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT

from .conftest import RWorld

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    """A client of the user, in English (the pages' source language)."""
    client = Client(headers={"accept-language": "en"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def url(name: str, code: str = COMMUNITY, day: dt.date | None = None) -> str:
    return reverse(f"reports:{name}", args=[code, (day or timezone.localdate()).isoformat()])


def test_the_menu_entry_opens_the_own_report_of_today(rw: RWorld) -> None:
    response = client_for(rw.worker).get(reverse("reports:index"))
    assert response.status_code == 302
    assert response["Location"] == url("daily")


def test_a_community_fills_in_and_submits_and_its_head_signs(rw: RWorld, english: Any) -> None:
    worker = client_for(rw.worker)
    page = worker.get(url("daily"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="figure-population.persons" data-value="2"' in html
    assert f'href="/registry/persons/?jurisdiction={COMMUNITY}"' in html
    assert "Live figures" in html and 'id="sign-button"' not in html
    assert f'href="/reports/daily/{SUBDISTRICT}/' not in html  # no way up out of the scope
    # A bad adjustment is named on its row, nothing is saved.
    bad = worker.post(
        url("daily_edit"),
        {"duty_staff": "张晓燕 13800000000", "adj1_figure": "arrivals.received", "adj1_delta": "2"},
    )
    assert bad.status_code == 200
    assert "Adjustment 1: say why the figure is changed." in bad.content.decode()
    assert DailyReport.objects.get().adjustments == []
    saved = worker.post(
        url("daily_edit"),
        {
            "duty_staff": "张晓燕 13800000000",
            "remarks": "无异常",
            "problems": "缺少测温枪",
            "adj1_figure": "arrivals.received",
            "adj1_delta": "2",
            "adj1_reason": "两人电话报备",
        },
    )
    assert saved.status_code == 302
    report = DailyReport.objects.get()
    assert report.adjustments == [
        {"figure": "arrivals.received", "delta": 2, "reason": "两人电话报备"}
    ]
    assert report.figures["arrivals.received"] == 2
    assert worker.post(url("daily_submit")).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.filled_by_name) == ("submitted", "张晓燕")
    # The worker cannot sign; the head can.
    assert worker.post(url("daily_sign")).status_code == 403
    head = client_for(rw.head)
    assert 'id="sign-button"' in head.get(url("daily")).content.decode()
    assert head.post(url("daily_sign")).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.signed_by_name) == ("signed", "马秀兰")
    html = worker.get(url("daily")).content.decode()
    assert 'id="figure-arrivals.received" data-value="2"' in html
    assert "缺少测温枪" in html and "马秀兰" in html
    assert 'id="edit-button"' not in html and 'id="correct-button"' in html


def test_a_correction_opens_version_two_and_version_one_stays_readable(
    rw: RWorld, english: Any
) -> None:
    report = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=timezone.localdate())
    report = services.save_draft(
        scope=rw.worker_scope, report=report, data=services.DraftInput(duty_staff="张晓燕")
    )
    services.submit(scope=rw.worker_scope, report=report)
    worker = client_for(rw.worker)
    response = worker.post(url("daily_correct"), {"reason": "补录两名返乡人员"})
    assert response.status_code == 302 and response["Location"] == url("daily_edit")
    html = worker.get(url("daily")).content.decode()
    assert 'id="report-version">version 2' in html and "补录两名返乡人员" in html
    old = worker.get(url("daily") + "?version=1").content.decode()
    assert 'id="report-version">version 1' in old and "An older version" in old


def test_the_subdistrict_sees_its_communities_side_by_side(
    rw: RWorld, english: Any, settings: Any
) -> None:
    settings.FANGKONG_REPORT_DEADLINE_HOUR = 0  # every report not in yet is late
    report = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=timezone.localdate())
    report = services.save_draft(
        scope=rw.worker_scope, report=report, data=services.DraftInput(duty_staff="张晓燕")
    )
    services.submit(scope=rw.worker_scope, report=report)
    html = client_for(rw.officer).get(url("daily", SUBDISTRICT)).content.decode()
    mine = html[html.index(f'id="child-{COMMUNITY}"') :]
    mine = mine[: mine.index("</tr>")]
    sibling = html[html.index(f'id="child-{SIBLING}"') :]
    sibling = sibling[: sibling.index("</tr>")]
    assert "Submitted" in mine and "Late" in mine  # after the (test's) deadline
    assert "Not prepared" in sibling and "Late" in sibling
    assert 'id="figure-population.persons" data-value="4"' in html
    # The same side by side as a chart.
    chart = json.loads(re.search(r'id="children-series"[^>]*>(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert chart["labels"] == ["中安街社区", "安阳路社区"]
    assert {s["name"] for s in chart["series"]} >= {"Centralised quarantine", "Checks overdue"}


def test_the_subdistrict_draft_says_when_a_community_has_reported_since(rw: RWorld) -> None:
    today = timezone.localdate()
    services.prepare(scope=rw.officer_scope, code=SUBDISTRICT, day=today)
    client = client_for(rw.officer)

    def shown() -> tuple[bool, list[str]]:
        html = client.get(url("daily", SUBDISTRICT)).content.decode()
        rows = re.findall(r'<tr id="child-(\d+)"[^>]*data-changed-since="1"', html)
        return 'id="children-changed"' in html, rows

    assert shown() == (False, [])
    report = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=today)
    assert shown() == (False, [])  # a draft below counts as the data stand
    report = services.save_draft(
        scope=rw.worker_scope, report=report, data=services.DraftInput(duty_staff="张晓燕")
    )
    report = services.submit(scope=rw.worker_scope, report=report)
    assert shown() == (True, [COMMUNITY])
    # Refreshed: added up as submitted; signing the same version changes no figure.
    services.prepare(scope=rw.officer_scope, code=SUBDISTRICT, day=today)
    assert shown() == (False, [])
    services.sign(scope=rw.head_scope, report=report)
    assert shown() == (False, [])
    # A correction opened below: its draft counts as the data stand, not as submitted.
    services.correct(scope=rw.worker_scope, report=report, reason="补录两人")
    assert shown() == (True, [COMMUNITY])


def test_compare_with_the_day_before(control: Any) -> None:
    from fangkong.control.orders import services as orders

    from .conftest import manual

    orders.order_approve(scope=control.officer_scope, order=manual(control))
    html = (
        client_for(control.officer).get(url("daily", SUBDISTRICT) + "?compare=1").content.decode()
    )
    assert 'id="change-control.new"><span class="text-danger">+1</span>' in html
    assert 'id="change-population.persons">0<' in html


def test_print_and_export_one_sheet_per_level(rw: RWorld, english: Any, make_user: Any) -> None:
    admin = make_user("district_admin", DISTRICT, username="rw_export_admin")
    client = client_for(admin)
    printed = client.get(url("daily_print", DISTRICT)).content.decode()
    assert "Daily report of" in printed and "上街区" in printed
    response = client.get(url("daily_export", DISTRICT))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["District", "Subdistricts", "Communities"]
    header = [
        c for c in next(iter(book["Communities"].iter_rows(min_row=4, max_row=4, values_only=True)))
    ]
    persons = header.index("Residents")
    rows = {r[0]: r for r in book["Communities"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert rows[COMMUNITY][persons] == 2 and rows[SIBLING][persons] == 2
    total = [
        r for r in book["Communities"].iter_rows(min_row=5, values_only=True) if r[1] == "Total"
    ]
    assert total[0][persons] == 4
    district = list(book["District"].iter_rows(min_row=5, values_only=True))
    assert district[0][0] == DISTRICT and district[0][persons] == 4
