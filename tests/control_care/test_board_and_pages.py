"""The control board and the daily report's counts; the pages a care team uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.control.care import selectors, services
from fangkong.control.models import Alert, FollowUp, Measure
from tests.conftest import COMMUNITY, DISTRICT, SIBLING, SUBDISTRICT, TOWN

from .conftest import CareWorld

TZ = timezone.get_current_timezone()


@pytest.fixture
def busy(care: CareWorld, system_scope: Any) -> CareWorld:
    """张三 home quarantine, 李梅 home monitoring (community); 隔壁王五 central (sibling);
    today's follow-ups made, 张三's first recorded with a fever."""
    today = timezone.localdate()
    care.make_order(care.mine.person)
    care.make_order(care.mine.housemate, [(Measure.HOME_MONITORING, today, today)])
    care.make_order(care.other.person, [(Measure.CENTRAL_QUARANTINE, today, today)])
    services.generate_followups(day=today)
    first = FollowUp.objects.get(order__person=care.mine.person, slot=1)
    services.followup_record(
        scope=system_scope,
        followup=first,
        temperature="38.0",
        now=dt.datetime.combine(today, dt.time(8, 0), tzinfo=TZ),
    )
    return care


def test_the_board_counts_each_child(busy: CareWorld, system_scope: Any) -> None:
    today = timezone.localdate()
    noon = dt.datetime.combine(today, dt.time(12, 30), tzinfo=TZ)
    board = selectors.board(scope=system_scope, code=DISTRICT, day=today, now=noon)
    assert [c.code for c, _n in board.children] == [SUBDISTRICT, TOWN]
    t = board.total
    assert (t.central, t.home, t.home_monitoring) == (1, 1, 1)
    # Six slots; one done; at 12:30 the first slots of 李梅 and 王五 are overdue.
    assert (t.followups_due, t.followups_done, t.followups_overdue) == (6, 1, 2)
    assert (t.alerts_community, t.alerts_subdistrict, t.alerts_district, t.transfers_open) == (
        1,
        0,
        0,
        1,
    )
    sub = selectors.board(scope=system_scope, code=SUBDISTRICT, day=today, now=noon)
    by_code = {c.code: n for c, n in sub.children}
    assert (by_code[COMMUNITY].home, by_code[COMMUNITY].followups_overdue) == (1, 1)
    assert (by_code[SIBLING].central, by_code[SIBLING].alerts_open) == (1, 0)
    report = selectors.counts(scope=system_scope, code=SUBDISTRICT, day=today, now=noon)
    assert report.total.followups_overdue == 2
    assert report.children[SIBLING].followups_overdue == 1
    # The sweep escalates the overdue alerts; the board shows them at their levels.
    services.sweep(now=noon)
    later = noon + dt.timedelta(minutes=61)
    services.sweep(now=later)
    t = selectors.board(scope=system_scope, code=DISTRICT, day=today, now=later).total
    # The fever of 08:00 has climbed to the district; the two missed slots of 12:00 to
    # the subdistrict.
    assert (t.alerts_community, t.alerts_subdistrict, t.alerts_district) == (0, 2, 1)


def test_the_care_team_pages_on_a_phone(
    busy: CareWorld, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    worker = make_user("grid_worker", COMMUNITY, username="liu")
    client = Client()
    client.force_login(worker)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("control:care_followups"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "张三" in body and "李梅" in body and "隔壁" not in body
    slot = FollowUp.objects.get(order__person=busy.mine.housemate, slot=1)
    form = client.get(reverse("control:care_followup", args=[slot.pk]))
    assert 'inputmode="decimal"' in form.content.decode()
    response = client.post(
        reverse("control:care_followup", args=[slot.pk]),
        {"temperature": "36.8", "symptoms": ["cough"], "reported_by": busy.mine.person.pk},
    )
    assert response.status_code == 302
    slot.refresh_from_db()
    assert (str(slot.temperature), slot.symptoms, slot.reported_by_person_id) == (
        "36.8",
        ["cough"],
        busy.mine.person.pk,
    )
    assert sorted(Alert.objects.values_list("kind", flat=True)) == ["fever", "symptoms"]
    alerts = client.get(reverse("control:care_alerts")).content.decode()
    assert alerts.count('data-kind="fever"') == 1 and alerts.count('data-kind="symptoms"') == 1
    board = client.get(reverse("control:care_board"))
    assert board.status_code == 200 and 'data-total="home">1<' in board.content.decode()


def test_the_public_list_page_is_printable_and_masked(busy: CareWorld, make_user: Any) -> None:
    client = Client()
    client.force_login(make_user("community_viewer", COMMUNITY))
    body = client.get(
        reverse("control:care_public_list", args=[busy.mine.compound.pk])
    ).content.decode()
    assert "@page { size: A4" in body
    assert "张*" in body and "李*" in body
    assert "张三" not in body and "13812345678" not in body and "41010619900101123X" not in body
