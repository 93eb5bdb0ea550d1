"""The main menu: entries by permission and position, groups folded into dropdowns."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation

from fangkong.core.navigation import entries_for
from fangkong.core.permissions import Perm
from tests.conftest import SUBDISTRICT


def _labels(perms: set[Perm]) -> list[tuple[str, list[str]]]:
    with translation.override("en"):
        return [
            (str(e.label), [str(c.label) for c in e.children])
            for e in entries_for(frozenset(p.value for p in perms))
        ]


def test_a_group_with_one_visible_entry_is_that_entry() -> None:
    assert _labels({Perm.SCREENING_RECORD}) == [("Door to door", [])]


def test_a_group_with_several_entries_is_one_dropdown_at_its_first_entry() -> None:
    menu = _labels({Perm.PERSON_VIEW, Perm.CONTROL_VIEW, Perm.SUPPORT_VIEW, Perm.SITE_MANAGE})
    assert [label for label, _children in menu] == ["People", "Control", "Help requests"]
    control = dict(menu)["Control"]
    assert control[:3] == ["Control board", "Control orders", "Today's follow-ups"]
    assert "Quarantine sites" in control and "Control board" in control
    assert "Due for release" not in control  # CONTROL_APPROVE is not held


def test_nothing_without_permissions() -> None:
    assert entries_for(frozenset()) == []


def test_the_page_shows_the_dropdown(make_user: Any) -> None:
    client = Client()
    client.force_login(make_user("subdistrict_officer", SUBDISTRICT))
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'class="nav-link dropdown-toggle"' in html
    assert "排查协查" in html and "管控" in html
    assert html.count('class="dropdown-item"') >= 10
