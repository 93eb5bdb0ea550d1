"""The demo district's arrival reports: a few dozen in the two demo communities (中安街社区
and 金昌社区 in 上街区), from residents of the registry and from newcomers, some verified,
most waiting, one from a high-risk area in each, and the communities' QR poster links.

Called by `fangkong demo` after the risk areas' part (so reports are classified against
the demo list); does nothing when the district already has reports.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from stdnum.cn.ric import calc_check_digit

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.core import regions
from fangkong.core.scope import Scope
from fangkong.registry import selectors as registry

from . import services
from .models import ArrivalReport

PER_COMMUNITY = (24, 12)
HIGH_ORIGIN = "420102"  # 湖北省武汉市江岸区: high risk in the demo list
MEDIUM_ORIGINS = ("310115", "440106")  # 上海市浦东新区, 广州市天河区
OTHER_ORIGINS = ("410102", "410105", "411002", "370102", "320102", "610113", "110105")
NEW_NAMES = ("韩雪梅", "邵文涛", "钱立新", "殷晓红", "蒋浩然", "向丽娟", "罗志明", "程一鸣")
TRAVEL = (("train", "G{n}"), ("flight", "CZ{n}"), ("car", "豫A{n}"), ("bus", ""))


def _id_number(rng: random.Random, region: str) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + calc_check_digit(first17 + "0")


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    scope = Scope.system(reason="demo data", code=district)
    if ArrivalReport.objects.within_code(district).exists():
        say("Arrival reports: the district has reports already")
        return
    places = demo_places(district)
    communities = [c for c in (places.get("community"), places.get("town_community")) if c]
    if not communities:
        say("Arrival reports: no demo community")
        return
    rng = random.Random(f"fangkong-demo-arrivals:{seed}")
    today = timezone.localdate()
    total = verified = 0
    with transaction.atomic():
        links = services.links_ensure(scope=scope, community_codes=communities)
        for community, count in zip(communities, PER_COMMUNITY, strict=False):
            everyone = list(
                registry.person_list(
                    scope=Scope.system(reason="demo data", code=community),
                    filters=registry.PersonFilters(status="active"),
                )
                .exclude(id_number=None)
                .select_related("household__compound", "household__building", "household__unit")
                .filter(household__isnull=False)[:400]
            )
            rng.shuffle(everyone)
            # Arrivals are a few of the residents: leave most of them unreported. Newcomers
            # stay with residents, in the community's households.
            people = everyone[: max(1, len(everyone) // 3)]
            households = [p.household for p in everyone]
            for number in range(count):
                origin_code = (
                    HIGH_ORIGIN
                    if number == 0
                    else rng.choice(MEDIUM_ORIGINS)
                    if number % 5 == 1
                    else rng.choice(OTHER_ORIGINS)
                )
                origin = regions.get(origin_code)
                assert origin is not None, origin_code
                resident = people.pop() if people and number % 3 != 2 else None
                household = (
                    resident.household
                    if resident
                    else (rng.choice(households) if households else None)
                )
                mode, pattern = rng.choice(TRAVEL)
                data = services.ReportInput(
                    name=resident.name if resident else rng.choice(NEW_NAMES),
                    id_number=resident.id_number
                    if resident and resident.id_number
                    else _id_number(rng, origin_code),
                    phone=(resident.phone if resident and resident.phone else "")
                    or f"139{rng.randrange(10**7, 10**8)}",
                    origin=origin,
                    arrival_date=today - dt.timedelta(days=rng.randrange(0, 9)),
                    travel_mode=mode,
                    travel_number=pattern.format(n=rng.randrange(100, 9999)) if pattern else "",
                    companions_count=rng.choice((0, 0, 0, 1, 2)),
                    companions="",
                    compound_id=household.compound_id if household else None,
                    compound_name="" if household else "新建小区",
                    building=household.building.name if household and household.building else "",
                    unit=household.unit.name if household and household.unit else "",
                    room=household.name if household else "101",
                    symptoms=("none",) if number % 7 else ("cough",),
                    temperature=None,
                )
                submitted = services.report_submit(link=links[community], data=data)
                if not submitted.created:
                    continue
                report = submitted.report
                reported = timezone.make_aware(
                    dt.datetime.combine(data.arrival_date, dt.time(7, 0))
                ) + dt.timedelta(hours=rng.randrange(1, 20))
                ArrivalReport.objects.filter(pk=report.pk).update(
                    submitted_at=min(reported, timezone.now())
                )
                total += 1
                if number and (number % 3 == 0 or number % 6 == 5):
                    report.refresh_from_db()
                    services.report_verify(
                        scope=scope,
                        report=report,
                        outcome=ArrivalReport.Outcome.CONFIRMED,
                        note="演示数据：上门核实，体温正常，已告知居家健康监测。",
                        register=True,
                        household=household,
                    )
                    verified += 1
    say(f"Arrival reports: {total} in {len(communities)} communities ({verified} verified)")
