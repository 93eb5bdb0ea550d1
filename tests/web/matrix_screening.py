"""Screening's routes in the scope matrix (see tests/web/matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fangkong.core.scope import Scope
from tests.conftest import DISTRICT
from tests.web.matrix import Route, World, post

ANY_ROLE = "no_role_user"  # every role may look; only an account without a role may not


def _s(w: World) -> dict[str, Any]:
    extra: dict[str, Any] = w.extra["screening"]
    return extra


ROUTES = [
    Route("screening:rounds", is_object=False, without_perm=ANY_ROLE),
    Route("screening:my_tasks", is_object=False, without_perm=ANY_ROLE),
    Route("screening:day_list", is_object=False, without_perm=ANY_ROLE),
    Route("screening:regions", is_object=False, without_perm=ANY_ROLE),
    Route(
        "screening:round_new",
        is_object=False,
        without_perm="district_viewer",
        allowed="district_admin_nototp",
        parent=None,
    ),
    # A round covers the district: the sibling community sees it, with its own figures.
    Route(
        "screening:round",
        kwargs=lambda w: {"pk": _s(w)["round"].pk},
        is_object=False,
        without_perm=ANY_ROLE,
    ),
    Route(
        "screening:unreached",
        kwargs=lambda w: {"pk": _s(w)["round"].pk},
        is_object=False,
        without_perm=ANY_ROLE,
    ),
    Route(
        "screening:round_export",
        kwargs=lambda w: {"pk": _s(w)["round"].pk, "kind": "findings"},
        method="POST",
        is_object=False,
        without_perm="data_entry",
    ),
    Route(
        "screening:round_close",
        kwargs=lambda w: {"pk": _s(w)["round"].pk},
        without_perm="district_viewer",
        allowed="district_admin_nototp",
        sibling="town_officer",
        parent=None,
        **post(),
    ),
    Route("screening:task", kwargs=lambda w: {"pk": _s(w)["task"].pk}, without_perm=ANY_ROLE),
    Route(
        "screening:walk",
        kwargs=lambda w: {"pk": _s(w)["task"].pk, "building": str(w.mine.building.pk)},
        without_perm=ANY_ROLE,
    ),
    Route(
        "screening:household",
        kwargs=lambda w: {"pk": _s(w)["task"].pk, "household_id": w.spare_household.pk},
        without_perm=ANY_ROLE,
    ),
    Route(
        "screening:household",
        kwargs=lambda w: {"pk": _s(w)["task"].pk, "household_id": w.spare_household.pk},
        data=lambda w: {"outcome": "empty", "channel": "door"},
        **post(),
    ),
    Route(
        "screening:task_sign",
        kwargs=lambda w: {"pk": _s(w)["task"].pk},
        data=lambda w: {"level": "screener", "note": "已逐户走访"},
        # The screener's step is signed where the screening was done; the office above
        # signs its own step later, so here it is refused.
        parent_ok=frozenset({403}),
        **post(),
    ),
]


def extend(world: World, system_scope: Scope) -> None:
    from fangkong.screening import services
    from fangkong.screening.models import Task

    today = timezone.localdate()
    scope = Scope.system(reason="tests", code=DISTRICT)
    screening_round = services.round_open(
        scope=scope,
        name="矩阵轮次",
        scope_codes=[],
        starts_on=today,
        due_on=today + dt.timedelta(days=1),
        categories=[services.CategorySpec("外地来郑人员", today - dt.timedelta(days=14))],
    )
    task = Task.objects.select_related("round").get(
        round=screening_round, compound=world.mine.compound
    )
    services.record_household(
        scope=scope,
        task=task,
        household=world.mine.household,
        outcome="reached",
        people=[services.PersonFound(person_id=world.mine.person.pk)],
    )
    services.record_household(
        scope=scope,
        task=task,
        household=world.spare_household,
        outcome="not_home",
        explanation="出差",
    )
    world.extra["screening"] = {"round": screening_round, "task": task}
