"""Screening pages: the household form as a phone posts it, the round form, exports."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.registry.models import Person
from fangkong.screening import services
from fangkong.screening.models import Finding, Record, ScreeningRound, Task
from tests.conftest import COMMUNITY, DISTRICT, SUBDISTRICT
from tests.world import build_world

TODAY = timezone.localdate()


@pytest.fixture
def setup(tree: Any, system_scope: Scope, make_user: Callable[..., User]) -> dict[str, Any]:
    mine, _other = build_world(system_scope)
    screening_round = services.round_open(
        scope=Scope.system(reason="tests", code=DISTRICT),
        name="第一轮排查",
        scope_codes=[],
        starts_on=TODAY,
        due_on=TODAY + dt.timedelta(days=2),
        categories=[services.CategorySpec("湖北来郑人员", TODAY - dt.timedelta(days=14), "42")],
    )
    task = Task.objects.get(round=screening_round, compound=mine.compound)
    worker = Client(HTTP_ACCEPT_LANGUAGE="en")
    worker.force_login(make_user("community_worker", COMMUNITY))
    return {"mine": mine, "round": screening_round, "task": task, "worker": worker}


def _url(setup: dict[str, Any]) -> str:
    return reverse(
        "screening:household",
        kwargs={"pk": setup["task"].pk, "household_id": setup["mine"].household.pk},
    )


def test_the_household_form_records_people_arrivals_and_a_newcomer(setup: dict[str, Any]) -> None:
    mine, task = setup["mine"], setup["task"]
    arrived = (TODAY - dt.timedelta(days=1)).isoformat()
    p, m = f"p{mine.person.pk}", f"p{mine.housemate.pk}"
    response = setup["worker"].post(
        _url(setup),
        {
            "outcome": "reached",
            "channel": "door",
            f"{p}_present": "on",
            f"{p}_category": "c1",
            f"{p}_origin": "湖北省武汉市江岸区",
            f"{p}_arrived": arrived,
            f"{p}_travel": "flight",
            f"{p}_number": "cz3377",
            f"{p}_temp": "36.7",
            # The housemate's switch is off: not present.
            f"{m}_category": "",
            "n1_name": "王新来",
            "n1_phone": "13600002222",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "screening:walk", kwargs={"pk": task.pk, "building": str(mine.building.pk)}
    )
    found = {
        f.person.name: (f.present, f.category, f.origin_code, str(f.arrived_on), f.travel_number)
        for f in Finding.objects.select_related("person")
    }
    assert found == {
        "张三": (True, "c1", "420102", arrived, "CZ3377"),
        "李梅": (False, "", "", "None", ""),
        "王新来": (True, "", "", "None", ""),
    }
    assert Person.objects.get(name="王新来").household_id == mine.household.pk


def test_a_refused_form_names_the_field_and_keeps_what_was_typed(setup: dict[str, Any]) -> None:
    mine = setup["mine"]
    p = f"p{mine.person.pk}"
    response = setup["worker"].post(
        _url(setup),
        {
            "outcome": "reached",
            "channel": "door",
            f"{p}_present": "on",
            f"{p}_category": "c1",
            f"{p}_origin": "北京市东城区",  # not Hubei
            f"{p}_arrived": TODAY.isoformat(),
            f"{p}_number": "G1",
            "n1_name": "没登记的人",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Origin and arrival date do not fit the category 湖北来郑人员." in page
    assert 'value="北京市东城区"' in page and 'value="G1"' in page and 'value="没登记的人"' in page
    assert (Record.objects.count(), Person.objects.filter(name="没登记的人").count()) == (0, 0)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("arrived", "明天", "This is not a date"),
        ("temp", "高烧", "The temperature is a number such as 36.5."),
        ("origin", "火星", "No province, city or county is called 火星."),
    ],
)
def test_bad_values_of_a_person_are_refused(
    setup: dict[str, Any], field: str, value: str, message: str
) -> None:
    p = f"p{setup['mine'].person.pk}"
    response = setup["worker"].post(
        _url(setup),
        {"outcome": "reached", "channel": "door", f"{p}_present": "on", f"{p}_{field}": value},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Record.objects.count() == 0


def test_the_round_form_opens_a_round_with_an_origin_by_name(
    setup: dict[str, Any], make_user: Callable[..., User]
) -> None:
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    admin.force_login(make_user("district_admin", DISTRICT))
    data = {
        "name": "第三轮排查",
        "subdistricts": [SUBDISTRICT],
        "starts_on": TODAY.isoformat(),
        "due_on": TODAY.isoformat(),
        "cat1_label": "武汉来郑人员",
        "cat1_origin": "湖北省武汉市",
        "cat1_since": (TODAY - dt.timedelta(days=14)).isoformat(),
        "cat2_label": "",
        "cat2_origin": "火星",
    }
    refused = admin.post(reverse("screening:round_new"), data)
    assert refused.status_code == 200
    assert "No province, city or county is called 火星." in refused.content.decode()
    data["cat2_origin"] = ""
    response = admin.post(reverse("screening:round_new"), data)
    created = ScreeningRound.objects.get(name="第三轮排查")
    assert response["Location"] == reverse("screening:round", kwargs={"pk": created.pk})
    assert (created.scope_codes, [c.origin_prefix for c in created.categories.all()]) == (
        [SUBDISTRICT],
        ["4201"],
    )


def test_the_region_picker_finds_by_name_and_pinyin(setup: dict[str, Any]) -> None:
    page = setup["worker"].get(reverse("screening:regions"), {"q": "wuhan"}).content.decode()
    assert '<option value="湖北省武汉市">4201</option>' in page


def test_the_screening_register_exports_the_people_found(setup: dict[str, Any]) -> None:
    mine, task = setup["mine"], setup["task"]
    services.record_household(
        scope=Scope.system(reason="tests", code=DISTRICT),
        task=task,
        household=mine.household,
        outcome="reached",
        people=[
            services.PersonFound(
                person_id=mine.person.pk, category="c1", origin_code="420102", arrived_on=TODAY
            )
        ],
    )
    response = setup["worker"].post(
        reverse("screening:round_export", kwargs={"pk": setup["round"].pk, "kind": "findings"}),
        {"at": COMMUNITY},
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [r for r in book.active.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "No.")
    data = rows[rows.index(header) + 1 :]
    assert len(data) == 1
    record = dict(zip(header, data[0], strict=True))
    assert (
        record["Name"],
        record["Person category"],
        record["Came from"],
        record["Community"],
    ) == (
        "张三",
        "湖北来郑人员",
        "湖北省武汉市江岸区",
        "中安街社区",
    )
    assert (
        record["Identity number (masked)"].startswith("4101")
        and "*" in record["Identity number (masked)"]
    )
    assert (
        AuditEntry.objects.filter(
            action="export.downloaded", object_id="screening_findings"
        ).count()
        == 1
    )
