"""The status page: the person's masked name, each module's section through the plug
point (rendered for the person signed in only), the "no measures" message, and the
resident's requests for help."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from fangkong.core.models import AuditEntry
from fangkong.registry.models import Person
from fangkong.residents import sections
from fangkong.support import services as support_services
from fangkong.support.models import ServiceRequest
from tests.residents.conftest import WANG_PHONE, ZHANG_PHONE, SignIn
from tests.world import Side

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).parent / "templates"
LI_PHONE = "13900001111"  # 李梅, 张三's housemate, and 隔壁赵六 (the world's mates share it)


@pytest.fixture
def plugged(settings: Any, world: tuple[Side, Side]) -> Iterator[dict[int, str]]:
    """A module's section that has something for 张三 and 隔壁王五 only."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES]}
    ]
    mine, other = world
    markers = {mine.person.pk: "MEASURE-ZHANG", other.person.pk: "MEASURE-WANG"}
    seen: list[int] = []

    def context(person: Person) -> dict[str, Any] | None:
        seen.append(person.pk)
        marker = markers.get(person.pk)
        return {"marker": marker} if marker else None

    sections.register(
        sections.Section(
            key="test_plug",
            title="Test measures",
            template="residents_test/section.html",
            context=context,
            order=5,
        )
    )
    yield markers
    sections._SECTIONS.pop("test_plug", None)
    sections._SECTIONS.pop("test_broken", None)


def test_the_section_of_the_person_signed_in_shows(
    plugged: dict[int, str], browser: Client, sign_in: SignIn, world: tuple[Side, Side]
) -> None:
    mine, _other = world
    sign_in(browser, ZHANG_PHONE)
    page = browser.get("/me/").content.decode()
    assert re.findall(r'data-test-section="([^"]+)">[^<]*', page) == ["MEASURE-ZHANG"]
    assert f"MEASURE-ZHANG · {mine.person.pk}" in page
    assert 'data-section="test_plug"' in page and "Test measures" in page
    assert "MEASURE-WANG" not in page
    assert 'id="no-measures"' not in page


def test_another_person_sees_their_own_section(
    plugged: dict[int, str], browser: Client, sign_in: SignIn
) -> None:
    sign_in(browser, WANG_PHONE)
    page = browser.get("/me/").content.decode()
    assert re.findall(r'data-test-section="([^"]+)"', page) == ["MEASURE-WANG"]
    assert "MEASURE-ZHANG" not in page


def test_no_section_means_no_current_measures(
    plugged: dict[int, str], browser: Client, sign_in: SignIn, world: tuple[Side, Side]
) -> None:
    sign_in(browser, LI_PHONE, world[0].housemate.pk)
    page = browser.get("/me/").content.decode()
    assert 'id="no-measures"' in page
    assert "data-test-section" not in page and 'data-section="' not in page
    assert re.search(r'id="resident-name">\s*李\*\s*<', page)


