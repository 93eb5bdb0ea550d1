"""Opening a campaign materialises its population, exemptions and counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fangkong.registry.models import Person
from fangkong.testing.models import Campaign, Coverage, Exemption, Target
from tests.conftest import COMMUNITY, SIBLING

from .conftest import TWorld

pytestmark = pytest.mark.django_db


def test_opening_writes_one_target_per_active_resident_and_counters(tw: TWorld) -> None:
    rows = sorted(
        Target.objects.filter(campaign=tw.campaign).values_list(
            "person_id", "jurisdiction_code", "building_id", "exemption", "outside"
        )
    )
    assert rows == sorted(
        [
            (tw.mine.person.pk, COMMUNITY, tw.mine.building.pk, "", False),
            (tw.mine.housemate.pk, COMMUNITY, tw.mine.building.pk, "", False),
            (tw.other.person.pk, SIBLING, tw.other.building.pk, "", False),
            (tw.other.housemate.pk, SIBLING, tw.other.building.pk, "", False),
        ]
    )
    counters = sorted(
        Coverage.objects.filter(campaign=tw.campaign).values_list(
            "jurisdiction_code", "building_id", "target", "exempt", "sampled"
        )
    )
    assert counters == [
        (COMMUNITY, tw.mine.building.pk, 2, 0, 0),
        (SIBLING, tw.other.building.pk, 2, 0, 0),
    ]
    campaign = Campaign.objects.get(pk=tw.campaign.pk)
    assert (campaign.target_count, campaign.exempt_count) == (4, 0)
    assert campaign.job is not None and campaign.job.status == "done"


def test_exemptions_from_the_rules(tw: TWorld) -> None:
    Person.objects.filter(pk=tw.mine.housemate.pk).update(
        birth_date=dt.date.today() - dt.timedelta(days=400)
    )
    Person.objects.filter(pk=tw.other.housemate.pk).update(is_frail=True)
    Person.objects.filter(pk=tw.other.person.pk).update(status=Person.Status.MOVED_OUT)
    campaign = tw.new_campaign(name="第二轮", scope_codes=[])
    exemptions = dict(
        Target.objects.filter(campaign=campaign).values_list("person_id", "exemption")
    )
    assert exemptions == {
        tw.mine.person.pk: "",
        tw.mine.housemate.pk: Exemption.INFANT,
        tw.other.housemate.pk: Exemption.BEDRIDDEN,
    }
    # The bedridden are sampled at their door: still in the target; the infant is not.
    assert (campaign.target_count, campaign.exempt_count) == (2, 1)


def test_a_campaign_over_one_community_only(tw: TWorld) -> None:
    campaign = tw.new_campaign(name="中安街加测", scope_codes=[COMMUNITY])
    assert set(Target.objects.filter(campaign=campaign).values_list("person_id", flat=True)) == {
        tw.mine.person.pk,
        tw.mine.housemate.pk,
    }


def test_exemption_by_hand_moves_the_counters(tw: TWorld) -> None:
    from fangkong.core.errors import ApplicationError
    from fangkong.testing.campaigns import services

    target = services.exemption_set(
        scope=tw.officer_scope,
        campaign=tw.campaign,
        person_id=tw.mine.housemate.pk,
        exemption=Exemption.AWAY,
        note="在郑州大学住校，已提供学校证明",
    )
    assert (target.exemption, target.exemption_note) == ("away", "在郑州大学住校，已提供学校证明")
    counter = Coverage.objects.get(campaign=tw.campaign, jurisdiction_code=COMMUNITY)
    assert (counter.target, counter.exempt) == (1, 1)
    assert Campaign.objects.get(pk=tw.campaign.pk).target_count == 3
    with pytest.raises(ApplicationError) as no_note:
        services.exemption_set(
            scope=tw.officer_scope,
            campaign=tw.campaign,
            person_id=tw.mine.person.pk,
            exemption=Exemption.AWAY,
            note=" ",
        )
    assert [e.field for e in no_note.value.errors] == ["note"]
    with pytest.raises(ApplicationError) as vaccinated:
        services.exemption_set(
            scope=tw.officer_scope,
            campaign=tw.campaign,
            person_id=tw.mine.person.pk,
            exemption=Exemption.VACCINATED,
            note="12月3日接种",
        )
    assert [e.field for e in vaccinated.value.errors] == ["exemption"]
    # Lifting the exemption puts the person back in the target.
    services.exemption_set(
        scope=tw.officer_scope,
        campaign=tw.campaign,
        person_id=tw.mine.housemate.pk,
        exemption=Exemption.NONE,
        note="已返回",
    )
    counter.refresh_from_db()
    assert (counter.target, counter.exempt) == (2, 0)


def test_bad_rules_name_their_field(tw: TWorld) -> None:
    from django.utils import timezone

    from fangkong.core.errors import ApplicationError
    from fangkong.testing.campaigns import services

    now = timezone.now()
    with pytest.raises(ApplicationError) as caught:
        services.campaign_create(
            scope=tw.officer_scope,
            name="错误规则",
            scope_codes=[],
            starts_at=now,
            ends_at=now + dt.timedelta(hours=6),
            rules={"pooling": {"controlled": 30, "": "x"}, "exemptions": {"infant_under_years": 9}},
        )
    assert sorted(e.field for e in caught.value.errors) == [
        "exemptions.infant_under_years",
        "pooling.controlled",
        "pooling.default",
    ]
    with pytest.raises(ApplicationError) as backwards:
        services.campaign_create(
            scope=tw.officer_scope,
            name="时间颠倒",
            scope_codes=[],
            starts_at=now,
            ends_at=now - dt.timedelta(hours=1),
        )
    assert [e.field for e in backwards.value.errors] == ["ends_at"]
    assert Campaign.objects.count() == 1


def test_a_closed_campaign_refuses_new_samples(tw: TWorld) -> None:
    from fangkong.testing.campaigns import services

    services.campaign_close(scope=tw.officer_scope, campaign=tw.campaign, note="本轮结束")
    assert Campaign.objects.get(pk=tw.campaign.pk).status == "closed"
    from fangkong.core.errors import Conflict

    with pytest.raises(Conflict):
        services.campaign_close(scope=tw.officer_scope, campaign=tw.campaign)


def test_the_opening_job_run_twice_changes_nothing(tw: TWorld) -> None:
    from fangkong.testing.campaigns.services import run_materialise_job

    assert tw.campaign.job_id is not None
    run_materialise_job(tw.campaign.job_id)  # a retried task
    campaign = Campaign.objects.get(pk=tw.campaign.pk)
    assert (campaign.status, campaign.target_count) == ("open", 4)
    assert Target.objects.filter(campaign=campaign).count() == 4


def test_lifting_the_exemption_of_someone_sampled_counts_the_sample(
    tw: TWorld, client: Any
) -> None:
    """Sampled while away (counted "outside"), then back: one more target, one more
    sampled, and the unsampled figure does not move."""
    from fangkong.testing.campaigns import services

    from .test_ingest import card_for, post, scan

    services.exemption_set(
        scope=tw.officer_scope,
        campaign=tw.campaign,
        person_id=tw.mine.housemate.pk,
        exemption=Exemption.AWAY,
        note="外出务工",
    )
    card = card_for(tw, tw.mine.housemate)
    post(
        client,
        tw.token,
        tw.campaign.pk,
        [scan("open", tube="E0001"), scan("sample", tube="E0001", code=card)],
    )
    counter = Coverage.objects.get(campaign=tw.campaign, jurisdiction_code=COMMUNITY)
    assert (counter.target, counter.exempt, counter.sampled, counter.outside) == (1, 1, 0, 1)
    services.exemption_set(
        scope=tw.officer_scope,
        campaign=tw.campaign,
        person_id=tw.mine.housemate.pk,
        exemption=Exemption.NONE,
        note="已返回",
    )
    counter.refresh_from_db()
    assert (counter.target, counter.exempt, counter.sampled, counter.outside) == (2, 0, 1, 0)
