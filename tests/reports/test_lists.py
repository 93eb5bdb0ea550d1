"""Every figure against the list it counts: the number on the report and the rows of
the list its link opens are the same, on data built here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.arrivals.models import ArrivalReport
from fangkong.core.scope import Scope
from fangkong.reports import sections
from fangkong.reports.figures import compute_tree
from fangkong.testing.campaigns.selectors import REPORT_FIGURES
from tests.conftest import COMMUNITY, DISTRICT, SUBDISTRICT
from tests.control_orders.conftest import close_contact_task

from .conftest import Control, arrival

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def rows(client: Client, url: str, pattern: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return len(set(re.findall(pattern, response.content.decode())))


def test_arrival_figures_and_the_queue(control: Control) -> None:
    today = timezone.localdate()
    arrival(control, control.zhang, classification="high", status="verified")
    arrival(control, control.li, classification="medium", status="waiting", days_ago=0)
    earlier = arrival(control, control.zhang, classification="other", status="waiting", days_ago=3)
    ArrivalReport.objects.filter(pk=earlier.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=1)
    )
    arrival(control, control.other.person, classification="high", status="waiting")
    tree = compute_tree(code=SUBDISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    expected = {
        "arrivals.received": 2,
        "arrivals.high": 1,
        "arrivals.medium": 1,
        "arrivals.other": 0,
        "arrivals.arrived": 1,  # li arrived today (the helper's days_ago=0)
        "arrivals.verified": 1,
        "arrivals.waiting": 2,  # li's of today and zhang's of yesterday
        "arrivals.origin.31": 2,  # 上海
    }
    assert {k: community.figures.get(k) for k in expected} == expected
    client = client_for(control.officer)
    for figure in sections.section_of("arrivals.received").figures:  # type: ignore[union-attr]
        url = figure.url(COMMUNITY, today)
        assert rows(client, url, r'data-report="(\d+)"') == community.figures[figure.key], (
            figure.key,
            url,
        )
    # The subdistrict's count takes the sibling's report too, and so does its list.
    received = sections.figure("arrivals.received")
    assert received is not None
    assert tree.figures["arrivals.received"] == 3
    assert rows(client, received.url(SUBDISTRICT, today), r'data-report="(\d+)"') == 3


def test_population_and_the_person_list(control: Control) -> None:
    tree = compute_tree(code=SUBDISTRICT, day=timezone.localdate())
    client = client_for(control.officer)
    figure = sections.figure("population.persons")
    assert figure is not None
    for code in (SUBDISTRICT, COMMUNITY):
        node = tree.find(code)
        assert node is not None
        assert node.figures["population.persons"] == rows(
            client, figure.url(code, timezone.localdate()), r'href="/registry/persons/(\d+)/"'
        )


def test_push_list_checks_and_the_task_list(control: Control) -> None:
    from fangkong.pushlists.models import VerificationTask

    close_contact_task(control, control.zhang)  # checked today
    late = close_contact_task(control, control.li, outcome="")
    VerificationTask.objects.filter(pk=late.pk).update(
        deadline=timezone.now() - dt.timedelta(hours=1)
    )
    close_contact_task(control, control.other.person, outcome="")
    today = timezone.localdate()
    tree = compute_tree(code=SUBDISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    expected = {
        "pushlists.created": 2,
        "pushlists.verified": 1,
        "pushlists.open": 1,
        "pushlists.overdue": 1,
    }
    assert {k: community.figures[k] for k in expected} == expected
    assert tree.figures["pushlists.open"] == 2
    client = client_for(control.officer)
    for figure in sections.section_of("pushlists.open").figures:  # type: ignore[union-attr]
        for code, node in ((COMMUNITY, community), (SUBDISTRICT, tree)):
            url = figure.url(code, today)
            assert rows(client, url, r'data-task="(\d+)"') == node.figures[figure.key], url


def test_control_figures_and_the_order_list(control: Control) -> None:
    from fangkong.control.orders import services as orders

    from .conftest import manual

    kept = manual(control)
    orders.order_approve(scope=control.officer_scope, order=kept)
    released = manual(control, control.li, days_ago=8)
    orders.order_approve(scope=control.officer_scope, order=released)
    orders.order_end(
        scope=control.officer_scope,
        order=released,
        kind="other",
        reason="经复核无需继续管控，专家组意见",
    )
    orders.order_propose(  # proposed only: counted nowhere
        scope=control.officer_scope,
        person=control.other.person,
        trigger="manual",
        trigger_date=timezone.localdate(),
        reason="与确诊病例同一单位，电话流调确认",
    )
    today = timezone.localdate()
    tree = compute_tree(code=SUBDISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    expected = {
        "control.home_monitoring": 1,
        "control.new": 2,
        "control.ended": 1,
        "control.released": 0,
        "control.central": 0,
    }
    assert {k: community.figures[k] for k in expected} == expected
    client = client_for(control.officer)
    keys = [k for k in expected] + ["control.home", "control.self_monitoring"]
    for key in keys:
        figure = sections.figure(key)
        assert figure is not None
        for code, node in ((COMMUNITY, community), (SUBDISTRICT, tree)):
            url = figure.url(code, today)
            assert rows(client, url, r'data-order="(\d+)"') == node.figures[key], url


def test_screening_figures_and_the_day_list(control: Control) -> None:
    from fangkong.registry import services as registry_services
    from fangkong.screening import services as screening
    from fangkong.screening.models import Task

    today = timezone.localdate()
    scope = control.officer_scope
    screening_round = screening.round_open(
        scope=Scope.system(reason="tests", code="410106"),
        name="第二轮拉网式排查",
        scope_codes=[],
        starts_on=today,
        due_on=today + dt.timedelta(days=3),
        categories=[screening.CategorySpec("湖北来郑人员", today - dt.timedelta(days=14))],
    )
    task = Task.objects.get(round=screening_round, compound=control.mine.compound)
    empty = registry_services.household_create(
        scope=Scope.system(reason="tests"),
        compound=control.mine.compound,
        building=control.mine.building,
        unit=control.mine.unit,
        room="502",
    )
    screening.record_household(
        scope=scope,
        task=task,
        household=control.mine.household,
        outcome="reached",
        people=[
            screening.PersonFound(
                person_id=control.zhang.pk, category="c1", origin_code="420102", arrived_on=today
            )
        ],
    )
    screening.record_household(scope=scope, task=task, household=empty, outcome="empty")
    tree = compute_tree(code=SUBDISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    expected = {
        "screening.households_today": 2,
        "screening.households_total": 2,
        "screening.found_today": 1,
    }
    assert {k: community.figures[k] for k in expected} == expected
    client = client_for(control.officer)
    for key in expected:
        figure = sections.figure(key)
        assert figure is not None
        url = figure.url(COMMUNITY, today)
        assert rows(client, url, r'data-(?:record|finding)="(\d+)"') == expected[key], url


def test_testing_figures_and_the_rounds_of_the_day(tw: Any) -> None:
    today = timezone.localdate()
    tree = compute_tree(code=DISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    assert community.figures["testing.target"] == 2
    assert community.figures["testing.unsampled"] == 2
    assert tree.figures["testing.target"] == 4
    client = client_for(tw.officer)
    for code, node in ((DISTRICT, tree), (COMMUNITY, community)):
        for name in REPORT_FIGURES:
            figure = sections.figure(f"testing.{name}")
            assert figure is not None
            html = client.get(figure.url(code, today)).content.decode()
            cells = re.findall(rf'data-figure="{name}">(?:<a [^>]*>)?(\d+)<', html)
            assert sum(int(c) for c in cells) == node.figures[f"testing.{name}"], (code, name)
    # The not-yet-sampled of the community, one click further.
    html = client.get(
        reverse("testing:campaigns_unsampled", args=[tw.campaign.pk]) + f"?code={COMMUNITY}"
    ).content.decode()
    assert len(set(re.findall(r'data-person="(\d+)"', html))) == 2


def test_help_requests_and_the_queue(control: Control) -> None:
    from fangkong.support import services as support

    support.request_submit(person=control.zhang, kind="medicine", text="降压药")
    done = support.request_submit(person=control.li, kind="doctor", text="头晕")
    support.request_take(scope=control.worker_scope, request=done)
    support.request_done(scope=control.worker_scope, request=done, note="已陪同就医")
    support.request_submit(person=control.other.person, kind="groceries", text="买菜")
    today = timezone.localdate()
    tree = compute_tree(code=SUBDISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    expected = {"support.new": 2, "support.done": 1, "support.open": 1}
    assert {k: community.figures[k] for k in expected} == expected
    assert tree.figures["support.new"] == 3
    client = client_for(control.officer)
    for key in expected:
        figure = sections.figure(key)
        assert figure is not None
        for code, node in ((COMMUNITY, community), (SUBDISTRICT, tree)):
            url = figure.url(code, today)
            assert rows(client, url, r'data-request="(\d+)"') == node.figures[key], url


def test_overdue_follow_ups_and_their_list(control: Control) -> None:
    from fangkong.control.care import services as care
    from fangkong.control.models import FollowUp
    from fangkong.control.orders import services as orders

    from .conftest import manual

    orders.order_approve(scope=control.officer_scope, order=manual(control))
    orders.order_approve(scope=control.officer_scope, order=manual(control, control.li))
    today = timezone.localdate()
    assert care.generate_followups(day=today) == 4  # two a day each
    first = FollowUp.objects.filter(day=today, slot=1, person_id=control.zhang.pk).get()
    FollowUp.objects.filter(pk=first.pk).update(status=FollowUp.Status.OVERDUE)
    tree = compute_tree(code=SUBDISTRICT, day=today)
    community = tree.find(COMMUNITY)
    assert community is not None
    figure = sections.figure("control.followups_overdue")
    assert figure is not None
    overdue = community.figures["control.followups_overdue"]
    assert overdue >= 1  # zhang's first, and any slot whose hour has passed by now
    client = client_for(control.officer)
    html = client.get(figure.url(COMMUNITY, today)).content.decode()
    assert html.count('data-status="overdue"') == overdue
    assert 'data-person="张三"' in html
