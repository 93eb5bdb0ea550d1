"""The campaign's form (rules in the schema of testing/rules.py, errors on their field),
opening with the job's progress, closing, and who sees which campaign."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fangkong.core.errors import ApplicationError
from fangkong.testing.campaigns import selectors
from fangkong.testing.campaigns.forms import CampaignForm
from fangkong.testing.models import Campaign, Target
from fangkong.testing.rules import rules_clean
from tests.conftest import COMMUNITY, SIBLING, SUBDISTRICT, TOWN

from ..conftest import TWorld

pytestmark = pytest.mark.django_db


def _post_data(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "济源路街道加测",
        "starts_at": "2026-05-01T07:00",
        "ends_at": "2026-05-01T19:00",
        "pool_default": "20",
        "pool_precaution": "20",
        "pool_controlled": "10",
        "pool_sealed": "1",
        "sealed_per_household": "on",
        "infant_under_years": "2",
        "bedridden": "on",
        "vaccinated_hours": "48",
        "late_box_hours": "3",
        "result_due_hours": "10",
        "note": "按街道方案执行",
    }
    data.update(extra)
    return data


@pytest.fixture
def officer(make_user: Any) -> Any:
    return make_user("subdistrict_officer", SUBDISTRICT, username="jy_officer")


def test_create_posts_the_rules_in_their_schema(tw: TWorld, officer: Any, client: Client) -> None:
    client.force_login(officer)
    response = client.post(
        reverse("testing:campaigns_new"), _post_data(scope_codes=[COMMUNITY, SIBLING])
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="济源路街道加测")
    assert response["Location"] == reverse("testing:campaigns_detail", args=[campaign.pk])
    assert campaign.jurisdiction_code == SUBDISTRICT
    assert campaign.scope_codes == [COMMUNITY, SIBLING]
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.rules == {
        "pooling": {
            "": 20,
            "precaution": 20,
            "controlled": 10,
            "sealed": 1,
            "sealed_per_household": True,
        },
        "exemptions": {
            "infant_under_years": 2,
            "bedridden": True,
            "central_quarantine": False,
            "vaccinated_hours": 48,
        },
    }
    assert (campaign.late_box_hours, campaign.result_due_hours) == (3, 10)


def test_the_services_refusals_land_on_their_fields(
    tw: TWorld, officer: Any, client: Client
) -> None:
    client.force_login(officer)
    with translation.override("en"):
        response = client.post(
            reverse("testing:campaigns_new"),
            _post_data(ends_at="2026-05-01T06:00"),
            headers={"accept-language": "en"},
        )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"ends_at": ["The end is not after the start."]}
    assert not Campaign.objects.filter(name="济源路街道加测").exists()
    # rules_clean names "pooling.controlled" and "exemptions.infant_under_years": the form
    # puts them on its own fields.
    bound = CampaignForm(_post_data(), scope_choices=[])
    assert bound.is_valid()
    with pytest.raises(ApplicationError) as caught:
        rules_clean({"pooling": {"controlled": 50}, "exemptions": {"infant_under_years": 9}})
    bound.add_service_error(caught.value)
    assert sorted(bound.errors) == ["infant_under_years", "pool_controlled"]


def test_a_community_outside_the_office_is_refused(
    tw: TWorld, officer: Any, client: Client
) -> None:
    client.force_login(officer)
    response = client.post(
        reverse("testing:campaigns_new"), _post_data(scope_codes=["410106100003"])
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["scope_codes"]


def test_edit_open_progress_close(
    tw: TWorld, officer: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(officer)
    client.post(reverse("testing:campaigns_new"), _post_data(scope_codes=[COMMUNITY]))
    campaign = Campaign.objects.get(name="济源路街道加测")
    edit = reverse("testing:campaigns_edit", args=[campaign.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, _post_data(name="济源路街道第2轮", pool_controlled="5"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name == "济源路街道第2轮"
    assert campaign.rules["pooling"]["controlled"] == 5
    assert campaign.scope_codes == [COMMUNITY]  # fixed with the draft
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("testing:campaigns_open", args=[campaign.pk]))
    assert response.status_code == 302
    detail = client.get(reverse("testing:campaigns_detail", args=[campaign.pk])).content.decode()
    progress_url = reverse("testing:campaigns_progress", args=[campaign.pk])
    assert f'hx-get="{progress_url}"' in detail  # polls while preparing
    for callback in callbacks:
        callback()
    partial = client.get(progress_url, headers={"HX-Request": "true"}).content.decode()
    assert 'id="campaign-ready"' in partial and "hx-get" not in partial
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN
    assert set(Target.objects.filter(campaign=campaign).values_list("person_id", flat=True)) == {
        tw.mine.person.pk,
        tw.mine.housemate.pk,
    }
    assert client.get(edit).status_code == 302  # no longer a draft
    response = client.post(reverse("testing:campaigns_close", args=[campaign.pk]), {"note": "完成"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED and campaign.closed_at is not None


def test_who_sees_which_campaign(tw: TWorld, officer: Any, make_user: Any, scope_of: Any) -> None:
    from django.utils import timezone

    from fangkong.testing.campaigns import services

    draft = services.campaign_create(
        scope=scope_of(officer),
        name="草稿",
        scope_codes=[SIBLING],
        starts_at=timezone.now(),
        ends_at=timezone.now() + timezone.timedelta(hours=3),
    )
    worker = scope_of(make_user("community_worker", COMMUNITY))
    sibling = scope_of(make_user("community_worker", SIBLING))
    town = scope_of(make_user("subdistrict_officer", TOWN))
    # The district's round over the whole district concerns every one of them; the
    # subdistrict's draft only its office (and the district above it).
    assert [c.pk for c in selectors.campaigns(scope=worker)] == [tw.campaign.pk]
    assert [c.pk for c in selectors.campaigns(scope=sibling)] == [tw.campaign.pk]
    assert [c.pk for c in selectors.campaigns(scope=town)] == [tw.campaign.pk]
    assert {c.pk for c in selectors.campaigns(scope=scope_of(officer))} == {
        tw.campaign.pk,
        draft.pk,
    }
    assert {c.pk for c in selectors.campaigns(scope=tw.officer_scope)} == {
        tw.campaign.pk,
        draft.pk,
    }
    # Opened over the sibling community only: the worker of our community does not see it.
    from fangkong.testing.models import Campaign as C

    C.objects.filter(pk=draft.pk).update(status=C.Status.OPEN)
    assert [c.pk for c in selectors.campaigns(scope=worker)] == [tw.campaign.pk]
    assert {c.pk for c in selectors.campaigns(scope=sibling)} == {tw.campaign.pk, draft.pk}
