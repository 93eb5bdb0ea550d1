"""The care area's part of the demo district (`fangkong demo`, after the orders demo).

A care team (五包一: grid worker, police officer, village doctor, cadre, building group
leader) for each community with people, the demo grid worker's account linked as a
member of the first; the orders in force put on their community's team; yesterday's
follow-ups recorded but one, which was missed and has climbed to the district; today's
first follow-ups mostly recorded, one with a fever (an alert and a transfer to the fever
clinic); a door sensor at a home-quarantined household that reported the door opened.
Loaded once: a district with care teams is left alone. Without orders (the orders demo
not loaded) only the teams are made.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.control.models import CareTeam, ControlOrder, FollowUp, Measure
from fangkong.core.codes import Level
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.registry.models import Household, Person

from . import selectors, services

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
ROLES = ("grid_worker", "police", "doctor", "cadre", "group_leader")


def _name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)


def _actor(name: str, code: str) -> Scope:
    """The demo's records are signed by a team member's name, not "system"."""
    return Scope(
        actor_id=None,
        actor_name=name,
        code=code,
        perms=frozenset(Perm),
        reason="demo data",
        is_system=True,
    )


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    if CareTeam.objects.within(system).exists():
        say("Care: the demo care teams are there already.")
        return
    rng = random.Random(seed)
    with transaction.atomic():
        teams = _teams(system, rng)
        if not teams:
            say("Care: the district has no people; no care teams.")
            return
        orders = list(ControlOrder.objects.within(system).filter(status=ControlOrder.Status.ACTIVE))
        assigned = sum(
            services.team_assign_unassigned(scope=system, team=team) for team in teams.values()
        )
        if not orders:
            say(f"Care: {len(teams)} care teams; no orders in force to look after.")
            return
        summary = _followups(system, rng, district)
        sensor = _door(system)
    say(
        f"Care: {len(teams)} care teams, {assigned} orders assigned, {summary}"
        + (", a door sensor that reported an open door" if sensor else "")
    )


def _teams(system: Scope, rng: random.Random) -> dict[str, CareTeam]:
    communities = [
        row["community_code"]
        for row in Person.objects.within(system)
        .values("community_code")
        .annotate(n=Count("id"))
        .order_by("community_code")
    ]
    names = dict(
        Jurisdiction.objects.filter(code__in=communities, level=Level.COMMUNITY).values_list(
            "code", "name"
        )
    )
    linked = User.objects.filter(username="grid_worker", is_active=True).first()
    doctor = User.objects.filter(username="care_member", is_active=True).first()
    teams: dict[str, CareTeam] = {}
    for n, code in enumerate(c for c in communities if c in names):
        team = services.team_create(
            scope=system,
            jurisdiction_code=code,
            name=f"{names[code]}包保专班",
            phone=f"0371-6{rng.randrange(10**6):06d}",
        )
        for role in ROLES:
            user = None
            if (
                role == "grid_worker"
                and linked is not None
                and linked.jurisdiction_code.startswith(code)
            ):
                user = linked
            if role == "doctor" and doctor is not None and doctor.jurisdiction_code == code:
                user = doctor  # the demo's care-team member account
            services.member_add(
                scope=system,
                team=team,
                role=role,
                name=(user.full_name or _name(rng)) if user else _name(rng),
                phone=f"13{rng.randrange(10**9):09d}" if n < 1000 else "",
                user=user,
            )
        teams[code] = team
    return teams


def _followups(system: Scope, rng: random.Random, district: str) -> str:
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    tz = timezone.get_current_timezone()
    services.generate_followups(day=yesterday, code=district)
    services.generate_followups(day=today, code=district)
    past = list(FollowUp.objects.within(system).filter(day=yesterday).order_by("id"))
    missed = past[0] if past else None
    for item in past[1:]:
        at = dt.datetime.combine(yesterday, dt.time(8 + 6 * (item.slot - 1), 30), tzinfo=tz)
        services.followup_record(
            scope=_actor(_name(rng), district),
            followup=item,
            temperature=f"36.{rng.randrange(2, 9)}",
            services=["temperature", "shopping", "garbage", "disinfection"],
            now=at,
        )
    if missed is not None:
        # Missed by noon yesterday: the sweep marked it, and nobody acknowledged it.
        services.mark_overdue(now=dt.datetime.combine(yesterday, dt.time(12, 0), tzinfo=tz))
        services.escalate_alerts(now=timezone.now())
    firsts = list(FollowUp.objects.within(system).filter(day=today, slot=1).order_by("id"))
    now = timezone.now()
    recorded = 0
    for i, item in enumerate(firsts):
        if i % 4 == 3 or (i and i == len(firsts) - 1):
            continue  # a quarter, and the last, still to do
        fever = i == 0
        services.followup_record(
            scope=_actor(_name(rng), district),
            followup=item,
            temperature="38.2" if fever else f"36.{rng.randrange(2, 9)}",
            symptoms=["fever", "cough"] if fever else [],
            services=["temperature", "garbage", "disinfection"],
            note="自述乏力，已通知村医" if fever else "",
            now=min(
                now, dt.datetime.combine(today, dt.time(8, 30), tzinfo=tz) + dt.timedelta(minutes=i)
            ),
        )
        recorded += 1
    return f"{recorded} of today's first follow-ups recorded (one with a fever)" + (
        ", one of yesterday's missed" if missed else ""
    )


def _door(system: Scope) -> bool:
    today = timezone.localdate()
    order = (
        selectors.home_orders(scope=system, day=today)
        .filter(household__isnull=False)
        .filter(selectors.in_force_on(today, (Measure.HOME_QUARANTINE,)))
        .first()
    )
    if order is None:
        return False
    assert order.household_id is not None
    household = Household.objects.get(pk=order.household_id)
    services.seal_put(scope=system, order=order, note="门口已张贴封条")
    sensor, _token = services.sensor_register(
        scope=system, household=household, serial=f"DEMO-MC-{household.pk:06d}"
    )
    now = timezone.now()
    services.door_events_record(
        sensor=sensor,
        events=[
            services.DoorEventIn("demo-1", "heartbeat", now - dt.timedelta(minutes=30)),
            services.DoorEventIn("demo-2", "open", now - dt.timedelta(minutes=12)),
            services.DoorEventIn("demo-3", "close", now - dt.timedelta(minutes=11)),
        ],
    )
    return True
