"""The daily report at its edges: days out of reach, numbers that are not numbers, an
account of a grid, a community deactivated, two preparations at once, a parent's draft
seen after the deadline, and a subdistrict that has not reported passing up its
communities' adjusted reports."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.services import token_issue
from fangkong.core.errors import ApplicationError
from fangkong.core.models import Jurisdiction
from fangkong.reports import exports, selectors, services
from fangkong.reports.figures import compute_tree
from fangkong.reports.models import DailyReport
from tests.conftest import COMMUNITY, DISTRICT, GRID, SIBLING, SUBDISTRICT

from .conftest import RWorld, submitted

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def client_for(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def daily(code: str, day: dt.date | str, name: str = "daily") -> str:
    return reverse(f"reports:{name}", args=[code, str(day)])


def test_a_day_to_come_or_before_2000_is_not_a_report(rw: RWorld) -> None:
    client = client_for(rw.worker)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert client.get(daily(COMMUNITY, tomorrow)).status_code == 404
    edit = client.post(daily(COMMUNITY, tomorrow, "daily_edit"), {"duty_staff": "张晓燕"})
    submit = client.post(daily(COMMUNITY, tomorrow, "daily_submit"))
    assert (edit.status_code, submit.status_code) == (404, 404)
    assert client.get(daily(COMMUNITY, "0001-01-01")).status_code == 404
    assert client.get(daily(COMMUNITY, "1999-12-31")).status_code == 404
    assert client.get(daily(COMMUNITY, "2000-01-01")).status_code == 200
    assert not DailyReport.objects.exists()
    with pytest.raises(ApplicationError) as refused:
        services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=tomorrow)
    assert [e.field for e in refused.value.errors] == ["day"]
    token, _expires = token_issue(user=rw.worker, totp=None)
    api = Client().get(
        f"/api/v1/reports/daily?jurisdiction={COMMUNITY}&date=0001-01-01",
        headers={"authorization": f"Bearer {token}", "accept-language": "en"},
    )
    assert api.status_code == 400, api.content
    assert api.json()["title"] == "The day is before 2000-01-01."


@pytest.mark.parametrize(
    "path",
    [
        "daily?version=%C2%B2",
        "dashboard?days=%C2%B2",
        "wall?refresh=%C2%B2",
        "wall?refresh=99999999999999999999",
        "daily?version=99999999999999999999",
    ],
)
def test_numbers_that_are_not_numbers_are_ignored(rw: RWorld, path: str) -> None:
    """ "²".isdigit() is true and int("²") raises; twenty digits overflow the database."""
    name, query = path.split("?")
    url = {
        "daily": daily(COMMUNITY, timezone.localdate()),
        "dashboard": reverse("reports:dashboard"),
        "wall": reverse("reports:dashboard_wall"),
    }[name]
    assert client_for(rw.worker).get(f"{url}?{query}").status_code == 200


def test_an_account_of_a_grid_has_no_report_and_is_told_so(rw: RWorld, make_user: Any) -> None:
    grid = make_user("grid_worker", GRID, username="rw_grid")
    client = client_for(grid)
    home = client.get(reverse("home")).content.decode()
    assert reverse("reports:index") not in home and reverse("reports:dashboard") not in home
    for url in (reverse("reports:index"), reverse("reports:dashboard")):
        refused = client.get(url)
        assert refused.status_code == 403
        assert "an account of a grid has none" in refused.content.decode()
    # A community's worker keeps both entries.
    worker_home = client_for(rw.worker).get(reverse("home")).content.decode()
    assert reverse("reports:index") in worker_home
    assert reverse("reports:dashboard") in worker_home


def test_a_deactivated_community_has_no_page(rw: RWorld) -> None:
    Jurisdiction.objects.filter(code=SIBLING).update(is_active=False)
    client = client_for(rw.officer)
    assert client.get(daily(SIBLING, timezone.localdate())).status_code == 404
    page = client.get(daily(SUBDISTRICT, timezone.localdate()))
    assert page.status_code == 200
    assert reverse("reports:daily", args=[SIBLING, timezone.localdate()]) not in (
        page.content.decode()
    )


def test_a_preparation_meets_one_at_the_same_moment(rw: RWorld, monkeypatch: Any) -> None:
    """The 17:00 preparation writes the draft between this one's look and its write:
    the unique version refuses the second row, and this one refreshes the first."""
    day = timezone.localdate()
    fill = services._fill_from
    raced: list[bool] = []

    def meanwhile(report: DailyReport, node: Any, now: dt.datetime) -> None:
        if not raced:  # the other writer, once, just before this one saves
            raced.append(True)
            DailyReport.objects.create(
                jurisdiction_code=COMMUNITY, day=day, version=1, prepared_at=now
            )
        fill(report, node, now)

    monkeypatch.setattr(services, "_fill_from", meanwhile)
    report = services.prepare(scope=rw.worker_scope, code=COMMUNITY, day=day)
    assert raced == [True]
    assert list(
        DailyReport.objects.filter(jurisdiction_code=COMMUNITY, day=day).values_list(
            "pk", "version"
        )
    ) == [(report.pk, 1)]


def test_a_parents_draft_says_who_is_late_as_of_now(rw: RWorld) -> None:
    """A subdistrict's draft prepared at 17:00 added up its communities on time; seen
    after 18:00 a community that never reported is late."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    at17 = dt.datetime.combine(yesterday, dt.time(17), tzinfo=SHANGHAI)
    services.prepare_all(code=DISTRICT, day=yesterday, now=at17)
    draft = DailyReport.objects.get(jurisdiction_code=SUBDISTRICT, day=yesterday)
    assert {c["code"]: c["late"] for c in draft.children} == {COMMUNITY: False, SIBLING: False}
    view = selectors.report_view(scope=rw.officer_scope, code=SUBDISTRICT, day=yesterday)
    assert {r.code: r.late for r in view.children} == {COMMUNITY: True, SIBLING: True}


