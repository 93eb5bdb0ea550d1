"""The demo district's screening (`fangkong demo` calls load()): a round done and signed
off, and a round in progress.

The first round (第一轮拉网式排查) was opened 13 days ago over the demo subdistrict
(济源路街道) and worked door to door over the following eight days, a few hundred
households a day, every compound then signed by its screener, its community and, four
and three days ago, the subdistrict; the round is closed. Its records are made through
the services, which stamp them now; the demo moves `recorded_at` and the signatures'
`signed_at` back to the days the story gives (queryset updates, here only). Audit
entries keep today's date.

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

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry import demo_history as history
from fangkong.registry.models import Household, Person

from . import services
from .models import Record, ScreeningRound, SignOff, Task

HISTORY_NAME = "第一轮拉网式排查"
HISTORY_OPENED = 13  # days ago
# The share (per cent) of the households screened on each day of the work.
WORK_SHARE = (8, 13, 16, 15, 14, 13, 12, 9)
HISTORY_WORKED = len(WORK_SHARE)  # days of door-to-door work
SCREENERS = ("李桂芝", "王红霞", "赵国庆", "孙丽萍", "周建军", "吴晓燕", "郭建国", "何丽华")
HEADS = ("刘淑芬", "陈国华", "杨春梅", "黄志强", "林秀珍", "高建平")

ORIGINS = ["420102", "420106", "420111", "110105", "310115", "440305", "410305", "411302"]


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    if ScreeningRound.objects.filter(jurisdiction_code=district).exists():
        return
    if not Jurisdiction.objects.filter(code=district).exists():
        return
    rng = random.Random(seed)
    today = timezone.localdate()
    scope = Scope.system(reason="demo data: screening", code=district)
    _history(district, scope, random.Random(f"fangkong-demo-screening-history:{seed}"), say)
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
) -> Record:
    """One household recorded on `today` (the day the record is for)."""
    members = list(Person.objects.filter(household=household, status=Person.Status.ACTIVE))
    if not members:
        return services.record_household(
            scope=scope, task=task, household=household, outcome=Record.Outcome.EMPTY
        )
    if rng.random() < 0.06:
        return services.record_household(
            scope=scope,
            task=task,
            household=household,
            outcome=Record.Outcome.NOT_HOME,
            explanation=rng.choice(["上夜班，已留联系卡", "电话未接通，明日再访", "外出务工"]),
        )
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
    return services.record_household(
        scope=scope,
        task=task,
        household=household,
        outcome=Record.Outcome.REACHED,
        channel=rng.choice(
            [Record.Channel.DOOR] * 8 + [Record.Channel.PHONE, Record.Channel.WECHAT]
        ),
        people=people,
    )


def _named(name: str, district: str) -> Scope:
    """A community's staff member (the demo's records and signatures carry a name)."""
    return Scope(
        actor_id=None,
        actor_name=name,
        code=district,
        perms=frozenset(Perm),
        reason="demo data: screening",
        is_system=True,
    )


def _user_scope(username: str) -> Scope | None:
    user = User.objects.select_related("role").filter(username=username).first()
    return scope_for_user(user) if user is not None else None


def _work_day(percent: int) -> int:
    """The day of the work (0 = the day the round opened) the household at `percent` of
    the round's households in order is screened on."""
    reached = 0
    for index, share in enumerate(WORK_SHARE):
        reached += share
        if percent < reached:
            return index
    return len(WORK_SHARE) - 1


def _history(district: str, scope: Scope, rng: random.Random, say: Callable[[str], None]) -> None:
    """The first round over the demo subdistrict: worked door to door day by day, every
    compound signed off at every level, then closed."""
    subdistrict = demo_places(district).get("subdistrict")
    if not subdistrict:
        return
    opened = history.day(HISTORY_OPENED)
    screening_round = services.round_open(
        scope=scope,
        name=HISTORY_NAME,
        scope_codes=[subdistrict],
        starts_on=opened,
        due_on=opened + dt.timedelta(days=HISTORY_WORKED - 1),
        categories=[
            services.CategorySpec("湖北来郑人员", opened - dt.timedelta(days=14), "42"),
            services.CategorySpec("外地来郑人员", opened - dt.timedelta(days=14)),
        ],
    )
    ScreeningRound.objects.filter(pk=screening_round.pk).update(created_at=history.at(opened, 9))
    worker, head = _user_scope("community_worker"), _user_scope("community_head")
    officer = _user_scope("subdistrict_officer") or _named("王建华", district)
    tasks = list(
        Task.objects.filter(round=screening_round)
        .select_related("round")
        .order_by("community_code", "jurisdiction_code", "compound_id")
    )
    households = {
        task.pk: list(
            Household.objects.filter(compound_id=task.compound_id, is_active=True).order_by("pk")
        )
        for task in tasks
    }
    total = sum(len(h) for h in households.values()) or 1
    done = 0
    for task in tasks:
        mine = worker is not None and task.community_code == worker.code[:12]
        screener = worker if mine and worker else _named(rng.choice(SCREENERS), district)
        last = opened
        for household in households[task.pk]:
            # The households of the subdistrict, in order, spread over the days worked.
            day = opened + dt.timedelta(days=_work_day(done * 100 // total))
            record = _record(screener, task, household, rng, day)
            # Backdated: recorded on its day (the service stamped it now).
            Record.objects.filter(pk=record.pk).update(recorded_at=history.during(rng, day))
            done, last = done + 1, day
        signers = (
            (SignOff.Level.SCREENER, screener, history.at(last, 20, rng.randrange(60))),
            (
                SignOff.Level.COMMUNITY,
                head if mine and head else _named(rng.choice(HEADS), district),
                history.at(last + dt.timedelta(days=1), 10, rng.randrange(60)),
            ),
            (
                SignOff.Level.SUBDISTRICT,
                officer,
                history.at(history.day(4 if task.pk % 2 else 3), 16, rng.randrange(60)),
            ),
        )
        for level, signer, when in signers:
            signoff = services.sign(scope=signer, task=task, level=level, note="演示")
            SignOff.objects.filter(pk=signoff.pk).update(signed_at=when)
    services.round_close(scope=scope, screening_round=screening_round)
    say(
        f"Screening: round {HISTORY_NAME!r} over {subdistrict}, {done} households recorded "
        f"from {opened} over {HISTORY_WORKED} days, {len(tasks)} compounds signed off, closed."
    )
