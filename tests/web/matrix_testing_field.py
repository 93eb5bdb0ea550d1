"""The field area of mass testing in the scope matrix (tests/web/matrix.py): QR cards
and door-to-door tasks.

The world gets a campaign of the district (opened through the campaigns area's services,
its population materialised at once), a door-to-door team in each community, a printed
card for 张三 and for 隔壁王五, and door-to-door tasks for the not-yet-sampled of both
communities. Cards need TESTING_SAMPLE (a community viewer gets 403); the door-to-door
list and a task need TESTING_VIEW; closing and assigning need TESTING_SAMPLE. The
resident's section and the person-file timeline have no routes of their own."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from fangkong.core.scope import Scope
from fangkong.testing.campaigns import services as campaigns
from fangkong.testing.field import services
from fangkong.testing.models import HomeTask, SamplingSite
from fangkong.testing.sampling import services as sampling
from tests.conftest import COMMUNITY, DISTRICT, SIBLING
from tests.web.matrix import Route, World, post


def _side(system: Scope, campaign: Any, person: Any, code: str, team_name: str) -> SimpleNamespace:
    team = sampling.site_create(
        scope=system, jurisdiction_code=code, name=team_name, kind=SamplingSite.Kind.DOOR_TO_DOOR
    )
    card = services.card_issue(scope=system, person=person)
    services.home_tasks_generate(scope=system, campaign=campaign, code=code, team=team)
    task = HomeTask.objects.filter(campaign=campaign, person_id=person.pk).get()
    return SimpleNamespace(team=team, card=card, task=task, compound=person.household.compound)


def extend(world: World, system_scope: Scope) -> None:
    system = Scope.system(reason="scope matrix: the field area", code=DISTRICT)
    now = timezone.now()
    campaign = campaigns.campaign_create(
        scope=system,
        name="矩阵全员核酸检测",
        scope_codes=[],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=12),
    )
    campaigns.campaign_open(scope=system, campaign=campaign)
    campaigns.materialise(campaign)  # at once: the matrix does not run on-commit work
    campaign.refresh_from_db()
    world.extra["testing_field"] = _side(
        system, campaign, world.mine.person, COMMUNITY, "中安街上门采样队"
    )
    world.extra["testing_field_other"] = _side(
        system, campaign, world.other.person, SIBLING, "安阳路上门采样队"
    )
    world.extra["testing_field"].campaign = campaign


def _f(w: World) -> Any:
    return w.extra["testing_field"]


_LIST = {"is_object": False, "without_perm": "no_role_user"}
_VIEW = {"without_perm": "no_role_user"}
_SAMPLE = {"without_perm": "community_viewer"}

ROUTES: list[Route] = [
    Route("testing:field_cards", is_object=False, **_SAMPLE),
    Route(
        "testing:field_cards_issue",
        data=lambda w: {"compound": _f(w).compound.pk, "who": "all", "reissue": "on"},
        is_object=False,
        **post(**_SAMPLE),
    ),
    # Without a compound the sheet sends back to the list (tests/testing/field prints).
    Route("testing:field_cards_print", is_object=False, ok=frozenset({302}), **_SAMPLE),
    Route(
        "testing:field_card_void",
        kwargs=lambda w: {"pk": _f(w).card.pk},
        data=lambda w: {"reason": "卡片遗失"},
        **post(**_SAMPLE),
    ),
    Route(
        "testing:field_card_reissue",
        kwargs=lambda w: {"pk": _f(w).card.pk},
        **post(**_SAMPLE),
    ),
    Route("testing:field_home", **_LIST),
    Route("testing:field_home_generate", is_object=False, **_SAMPLE),
    Route(
        "testing:field_home_generate",
        data=lambda w: {
            "campaign": _f(w).campaign.pk,
            "place": f"j:{COMMUNITY}",
            "exempt": "on",
            "unsampled": "on",
        },
        is_object=False,
        # The sibling's form does not offer our community: the form again, nothing made.
        **post(ok=frozenset({302, 200}), **_SAMPLE),
    ),
    Route("testing:field_home_task", kwargs=lambda w: {"pk": _f(w).task.pk}, **_VIEW),
    Route(
        "testing:field_home_close",
        kwargs=lambda w: {"pk": _f(w).task.pk},
        data=lambda w: {"status": "not_home", "note": "敲门无人"},
        **post(**_SAMPLE),
    ),
    Route(
        "testing:field_home_assign",
        kwargs=lambda w: {"pk": _f(w).task.pk},
        data=lambda w: {"team": _f(w).team.pk},
        **post(**_SAMPLE),
    ),
]
