"""Mass testing's audience for texts to residents: the not yet sampled of a compound in
an open round ("please come for sampling today at …"), read from the same unsampled list
as the 敲门行动 page (testing.campaigns.selectors.people)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import Scope
from fangkong.messaging.audiences import Audience, Param, Recipient, register
from fangkong.registry import selectors as registry
from fangkong.registry.models import Person

from .campaigns import selectors as campaigns
from .models import Campaign
from .sampling import selectors as sampling


def _campaigns(scope: Scope) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in campaigns.campaigns(scope=scope, status="open")]


def _compounds(scope: Scope) -> list[tuple[str, str]]:
    return [(str(c.pk), c.name) for c in registry.compounds_in(scope=scope)]


def _sites(scope: Scope) -> list[tuple[str, str]]:
    return [(str(s.pk), s.name) for s in sampling.sites(scope=scope)]


def _campaign(scope: Scope, params: dict[str, str]) -> Campaign:
    return campaigns.campaign_get(scope=scope, pk=int(params["campaign"]))


def people(scope: Scope, params: dict[str, str]) -> Iterator[Recipient]:
    campaign = _campaign(scope, params)
    site = sampling.site_get(scope=scope, pk=int(params["site"]))
    until = timezone.localtime(campaign.ends_at).strftime("%H:%M")
    where = f"{site.name}（{site.address}）" if site.address else site.name
    found = campaigns.people(
        scope=scope,
        campaign=campaign,
        filters=campaigns.PeopleFilters(compound=int(params["compound"])),
    )
    for target in found.order_by("person_id").iterator(chunk_size=2000):
        person: Person = target.person  # type: ignore[assignment]
        yield Recipient(
            person_id=person.pk,
            name=person.name,
            phone=person.phone,
            jurisdiction_code=target.jurisdiction_code,
            fill={"site": where, "until": until},
        )


def code_of(scope: Scope, params: dict[str, str]) -> str:
    compound = registry.compound_get(scope=scope, pk=int(params["compound"]))
    return compound.jurisdiction_code


register(
    Audience(
        key="testing.unsampled",
        label=_("Not yet sampled in a round, in a compound"),
        params=(
            Param("campaign", _("Round"), _campaigns),
            Param("compound", _("Compound"), _compounds),
            Param("site", _("Sampling site"), _sites),
        ),
        template=_(
            "[Fangkong] {name}, you have not been sampled in this round yet: please come "
            "to {site} today before {until}, with your identity card."
        ),
        fill_ins=("site", "until"),
        people=people,
        code_of=code_of,
        order=10,
    )
)
