"""The demo district's arrival reports: fourteen days of them in the demo subdistrict
(济源路街道 in 上街区) and the town community of the second demo worker (金昌社区), a few
a day at first, a few dozen at the height of the wave, fewer again today; from the
high-risk area, the medium-risk areas and elsewhere, from residents of the registry and
from newcomers, each sent on its day, most verified the same or the next day (newcomers
registered in the community), today's partly still waiting; and every community's QR
poster link.

Called by `fangkong demo` after the risk areas' part (so reports are classified against
the demo list on their arrival date); does nothing when the district already has
reports. The reports are made through the services, which stamp them with the present
moment; the demo then moves `submitted_at`, `classified_at` and `verified_at` back to
the report's day (queryset updates, here only). Audit entries keep today's date.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from stdnum.cn.ric import calc_check_digit

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.accounts.models import User
from fangkong.accounts.scopes import scope_for_user
from fangkong.core import regions
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope
from fangkong.registry import demo_history as history
from fangkong.registry import selectors as registry

from . import services
from .models import ArrivalReport

# Reports sent per day, thirteen days ago first, today last: the wave.
DAILY = (4, 6, 9, 14, 22, 30, 26, 20, 15, 12, 9, 7, 6, 5)
HIGH_ORIGINS = ("420102",)  # 湖北省武汉市江岸区: high risk in the demo list
# 上海市浦东新区 (medium from 12 days ago), 广州市天河区 (from 8), 郑州市二七区 (from 5),
# 北京市朝阳区 (medium until 10 days ago): medium or not, as the list was on the day.
MEDIUM_ORIGINS = ("310115", "440106", "410103", "110105")
OTHER_ORIGINS = ("410102", "410105", "411002", "370102", "320102", "610113", "120101")
NEW_NAMES = ("韩雪梅", "邵文涛", "钱立新", "殷晓红", "蒋浩然", "向丽娟", "罗志明", "程一鸣")
TRAVEL = (("train", "G{n}"), ("flight", "CZ{n}"), ("car", "豫A{n}"), ("bus", ""))
NOTES = (
    "演示数据：上门核实，体温正常，已告知居家健康监测。",
    "演示数据：电话核实行程，已发放健康告知书。",
    "演示数据：网格员入户核实，已登记。",
)


def _id_number(rng: random.Random, region: str) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + calc_check_digit(first17 + "0")


def _worker(community: str) -> Scope | None:
    """The demo community worker verifies in her own community."""
    user = User.objects.select_related("role").filter(username="community_worker").first()
    scope = scope_for_user(user) if user is not None else None
    return scope if scope is not None and scope.code == community else None


def _communities(district: str, places: dict[str, str]) -> list[str]:
    """The demo community first, then the other communities of the demo subdistrict,
    then the town community."""
    found: list[str] = []
    if places.get("community"):
        found.append(places["community"])
    if places.get("subdistrict"):
        found += [
            code
            for code in Jurisdiction.objects.filter(parent_id=places["subdistrict"], is_active=True)
            .order_by("code")
            .values_list("code", flat=True)
            if code not in found
        ]
    if places.get("town_community") and places["town_community"] not in found:
        found.append(places["town_community"])
    return found


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    scope = Scope.system(reason="demo data", code=district)
    if ArrivalReport.objects.within_code(district).exists():
        say("Arrival reports: the district has reports already")
        return
    places = demo_places(district)
    communities = _communities(district, places)
    if not communities:
        say("Arrival reports: no demo community")
        return
    rng = random.Random(f"fangkong-demo-arrivals:{seed}")
    total = verified = 0
    with transaction.atomic():
        links = services.links_ensure(scope=scope, community_codes=communities)
        people = {code: _residents(code, rng) for code in communities}
        worker = _worker(communities[0])
        # The demo community gets two reports in five, the town community one in ten,
        # the other communities of the subdistrict share the rest.
        weights = [
            8 if i == 0 else 2 if code == places.get("town_community") else 1
            for i, code in enumerate(communities)
        ]
        for day, count in zip(history.history(), DAILY, strict=True):
            for number in range(count):
                community = rng.choices(communities, weights)[0]
                report = _submit(links[community], people[community], day, number, rng)
                if report is None:
                    continue
                total += 1
                verifier = worker if community == communities[0] and worker else scope
                if _verify(verifier, report, day, rng):
                    verified += 1
    say(
        f"Arrival reports: {total} in {len(communities)} communities over "
        f"{history.DAYS} days ({verified} verified)"
    )


@dataclass
class People:
    """A community's residents who report (each once) and the households newcomers stay
    in. Arrivals are a few of the residents: most of them stay unreported."""

    reporting: list[Any]
    households: list[Any]


def _residents(community: str, rng: random.Random) -> People:
    everyone = list(
        registry.person_list(
            scope=Scope.system(reason="demo data", code=community),
            filters=registry.PersonFilters(status="active"),
        )
        .exclude(id_number=None)
        .select_related("household__compound", "household__building", "household__unit")
        .filter(household__isnull=False)
        .order_by("id")[:400]
    )
    rng.shuffle(everyone)
    return People(everyone[: len(everyone) // 3], [p.household for p in everyone])


def _origin(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        return rng.choice(HIGH_ORIGINS)
    if roll < 0.42:
        return rng.choice(MEDIUM_ORIGINS)
    return rng.choice(OTHER_ORIGINS)


def _submit(
    link: Any, people: People, day: dt.date, number: int, rng: random.Random
) -> ArrivalReport | None:
    origin_code = _origin(rng)
    origin = regions.get(origin_code)
    assert origin is not None, origin_code
    # Two in three are residents coming home (each reports once), one in three newcomers
    # staying with residents, in the community's households.
    resident = people.reporting.pop() if people.reporting and rng.random() < 0.67 else None
    household = resident.household if resident else None
    if household is None and people.households:
        household = rng.choice(people.households)
    mode, pattern = rng.choice(TRAVEL)
    # Sent on its day, having arrived that day or the day before.
    arrival_date = day - dt.timedelta(days=rng.choice((0, 0, 0, 1)))
    data = services.ReportInput(
        name=resident.name if resident else rng.choice(NEW_NAMES),
        id_number=resident.id_number if resident else _id_number(rng, origin_code),
        phone=(resident.phone if resident and resident.phone else "")
        or f"139{rng.randrange(10**7, 10**8)}",
        origin=origin,
        arrival_date=arrival_date,
        travel_mode=mode,
        travel_number=pattern.format(n=rng.randrange(100, 9999)) if pattern else "",
        companions_count=rng.choice((0, 0, 0, 1, 2)),
        companions="",
        compound_id=household.compound_id if household else None,
        compound_name="" if household else "新建小区",
        building=household.building.name if household and household.building else "",
        unit=household.unit.name if household and household.unit else "",
        room=household.name if household else "101",
        symptoms=("cough",) if number % 11 == 10 else ("none",),
        temperature=None,
    )
    submitted = services.report_submit(link=link, data=data)
    if not submitted.created:
        return None
    report = submitted.report
    sent = history.during(rng, day, 7, 23)
    # Backdated: the report was sent on its day (the service stamped it now).
    ArrivalReport.objects.filter(pk=report.pk).update(submitted_at=sent, classified_at=sent)
    report.submitted_at = report.classified_at = sent
    report.household_hint = household  # type: ignore[attr-defined]
    return report


def _verify(scope: Scope, report: ArrivalReport, day: dt.date, rng: random.Random) -> bool:
    """Most reports are verified the same or the next day (high-risk ones within hours);
    a verification that would fall after now is not made yet: the report waits."""
    if rng.random() < 0.12:
        return False  # still waiting (the overdue ones of the queue)
    hours = rng.randrange(1, 4) if report.classification == "high" else rng.randrange(1, 28)
    when = report.submitted_at + dt.timedelta(hours=hours, minutes=rng.randrange(60))
    if when > timezone.now():
        return False
    household = report.household_hint  # type: ignore[attr-defined]
    roll = rng.random()
    outcome = (
        ArrivalReport.Outcome.CONFIRMED
        if roll < 0.9
        else ArrivalReport.Outcome.NOT_HERE
        if roll < 0.96
        else ArrivalReport.Outcome.UNREACHABLE
    )
    confirmed = outcome == ArrivalReport.Outcome.CONFIRMED
    services.report_verify(
        scope=scope,
        report=report,
        outcome=outcome,
        note=rng.choice(NOTES) if confirmed else "演示数据：本人已离开本社区。",
        register=confirmed,
        household=household if confirmed else None,
    )
    # Backdated: verified when the story says (the service stamped it now).
    ArrivalReport.objects.filter(pk=report.pk).update(verified_at=when)
    return True