def test_a_failing_section_does_not_take_the_page_down(
    plugged: dict[int, str], browser: Client, sign_in: SignIn
) -> None:
    def broken(person: Person) -> dict[str, Any] | None:
        raise RuntimeError("a module's bug")

    sections.register(
        sections.Section(
            key="test_broken", title="Broken part", template="x.html", context=broken, order=1
        )
    )
    sign_in(browser, ZHANG_PHONE)
    response = browser.get("/me/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("data-failed-section") == 1 and "Broken part" in page
    assert "MEASURE-ZHANG" in page


def test_sections_are_ordered(plugged: dict[int, str]) -> None:
    keys = [s.key for s in sections.sections()]
    assert keys.index("test_plug") < len(keys)
    orders = [(s.order, s.key) for s in sections.sections()]
    assert orders == sorted(orders)


# --- Help ------------------------------------------------------------------------------------


def test_the_resident_asks_for_medicine(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn
) -> None:
    mine, _other = world
    sign_in(browser, ZHANG_PHONE)
    form = browser.get("/me/help/")
    assert form.status_code == 200
    assert re.findall(rb'name="kind" value="(\w+)"', form.content) == [
        b"groceries",
        b"medicine",
        b"doctor",
        b"other",
    ]
    response = browser.post("/me/help/", {"kind": "medicine", "text": "  降压药  两盒 "})
    assert (response.status_code, response["Location"]) == (303, "/me/")
    item = ServiceRequest.objects.get()
    assert (item.person_id, item.jurisdiction_code, item.community_code) == (
        mine.person.pk,
        mine.person.jurisdiction_code,
        "410106001001",
    )
    assert (item.kind, item.text, item.channel, item.status) == (
        "medicine",
        "降压药 两盒",
        "resident",
        "new",
    )
    assert item.created_by_id is None and item.created_by_name == ""
    page = browser.get("/me/").content.decode()
    assert re.findall(r'data-request="(\d+)"', page) == [str(item.pk)]
    assert 'data-status="new"' in page and "降压药 两盒" in page
    entry = AuditEntry.objects.get(action="support.request.created")
    assert (entry.object_id, entry.jurisdiction_code) == (str(item.pk), item.jurisdiction_code)
    assert entry.data == {"kind": "medicine", "channel": "resident", "person": mine.person.pk}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "需要买菜"}, "kind"),
        ({"kind": "takeaway", "text": "需要买菜"}, "kind"),
        ({"kind": "groceries", "text": "菜"}, "text"),
        ({"kind": "groceries", "text": "菜" * 301}, "text"),
        ({"kind": "groceries", "text": "   "}, "text"),
    ],
)
def test_a_request_is_validated(
    world: tuple[Side, Side],
    browser: Client,
    sign_in: SignIn,
    data: dict[str, str],
    field: str,
) -> None:
    sign_in(browser, ZHANG_PHONE)
    response = browser.post("/me/help/", data)
    assert response.status_code == 400
    assert re.findall(rb'data-error="(\w+)"', response.content) == [field.encode()]
    assert not ServiceRequest.objects.exists()


def test_open_requests_are_capped(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn
) -> None:
    mine, _other = world
    for n in range(support_services.MAX_OPEN_PER_PERSON):
        support_services.request_submit(person=mine.person, kind="other", text=f"第{n}件事")
    sign_in(browser, ZHANG_PHONE)
    response = browser.post("/me/help/", {"kind": "medicine", "text": "再要一盒药"})
    assert response.status_code == 400
    assert b'id="help-error"' in response.content and b"5 requests are still open" in (
        response.content
    )
    assert ServiceRequest.objects.count() == support_services.MAX_OPEN_PER_PERSON


def test_the_resident_sees_what_was_done(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn, make_user: Any, scope_of: Any
) -> None:
    mine, _other = world
    item = support_services.request_submit(person=mine.person, kind="medicine", text="胰岛素")
    worker = scope_of(make_user("community_worker", "410106001001", full_name="王社工"))
    support_services.request_done(scope=worker, request=item, note="已送到门口")
    sign_in(browser, ZHANG_PHONE)
    page = browser.get("/me/").content.decode()
    assert 'data-status="done"' in page and "已送到门口" in page
    assert "王社工" not in page  # staff names stay with staff
    assert "data-withdraw" not in page


def test_the_resident_withdraws_a_new_request_only_their_own(
    world: tuple[Side, Side], browser: Client, sign_in: SignIn
) -> None:
    mine, other = world
    own = support_services.request_submit(person=mine.person, kind="groceries", text="买菜")
    theirs = support_services.request_submit(person=other.person, kind="groceries", text="买米")
    sign_in(browser, ZHANG_PHONE)
    response = browser.post(f"/me/help/{theirs.pk}/withdraw/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "new"
    response = browser.post(f"/me/help/{own.pk}/withdraw/")
    assert response.status_code == 303
    own.refresh_from_db()
    assert (own.status, own.is_withdrawn) == ("cancelled", True)
    assert own.closed_at is not None
    assert AuditEntry.objects.filter(action="support.request.withdrawn").count() == 1


def test_a_stranger_cannot_reach_the_help_pages(world: tuple[Side, Side], browser: Client) -> None:
    mine, _other = world
    own = support_services.request_submit(person=mine.person, kind="groceries", text="买菜")
    assert browser.get("/me/")["Location"] == "/me/sign-in/?next=/me/"
    assert browser.post("/me/help/", {"kind": "other", "text": "恶作剧"}).status_code == 302
    assert browser.post(f"/me/help/{own.pk}/withdraw/").status_code == 302
    own.refresh_from_db()
    assert own.status == "new" and ServiceRequest.objects.count() == 1
