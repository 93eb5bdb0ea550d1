"""The pages: the district imports a list and works its queue; a community works its
checks; the offices above see what is overdue. Bounded queries on every list page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.models import Job
from fangkong.core.scope import Scope
from fangkong.pushlists import services
from fangkong.pushlists.models import PushList, PushListEntry, VerificationTask
from tests.conftest import COMMUNITY, SIBLING
from tests.world import ID_WANG, ID_ZHANG

from .conftest import ID_GRID, ID_NOBODY, People, Push
from .lists import row

Scopes = dict[str, Scope]


@pytest.fixture
def browse(scopes: Scopes, settings: Any, tmp_path: Any) -> Any:
    """browse("worker") -> a logged-in client that prefers English."""
    settings.FANGKONG_TOTP_REQUIRED_LEVELS = set()
    settings.VAR_DIR = tmp_path

    def client_for(username: str) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(User.objects.get(username=username))
        return client

    return client_for


def _text(response: Any) -> str:
    return response.content.decode()


def _attrs(html: str, name: str) -> list[str]:
    return re.findall(rf'{name}="([^"]*)"', html)


def test_the_district_imports_a_list_and_sees_its_counts(
    people: People, browse: Any, django_capture_on_commit_callbacks: Any
) -> None:
    admin = browse("admin")
    form = admin.get(reverse("pushlists:list_new"))
    assert form.status_code == 200 and 'name="deadline_hours"' in _text(form)
    content = (
        "姓名,身份证号,手机号,推送原因,现住址\n"
        f"张三,{ID_ZHANG},,近14天武汉漫游,\n"
        "王芳,,,同车厢,金华小区\n"
        f"赵四,{ID_NOBODY},,同航班,\n"
        "刘洋,,13500000101,同航班,\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("pushlists:list_new"),
            {
                "name": "省协查第5批",
                "source": "省指挥部",
                "received_at": "2026-03-01T08:00",
                "deadline_hours": "24",
                "file": SimpleUploadedFile("第5批.csv", content.encode()),
            },
        )
    job = Job.objects.get(name="pushlist")
    assert response.status_code == 302
    assert response["Location"] == reverse("pushlists:import_status", args=[job.pk])
    status = _text(admin.get(response["Location"]))
    shown = dict(re.findall(r'data-summary="(\w+)">(\d+)<', status))
    assert shown == {
        "rows": "4",
        "created": "4",
        "unchanged": "0",
        "rejected": "0",
        "warnings": "0",
        "id_number": "1",
        "phone": "1",
        "name_address": "0",
        "ambiguous": "1",
        "unmatched": "1",
        "tasks_created": "2",
        "tasks_joined": "0",
    }
    push_list = PushList.objects.get()
    assert push_list.received_at == dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)  # 08:00 Beijing
    page = _text(admin.get(reverse("pushlists:list", args=[push_list.pk])))
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', page))
    assert counts == {
        "entries": "4",
        "matched": "2",
        "ambiguous": "1",
        "unmatched": "1",
        "verified": "0",
        "overdue": "2",  # received on 1 March, due on 2 March
        "closed": "0",
    }
    assert _attrs(page, "data-entry") == [
        str(pk) for pk in PushListEntry.objects.order_by("row_no").values_list("pk", flat=True)
    ]


def test_a_sibling_or_a_community_never_sees_the_districts_lists(
    people: People, push: Push, browse: Any
) -> None:
    summary = push([row("张三", ID_ZHANG)])
    url = reverse("pushlists:list", args=[summary.push_list_id])
    assert browse("worker").get(url).status_code == 404
    assert browse("officer").get(url).status_code == 404
    assert browse("viewer").get(url).status_code == 200
    assert "data-list" not in _text(browse("worker").get(reverse("pushlists:lists")))


def test_the_queue_decides_an_ambiguous_entry(
    people: People, push: Push, browse: Any, django_assert_max_num_queries: Any
) -> None:
    summary = push([row("王芳", address="金华小区"), row("赵四", ID_NOBODY)])
    admin = browse("admin")
    with django_assert_max_num_queries(12):
        queue = _text(admin.get(reverse("pushlists:queue")))
    entries = list(
        PushListEntry.objects.filter(push_list_id=summary.push_list_id).order_by("row_no")
    )
    assert _attrs(queue, "data-entry") == [str(entries[0].pk), str(entries[1].pk)]
    page = _text(admin.get(reverse("pushlists:entry", args=[entries[0].pk])))
    assert _attrs(page, "data-candidate") == [str(people.fang_502.pk), str(people.fang_503.pk)]
    found = _text(admin.get(reverse("pushlists:entry", args=[entries[0].pk]) + "?q=王芳"))
    assert _attrs(found, "data-found") == [str(people.fang_502.pk), str(people.fang_503.pk)]
    response = admin.post(
        reverse("pushlists:entry_decide", args=[entries[0].pk]), {"person": people.fang_502.pk}
    )
    assert response.status_code == 302
    assert VerificationTask.objects.get().person_id == people.fang_502.pk
    again = admin.post(
        reverse("pushlists:entry_decide", args=[entries[0].pk]), {"person": people.fang_503.pk}
    )
    assert again.status_code == 302
    assert VerificationTask.objects.count() == 1
    stranger = admin.post(
        reverse("pushlists:entry_decide", args=[entries[1].pk]), {"person": 999999}
    )
    assert stranger.status_code == 302
    assert PushListEntry.objects.get(pk=entries[1].pk).task_id is None


def test_a_community_works_its_checks_on_a_phone(
    people: People,
    push: Push,
    browse: Any,
    scopes: Scopes,
    django_assert_max_num_queries: Any,
) -> None:
    now = timezone.now()
    push([row("刘洋", ID_GRID)], name="旧", received_at=now - dt.timedelta(hours=30))
    push(
        [row("张三", ID_ZHANG, reason="近14天武汉漫游")],
        name="新",
        received_at=now - dt.timedelta(hours=20),
    )
    push([row("陈刚", "", "13600000504")], name="最新", received_at=now)
    worker = browse("worker")
    # (+1 since issue 6: the count of unread notices in the menu.)
    with django_assert_max_num_queries(11):
        page = _text(worker.get(reverse("pushlists:tasks")))
    order = [
        VerificationTask.objects.get(person=p).pk for p in (people.liu, people.zhang, people.chen)
    ]
    assert _attrs(page, "data-task") == [str(pk) for pk in order]
    assert _attrs(page, "data-flag") == ["overdue", "due-soon"]
    zhang = VerificationTask.objects.get(person=people.zhang)
    task_page = _text(worker.get(reverse("pushlists:task", args=[zhang.pk])))
    assert 'id="record-form"' in task_page and 'id="reroute-form"' not in task_page
    assert "4101**********123X" in task_page and ID_ZHANG not in task_page
    revealed = worker.post(
        reverse("pushlists:entry_reveal", args=[zhang.entries.get().pk]),
        {"field": "id_number", "reason": "电话核实"},
    )
    assert ID_ZHANG in _text(revealed)
    response = worker.post(
        reverse("pushlists:task_record", args=[zhang.pk]),
        {"outcome": "found_at_home", "measure": "health_monitoring", "note": "已告知居家监测"},
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.status, zhang.outcome, zhang.note) == (
        "closed",
        "found_at_home",
        "已告知居家监测",
    )
    refused = worker.post(
        reverse("pushlists:task_record", args=[zhang.pk]), {"outcome": "not_found"}
    )
    assert refused.status_code == 302
    zhang.refresh_from_db()
    assert zhang.outcome == "found_at_home"
    person_page = _text(worker.get(reverse("registry:person", args=[people.zhang.pk])))
    assert "Named on push list 新" in person_page
    assert "Checked on the ground: Found at home" in person_page


def test_a_person_checked_recently_is_shown_before_calling_again(
    people: People, push: Push, browse: Any, scopes: Scopes
) -> None:
    push([row("张三", ID_ZHANG)])
    first = VerificationTask.objects.get()
    services.task_record(
        scope=scopes["worker"], task=first, outcome="found_at_home", measure="reminded"
    )
    push([row("张三", "", "13812345678", reason="同航班")], name="第二批")
    second = VerificationTask.objects.get(status="open")
    page = _text(browse("worker").get(reverse("pushlists:task", args=[second.pk])))
    assert 'id="recent-checks"' in page
    assert "Health advice, no control needed" in page


def test_the_subdistrict_re_routes_and_the_right_community_sees_it(
    people: People, push: Push, browse: Any
) -> None:
    push([row("张三", ID_ZHANG)])
    task = VerificationTask.objects.get()
    officer = browse("officer")
    page = _text(officer.get(reverse("pushlists:task", args=[task.pk])))
    options = re.search(r'name="to" id="id_to">(.*?)</select>', page, re.S)
    assert options is not None
    assert re.findall(r'value="(\d+)"', options.group(1)) == ["410106001001001", SIBLING]
    response = officer.post(
        reverse("pushlists:task_reroute", args=[task.pk]), {"to": SIBLING, "reason": "实际住安阳路"}
    )
    assert response.status_code == 302
    assert browse("worker").get(reverse("pushlists:task", args=[task.pk])).status_code == 404
    sibling_page = _text(browse("sibling").get(reverse("pushlists:task", args=[task.pk])))
    assert "实际住安阳路" in sibling_page and "中安街社区 → 安阳路社区" in sibling_page


def test_supervision_shows_what_is_overdue_to_the_offices_above(
    people: People, push: Push, browse: Any, django_assert_max_num_queries: Any
) -> None:
    push(
        [row("张三", ID_ZHANG), row("隔壁王五", ID_WANG)],
        received_at=timezone.now() - dt.timedelta(days=2),
    )
    officer = browse("officer")
    with django_assert_max_num_queries(13):
        page = _text(officer.get(reverse("pushlists:supervision")))
    overdue = dict(re.findall(r'data-code="(\d+)">.*?data-cell="overdue">(\d+)<', page, re.S))
    assert overdue == {COMMUNITY: "1", SIBLING: "1"}
    assert len(_attrs(page, "data-task")) == 2
    assert 'data-total="overdue">2<' in page


def test_the_menu_shows_each_role_its_part(people: People, browse: Any) -> None:
    worker = _text(browse("worker").get(reverse("pushlists:tasks")))
    admin = _text(browse("admin").get(reverse("pushlists:tasks")))
    assert 'href="/pushlists/tasks/"' in worker and 'href="/pushlists/"' not in worker
    assert 'href="/pushlists/"' in admin and 'href="/pushlists/supervision/"' in admin


def test_the_list_page_exports_the_results(
    people: People, push: Push, browse: Any, django_assert_max_num_queries: Any
) -> None:
    summary = push([row("张三", ID_ZHANG), row("钱七", "", "13700000000")])
    viewer = browse("viewer")
    with django_assert_max_num_queries(12):
        page = viewer.get(reverse("pushlists:list", args=[summary.push_list_id]))
    assert 'id="export-form"' in _text(page) and 'id="more-form"' not in _text(page)
    response = viewer.post(reverse("pushlists:list_export", args=[summary.push_list_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    entry = PushListEntry.objects.get(name="张三")
    assert entry.jurisdiction_code == COMMUNITY


def test_a_person_screened_recently_is_shown_on_the_check(
    people: People, push: Push, browse: Any, scopes: Scopes
) -> None:
    """One case of work: a screening round that found the person at home shows on the
    check (screening.selectors.last_screened), on the list and on the task page."""
    from fangkong.screening import services as screening
    from fangkong.screening.models import Task
    from fangkong.screening.services import CategorySpec, PersonFound

    today = timezone.localdate()
    screening_round = screening.round_open(
        scope=scopes["admin"],
        name="第二轮拉网式排查",
        scope_codes=[],
        starts_on=today,
        due_on=today + dt.timedelta(days=3),
        categories=[CategorySpec(label="湖北来郑人员", since=today - dt.timedelta(days=14))],
    )
    screening.record_household(
        scope=scopes["worker"],
        task=Task.objects.get(round=screening_round, compound__name="金华小区"),
        household=people.mine.household,
        outcome="reached",
        people=[
            PersonFound(
                person_id=people.zhang.pk, category="c1", origin_code="420102", arrived_on=today
            )
        ],
    )
    push([row("张三", ID_ZHANG), row("刘洋", ID_GRID)])
    zhang = VerificationTask.objects.get(person=people.zhang)
    worker = browse("worker")
    listing = _text(worker.get(reverse("pushlists:tasks")))
    assert _attrs(listing, "data-flag") == ["screened"]
    page = _text(worker.get(reverse("pushlists:task", args=[zhang.pk])))
    assert 'id="screened"' in page
    assert "found at home by the screening round 第二轮拉网式排查" in page
    liu = VerificationTask.objects.get(person=people.liu)
    assert 'id="screened"' not in _text(worker.get(reverse("pushlists:task", args=[liu.pk])))
