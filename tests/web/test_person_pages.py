"""The person file's forms: moving, status, export only by POST."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.models import AuditEntry
from fangkong.core.scope import Scope
from fangkong.registry.models import Person, Residence
from tests.conftest import COMMUNITY
from tests.world import build_world


@pytest.fixture
def client(tree: Any, system_scope: Scope, make_user: Any) -> tuple[Client, Any]:
    world = build_world(system_scope)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("community_worker", COMMUNITY))
    return client, world


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_mistyped_household_number_is_a_message_not_a_404(client: Any) -> None:
    c, (mine, _other) = client
    url = reverse("registry:person_move", kwargs={"pk": mine.person.pk})
    response = c.post(url, {"household": 999999, "reason": "搬家"}, follow=True)
    assert response.status_code == 200
    assert _messages(response) == ["No such household in your jurisdiction."]
    assert Person.objects.get(pk=mine.person.pk).household_id == mine.household.pk


def test_moved_away_with_a_reason_ends_the_residence(client: Any) -> None:
    c, (mine, _other) = client
    url = reverse("registry:person_status", kwargs={"pk": mine.person.pk})
    refused = c.post(url, {"status": "moved_out", "reason": ""}, follow=True)
    assert _messages(refused) == ["Choose the status and give the reason."]
    assert Person.objects.get(pk=mine.person.pk).status == "active"
    c.post(url, {"status": "moved_out", "reason": "搬到洛阳"})
    assert Person.objects.get(pk=mine.person.pk).status == "moved_out"
    assert not Residence.objects.filter(person=mine.person, ended_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action="registry.person.status")
    assert (entry.reason, entry.data) == ("搬到洛阳", {"from": "active", "to": "moved_out"})


def test_export_is_post_only(client: Any) -> None:
    c, _world = client
    assert c.get(reverse("registry:person_export")).status_code == 405
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()
