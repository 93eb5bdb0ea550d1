"""The field area's part of the demo district (`fangkong demo`, after the campaigns,
sampling and labs demos): printed QR cards for the elderly of the demo community's first
compound, and door-to-door tasks of the open campaign for that compound's first building
(the bedridden and the not yet sampled) given to the door-to-door team, three of them
closed (not at home, refused, and sampled or moved away); then the subdistrict officer's
text to the not yet sampled of that compound, asking them to come to a fixed site (a
batch through the messaging app, sent at once in the demo).

Idempotent: cards go only to people without a valid card, and tasks are made only when
the campaign has none in the demo community yet.
"""

from __future__ import annotations

from collections.abc import Callable

from fangkong.accounts.management.commands.demo_accounts import demo_places, demo_scope
from fangkong.core.scope import Scope
from fangkong.messaging import services as messaging
from fangkong.messaging.models import MessageBatch
from fangkong.registry.models import Building, Compound

from ..models import Campaign, HomeTask, SamplingSite
from . import selectors, services


def load(*, district: str, seed: int, say: Callable[[str], None]) -> None:
    system = Scope.system(reason="demo data", code=district)
    community = demo_places(district).get("community")
    if not community:
        say("Field: no demo community; nothing to do.")
        return
    compound = (
        Compound.objects.within(system)
        .filter(community_code=community, households__members__isnull=False)
        .order_by("pk")
        .first()
    )
    if compound is None:
        say("Field: the demo community has nobody registered; nothing to do.")
        return
    cards = services.cards_issue(scope=system, compound=compound, who="elderly")
    say(f"Field: {len(cards)} QR cards issued for the elderly of {compound.name}.")
    campaign = (
        Campaign.objects.within(system)
        .filter(status=Campaign.Status.OPEN)
        .order_by("-starts_at", "-pk")
        .first()
    )
    team = (
        SamplingSite.objects.within(system)
        .filter(kind=SamplingSite.Kind.DOOR_TO_DOOR, is_active=True)
        .order_by("pk")
        .first()
    )
    if campaign is None or team is None:
        say("Field: no open campaign or no door-to-door team; no door-to-door tasks.")
        return
    if not selectors.campaign_covers(campaign, community):
        say("Field: the open campaign does not cover the demo community.")
        return
    if (
        HomeTask.objects.within(system)
        .within_code(community)
        .filter(campaign=campaign)
        .filter(reason__in=[HomeTask.Reason.EXEMPT, HomeTask.Reason.UNSAMPLED])
        .exists()
    ):
        say("Field: the door-to-door tasks are there already.")
        return
    building = Building.objects.filter(compound=compound).order_by("sort_key", "pk").first()
    made = services.home_tasks_generate(
        scope=system,
        campaign=campaign,
        code=community,
        team=team,
        compound_id=compound.pk,
        building_id=building.pk if building else None,
    )
    actor = Scope(
        actor_id=None,
        actor_name="李秀英",
        code=district,
        perms=system.perms,
        reason="demo data",
        is_system=True,
    )
    tasks = list(
        HomeTask.objects.within(system)
        .filter(campaign=campaign, team=team, status=HomeTask.Status.OPEN)
        .order_by("pk")[:3]
    )
    outcomes = [
        (HomeTask.Status.NOT_HOME, "敲门无人应答，已电话联系，约明早再来"),
        (HomeTask.Status.REFUSED, "本人拒绝采样，已报告社区书记做工作"),
    ]
    for task, (status, note) in zip(tasks, outcomes, strict=False):
        services.home_task_close(scope=actor, task=task, status=status, note=note)
    if len(tasks) == 3:
        last = tasks[2]
        if selectors.has_sample(campaign_id=campaign.pk, person_id=last.person_id):
            services.home_task_close(scope=actor, task=last, status=HomeTask.Status.SAMPLED)
        else:
            services.home_task_close(
                scope=actor, task=last, status=HomeTask.Status.MOVED, note="已搬至外区居住"
            )
    say(
        f"Field: door-to-door tasks for {team.name}: {made.get('exempt', 0)} who cannot come, "
        f"{made.get('unsampled', 0)} not yet sampled, {len(tasks)} closed."
    )
    _texts(campaign=campaign, compound=compound, say=say)


def _texts(*, campaign: Campaign, compound: Compound, say: Callable[[str], None]) -> None:
    officer = demo_scope("subdistrict_officer")
    if officer is None or MessageBatch.objects.filter(audience="testing.unsampled").exists():
        return
    site = (
        SamplingSite.objects.within(officer)
        .filter(kind=SamplingSite.Kind.FIXED, is_active=True)
        .order_by("pk")
        .first()
    )
    if site is None:
        say("Texts: no fixed sampling site; no text to the not yet sampled.")
        return
    params = {"campaign": str(campaign.pk), "compound": str(compound.pk), "site": str(site.pk)}
    batch = messaging.batch_create(
        scope=officer,
        key="testing.unsampled",
        params=params,
        text="【防控】{name}，您本轮尚未采样，请今天{until}前到{site}采样，请携带身份证。",
    )
    batch = messaging.send_batch(batch.pk, sleep=lambda _seconds: None)
    say(
        f"Texts: {batch.sent} of the not yet sampled of {compound.name} asked to come to "
        f"{site.name} ({batch.no_phone} without a phone)."
    )
