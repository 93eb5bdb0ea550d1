"""The person file: each sample (campaign, site, tube, result) and each card issued or
voided, for whoever sees the person and holds TESTING_VIEW; nothing for another
community."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.core.scope import Scope
from fangkong.registry.timeline import events_for
from fangkong.testing.field import selectors, services
from fangkong.testing.field.timeline import field_events

from .conftest import FWorld, result, sample

pytestmark = pytest.mark.django_db


def _testing(scope: Scope, person: object) -> list[tuple[str, str, str]]:
    with translation.override("en"):
        return [
            (e.title, e.detail, e.level)
            for e in events_for(scope=scope, person=person)  # type: ignore[arg-type]
            if e.source == "testing_field"
        ]


def test_samples_and_cards_in_the_person_file(fw: FWorld) -> None:
    tw = fw.tw
    person = tw.mine.housemate
    first = services.card_issue(scope=fw.worker_scope, person=person)
    services.card_issue(scope=fw.worker_scope, person=person)
    sample(tw, "TL0001", [first.token])  # the voided card: refused, not in the file
    sample(tw, "TL0002", [tw.mine.person.id_number])
    from fangkong.testing.models import Card

    token = Card.objects.get(person_id=person.pk, voided_at__isnull=True).token
    sample(tw, "TL0003", [token, tw.other.person.id_number])
    result(fw, "TL0003", "negative")
    events = _testing(fw.worker_scope, person)
    assert events[0] == (
        f"Sampled: {tw.campaign.name}",
        "中安街社区广场采样点 · tube TL0003 · Negative · 20-in-1 pool",
        "success",
    )
    assert sorted(e[0] for e in events[1:]) == [
        "QR card issued",
        "QR card issued",
        "QR card voided",
    ]
    # Another community sees none of it; a viewer of ours does.
    assert _testing(fw.sibling_scope, person) == []
    viewer = Scope.for_user(
        actor_id=fw.viewer.pk,
        actor_name="v",
        code=tw.mine.person.jurisdiction_code,
        perms={"testing.view"},
    )
    assert len(list(field_events(viewer, person))) == 4
    nobody = Scope.for_user(actor_id=fw.viewer.pk, actor_name="v", code="410106", perms=set())
    assert list(field_events(nobody, person)) == []
    page = fw.client(fw.worker).get(reverse("registry:person", args=[person.pk]))
    assert "TL0003" in page.content.decode()


def test_campaigns_that_concern_a_scope(fw: FWorld) -> None:
    tw = fw.tw
    assert [c.pk for c in selectors.campaigns(scope=fw.worker_scope)] == [tw.campaign.pk]
    assert [c.pk for c in selectors.campaigns(scope=tw.officer_scope)] == [tw.campaign.pk]
    local = tw.new_campaign(name="安阳路社区加测", scope_codes=["410106001002"])
    assert [c.pk for c in selectors.campaigns(scope=fw.worker_scope)] == [tw.campaign.pk]
    assert local.pk in [c.pk for c in selectors.campaigns(scope=fw.sibling_scope)]
