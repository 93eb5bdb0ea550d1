"""The staff pages of the help requests: the queue (scoped, filtered, no N+1), one
request with take / done / cancel, the export, and recording a request for a person."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest
from django.test import Client

from fangkong.accounts.models import User
from fangkong.core.models import AuditEntry
from fangkong.support import services
from fangkong.support.models import ServiceRequest
from tests.world import Side

pytestmark = pytest.mark.django_db
Staff = dict[str, Any]


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def requests(world: tuple[Side, Side]) -> dict[str, ServiceRequest]:
    mine, other = world
    return {
        "mine": services.request_submit(person=mine.person, kind="medicine", text="降压药两盒"),
        "mate": services.request_submit(person=mine.housemate, kind="groceries", text="大米一袋"),
        "other": services.request_submit(person=other.person, kind="doctor", text="隔壁看病"),
    }


def test_the_queue_shows_the_community_only(
    requests: dict[str, ServiceRequest],
    staff: Staff,
    django_assert_max_num_queries: Any,
) -> None:
    client = _client(staff["worker"][0])
    with django_assert_max_num_queries(12):
        page = client.get("/support/")
    assert page.status_code == 200
    listed = [int(pk) for pk in re.findall(rb'data-request="(\d+)"', page.content)]
    assert listed == [requests["mine"].pk, requests["mate"].pk]
    text = page.content.decode()
    assert "降压药两盒" in text and "中安街社区" in text and "隔壁" not in text
    filtered = _client(staff["worker"][0]).get("/support/?kind=groceries")
    assert re.findall(rb'data-request="(\d+)"', filtered.content) == [
        str(requests["mate"].pk).encode()
    ]
    officer = _client(staff["officer"][0]).get("/support/")
    assert len(re.findall(rb'data-request="(\d+)"', officer.content)) == 3


def test_a_worker_takes_and_finishes_a_request(
    requests: dict[str, ServiceRequest], staff: Staff
) -> None:
    item = requests["mine"]
    client = _client(staff["worker"][0])
    page = client.get(f"/support/{item.pk}/")
    assert b'id="take-button"' in page.content and b"138****5678" in page.content
    assert client.post(f"/support/{item.pk}/take/").status_code == 302
    item.refresh_from_db()
    assert (item.status, item.taken_by_name) == ("taken", "王社工")
    response = client.post(f"/support/{item.pk}/done/", {"note": ""})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == "taken"
    response = client.post(f"/support/{item.pk}/done/", {"note": "药已送到门口"})
    assert (response.status_code, response["Location"]) == (302, f"/support/{item.pk}/")
    item.refresh_from_db()
    assert (item.status, item.note) == ("done", "药已送到门口")
    page = client.get(f"/support/{item.pk}/")
    assert b'id="done-form"' not in page.content
    assert "药已送到门口".encode() in page.content


def test_a_viewer_sees_but_cannot_handle(requests: dict[str, ServiceRequest], staff: Staff) -> None:
    item = requests["mine"]
    client = _client(staff["viewer"][0])
    page = client.get(f"/support/{item.pk}/")
    assert page.status_code == 200 and b'id="take-button"' not in page.content
    assert client.post(f"/support/{item.pk}/take/").status_code == 403
    assert client.post(f"/support/{item.pk}/cancel/", {"reason": ""}).status_code == 403
    item.refresh_from_db()
    assert item.status == "new"


def test_cancel_with_a_reason(requests: dict[str, ServiceRequest], staff: Staff) -> None:
    item = requests["mate"]
    client = _client(staff["worker"][0])
    assert client.post(f"/support/{item.pk}/cancel/", {"reason": "x"}).status_code == 400
    assert client.post(f"/support/{item.pk}/cancel/", {"reason": "家属已买"}).status_code == 302
    item.refresh_from_db()
    assert (item.status, item.note, item.closed_by_name) == ("cancelled", "家属已买", "王社工")


def test_record_a_request_for_a_person(world: tuple[Side, Side], staff: Staff) -> None:
    mine, other = world
    client = _client(staff["worker"][0])
    url = f"/support/persons/{mine.person.pk}/new/"
    page = client.get(url)
    assert page.status_code == 200 and mine.person.name.encode() in page.content
    assert client.post(url, {"kind": "doctor"}).status_code == 400
    response = client.post(url, {"kind": "doctor", "text": "电话求助：老人头晕"})
    item = ServiceRequest.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/support/{item.pk}/")
    assert (item.person_id, item.channel, item.created_by_name) == (
        mine.person.pk,
        "staff",
        "王社工",
    )
    assert client.get(f"/support/persons/{other.person.pk}/new/").status_code == 404
    assert _client(staff["viewer"][0]).get(url).status_code == 403


def test_the_export_holds_what_the_queue_shows(
    requests: dict[str, ServiceRequest], staff: Staff
) -> None:
    client = _client(staff["worker"][0])
    response = client.post("/support/export/?kind=medicine", {})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [[c for c in row] for row in book.active.iter_rows(values_only=True)]
    values = [str(v) for row in rows for v in row if v is not None]
    assert "降压药两盒" in values and "138****5678" in values
    assert "大米一袋" not in values and "隔壁看病" not in values
    assert "13812345678" not in values
    entry = AuditEntry.objects.get(action="export.downloaded")
    assert (entry.object_id, entry.data["rows"]) == ("support_requests", 1)


def test_the_person_page_shows_the_requests(
    requests: dict[str, ServiceRequest], staff: Staff, world: tuple[Side, Side]
) -> None:
    mine, _other = world
    page = _client(staff["worker"][0]).get(f"/registry/persons/{mine.person.pk}/")
    assert page.status_code == 200
    assert f"/support/{requests['mine'].pk}/".encode() in page.content