def test_a_subdistrict_not_reported_passes_up_its_communities_reports(rw: RWorld) -> None:
    day = timezone.localdate()
    submitted(rw.worker_scope, day, arrivals_added=2)
    key = "arrivals.received"
    live = compute_tree(code=DISTRICT, day=day)
    computed = {n.code: n.figures.get(key, 0) for n in live.walk() if not n.direct}
    subdistrict = selectors.report_view(scope=rw.admin_scope, code=SUBDISTRICT, day=day)
    district = selectors.report_view(scope=rw.admin_scope, code=DISTRICT, day=day)
    row = {c.code: c for c in district.children}[SUBDISTRICT]
    assert subdistrict.figures[key] == row.figures[key] == computed[SUBDISTRICT] + 2
    assert district.figures[key] == computed[DISTRICT] + 2
    rows = {r.code: r for level in exports.levels(district) for r in level[1]}
    assert rows[SUBDISTRICT].figures[key] == (
        rows[COMMUNITY].figures[key] + rows[SIBLING].figures[key]
    )
    assert rows[DISTRICT].figures[key] == computed[DISTRICT] + 2
    # The district submits the same sum.
    district_report = services.prepare(scope=rw.admin_scope, code=DISTRICT, day=day)
    assert district_report.figures[key] == computed[DISTRICT] + 2


def test_an_old_version_exports_as_shown(rw: RWorld) -> None:
    day = timezone.localdate()
    first = submitted(rw.worker_scope, day)
    services.correct(scope=rw.worker_scope, report=first, reason="补录两人")
    client = client_for(rw.worker)
    page = client.get(daily(COMMUNITY, day) + "?version=1").content.decode()
    export_url = daily(COMMUNITY, day, "daily_export")
    assert f'href="{export_url}?version=1" id="export-link"' in page

    def exported(query: str) -> tuple[Any, ...]:
        response = client.get(export_url + query)
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        [row] = [
            r for r in book[book.sheetnames[0]].iter_rows(values_only=True) if r[0] == COMMUNITY
        ]
        return row[2], row[3]

    assert exported("?version=1") == ("Submitted", 1)
    assert exported("") == ("Draft", 2)
