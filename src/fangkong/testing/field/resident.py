"""The resident's status page (/me/): their own testing code (a `Card` of kind resident,
issued the first time the page shows it) and, per recent campaign, the latest sample
and result of the resident and of the members of their registry household.

Nobody outside the household is read; names are masked as on the rest of the resident's
pages (张*明). A member of a positive or suspicious pool reads "please wait for the
retest notice", never "positive": the community calls them first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import segno
from django.utils.translation import gettext as _

from fangkong.core.masking import mask_name
from fangkong.registry.models import Person

from ..models import ALARMING, DOOR_TO_DOOR_EXEMPTIONS, Result, Target
from . import selectors, services


@dataclass
class MemberResult:
    name: str
    is_self: bool
    sampled_at: Any
    label: str
    tone: str  # a Bootstrap colour: success, warning, secondary, info
    code: str  # stable, for tests and styling: pending, negative, wait, invalid, unsampled


@dataclass
class CampaignResults:
    name: str
    members: list[MemberResult] = field(default_factory=list)


def member_status(target: Target, sampled: bool) -> tuple[str, str, str]:
    """(code, label, tone) of one person's row in a campaign."""
    if target.locked or target.result in ALARMING:
        return "wait", _("Please wait for the retest notice"), "warning"
    if target.result == Result.NEGATIVE:
        return "negative", _("Negative"), "success"
    if target.result == Result.INVALID:
        return "invalid", _("Invalid sample: please be sampled again"), "warning"
    if sampled:
        return "pending", _("Result pending"), "info"
    if target.exemption in DOOR_TO_DOOR_EXEMPTIONS:
        return "unsampled", _("Not sampled yet: sampled at home"), "secondary"
    if target.exemption:
        return "exempt", target.get_exemption_display(), "secondary"
    return "unsampled", _("Not sampled yet"), "secondary"


def section_context(person: Person) -> dict[str, Any] | None:
    """None (no section) until a campaign is open over the person's home or the
    household has been in one: the code is for sampling, and a page without measures
    says so."""
    people = selectors.resident_household(person=person)
    ids = [p.pk for p in people]
    names = {p.pk: p.name for p in people}
    targets = selectors.resident_targets(person_ids=ids)
    if not targets and not selectors.open_campaign_covers(code=person.jurisdiction_code):
        return None
    card = services.resident_card_ensure(person=person)
    rounds: dict[int, CampaignResults] = {}
    latest: dict[int, dict[int, Any]] = {}
    place = {pk: i for i, pk in enumerate(ids)}  # the person first, then the household
    targets = sorted(
        targets,
        key=lambda t: (-t.campaign.starts_at.timestamp(), -t.campaign_id, place[t.person_id]),
    )
    for target in targets:
        if target.campaign_id not in rounds:
            rounds[target.campaign_id] = CampaignResults(name=target.campaign.name)
            latest[target.campaign_id] = selectors.latest_samples(
                campaign_id=target.campaign_id, person_ids=ids
            )
        sample = latest[target.campaign_id].get(target.person_id)
        sampled_at = sample.scanned_at if sample else target.sampled_at
        code, label, tone = member_status(target, sampled_at is not None)
        rounds[target.campaign_id].members.append(
            MemberResult(
                name=mask_name(names.get(target.person_id, "")),
                is_self=target.person_id == person.pk,
                sampled_at=sampled_at,
                label=label,
                tone=tone,
                code=code,
            )
        )
    return {
        "token": card.token,
        "qr_svg": segno.make(card.token, error="m").svg_inline(scale=6, border=2),
        "self_name": mask_name(person.name),
        "rounds": list(rounds.values()),
    }
