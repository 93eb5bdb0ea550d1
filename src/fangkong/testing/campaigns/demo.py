"""The campaigns area's part of the demo district (`fangkong demo`): a round over the
whole district ("上街区第N轮全员核酸检测") opened yesterday morning, through the service
(its target population materialised by the service's job, run at once), and two residents of the
demo community exempted by hand (away with proof, vaccinated). Idempotent: a round of
that name in the district means the demo is there already."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.utils import timezone

from fangkong.accounts.management.commands.demo_accounts import demo_places
from fangkong.core.models import Jurisdiction
from fangkong.core.scope import Scope

from ..models import Campaign, Exemption, Target
from ..rules import default_rules
from . import services

NAME_RE = r"^{district}第\d+轮全员核酸检测$"


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    node = Jurisdiction.objects.filter(code=district).first()
    district_name = node.name if node else "上街区"
    pattern = re.compile(NAME_RE.format(district=re.escape(district_name)))
    rounds = list(Campaign.objects.within(system).values_list("name", flat=True))
    if any(pattern.match(name) for name in rounds):
        say("Testing campaigns: the demo round is there already.")
        return
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    # Opened yesterday at seven: the round of the demo's fourteen days of history, in its
    # second day (the daily reports of yesterday and today show it).
    opened = (now - dt.timedelta(days=1)).replace(hour=7)
    rules = default_rules()
    rules["exemptions"]["vaccinated_hours"] = 48
    campaign = services.campaign_create(
        scope=system,
        name=f"{district_name}第{len(rounds) + 1}轮全员核酸检测",
        scope_codes=[],
        starts_at=opened,
        ends_at=now + dt.timedelta(hours=9),
        rules=rules,
        note="按区指挥部通知：应检尽检、不漏一人；封控区单管单采，管控区10混1。",
    )
    _open_now(system, campaign)
    campaign.refresh_from_db()
    say(
        f"Testing campaigns: {campaign.name} open, {campaign.target_count} to sample, "
        f"{campaign.exempt_count} exempt."
    )
    community = demo_places(district).get("community", district)
    people = list(
        Target.objects.within(system)
        .filter(campaign=campaign, exemption="", sampled_at__isnull=True)
        .filter(jurisdiction_code__startswith=community)
        .order_by("person_id")
        .values_list("person_id", flat=True)[:2]
    )
    notes = (
        (Exemption.AWAY, "在郑州市区工作，已提供单位证明"),
        (Exemption.VACCINATED, "今日上午接种加强针，已核验接种记录"),
    )
    for person_id, (exemption, note) in zip(people, notes, strict=False):
        services.exemption_set(
            scope=system, campaign=campaign, person_id=person_id, exemption=exemption, note=note
        )


def _open_now(scope: Scope, campaign: Campaign) -> None:
    """Open through the service with its background job run at once (huey in immediate
    mode for that moment): the demo needs the round open before the sites scan into it,
    and a job left in the queue would materialise the population a second time."""
    from huey.contrib.djhuey import HUEY

    was = HUEY.immediate
    HUEY.immediate = True
    try:
        services.campaign_open(scope=scope, campaign=campaign)
    finally:
        HUEY.immediate = was
