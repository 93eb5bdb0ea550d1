"""The demo district's screening: a round in progress (`fangkong demo` calls load()).

The round covers the whole district with two categories (from Hubei, from outside the
city, both in the last 14 days). In the first community (中安街社区 in 上街区, where the
demo's community and grid workers work) most households are screened, some arrivals
found, one compound signed at every level and one waiting for the community; a few
households are left for the grid worker to do. The rest of the district is untouched,
so coverage pages show real differences.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.registry.models import Household, Person

from . import services
from .models import Record, ScreeningRound, Task

ORIGINS = ["420102", "420106", "420111", "110105", "310115", "440305", "410305", "411302"]


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    if ScreeningRound.objects.filter(jurisdiction_code=district).exists():
        return
    if not Jurisdiction.objects.filter(code=district).exists():
        return
    rng = random.Random(seed)
    today = timezone.localdate()
    scope = Scope.system(reason="demo data: screening", code=district)
    screening_round = services.round_open(
        scope=scope,
        name="第二轮拉网式排查",
        scope_codes=[],
        starts_on=today - dt.timedelta(days=2),
        due_on=today + dt.timedelta(days=2),
        categories=[
            services.CategorySpec("湖北来郑人员", today - dt.timedelta(days=14), "42"),
            services.CategorySpec("外地来郑人员", today - dt.timedelta(days=14)),
        ],
    )
    community = (
        Jurisdiction.objects.filter(code__startswith=district, level="community", is_active=True)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    tasks = list(
        Task.objects.filter(round=screening_round, community_code=community or "-")
        .select_related("round")
        .order_by("jurisdiction_code", "compound_id")
    )
    recorded = 0
    for index, task in enumerate(tasks):
        households = list(
            Household.objects.filter(compound_id=task.compound_id, is_active=True).order_by("pk")
        )
        # The last compound stays half done, for the grid worker to finish; with three
        # or more, the first is signed at every level and the second by the screener.
        last = index == len(tasks) - 1
        share = 0.5 if last else 1.0
        for household in households[: int(len(households) * share)]:
            _record(scope, task, household, rng, today)
            recorded += 1
        if not last and len(tasks) >= 3 and index in (0, 1):
            for level in ("screener", "community", "subdistrict")[: 3 if index == 0 else 1]:
                services.sign(scope=scope, task=task, level=level, note="演示")
    say(f"Screening: round {screening_round.name!r}, {recorded} households recorded.")


def _record(
    scope: Scope, task: Task, household: Household, rng: random.Random, today: dt.date
) -> None:
    members = list(Person.objects.filter(household=household, status=Person.Status.ACTIVE))
    if not members:
        services.record_household(
            scope=scope, task=task, household=household, outcome=Record.Outcome.EMPTY
        )
        return
    if rng.random() < 0.06:
        services.record_household(
            scope=scope,
            task=task,
            household=household,
            outcome=Record.Outcome.NOT_HOME,
            explanation=rng.choice(["上夜班，已留联系卡", "电话未接通，明日再访", "外出务工"]),
        )
        return
    people = []
    for person in members:
        found = services.PersonFound(person_id=person.pk, present=rng.random() < 0.85)
        if found.present and rng.random() < 0.04:
            origin = rng.choice(ORIGINS)
            found.category = "c1" if origin.startswith("42") else "c2"
            if origin.startswith("4101"):
                origin = "420102"
                found.category = "c1"
            found.origin_code = origin
            found.arrived_on = today - dt.timedelta(days=rng.randrange(0, 12))
            found.travel_mode = rng.choice(["train", "flight", "car", "bus"])
            found.travel_number = rng.choice(["G1234", "G802", "CZ3377", ""])
            found.temperature = Decimal(rng.choice(["36.3", "36.5", "36.8", "37.4"]))
        people.append(found)
    services.record_household(
        scope=scope,
        task=task,
        household=household,
        outcome=Record.Outcome.REACHED,
        channel=rng.choice(
            [Record.Channel.DOOR] * 8 + [Record.Channel.PHONE, Record.Channel.WECHAT]
        ),
        people=people,
    )
