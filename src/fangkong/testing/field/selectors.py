"""Every read of the field area, scoped: QR cards and whom to print them for, the
door-to-door lists and their counts per team, a person's samples for the person file,
and (without a staff scope) the resident's own and household's results.

Cards, home tasks, samples and targets carry the person's grid or community code, so
`within(scope)` is the whole rule; a team (a door-to-door `SamplingSite`) carries its
office's code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import code_range_q, get_or_404
from fangkong.registry.models import Building, Compound, Household, Person

from ..models import Campaign, Card, HomeTask, Sample, SamplingSite, Target

# Whom a compound's cards are printed for.
WHO = ("vulnerable", "elderly", "children", "no_phone", "all")
ELDERLY_AGE = 60
CHILD_AGE = 14
# A task closed as one of these is done for good; "not at home" is visited again.
FINAL = (HomeTask.Status.SAMPLED, HomeTask.Status.REFUSED, HomeTask.Status.MOVED)
CLOSED = (*FINAL, HomeTask.Status.NOT_HOME)


def _years_ago(years: int, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def who_q(who: str) -> Q:
    """The people of a compound a sheet of cards is for: the elderly (flag or 60 and
    over), children (flag or under 14), people without a phone, the three together, or
    everybody."""
    elderly = Q(is_elderly=True) | Q(birth_date__lte=_years_ago(ELDERLY_AGE))
    children = Q(is_infant=True) | Q(birth_date__gt=_years_ago(CHILD_AGE))
    no_phone = Q(phone="")
    return {
        "elderly": elderly,
        "children": children,
        "no_phone": no_phone,
        "vulnerable": elderly | children | no_phone,
        "all": Q(),
    }[who]


# --- Places ---------------------------------------------------------------------------------


def compounds(*, scope: Scope) -> QuerySet[Compound]:
    return Compound.objects.within(scope).filter(is_active=True).order_by("community_code", "name")


def compound_get(*, scope: Scope, pk: int) -> Compound:
    return get_or_404(Compound.objects.within(scope), pk=pk)


def buildings(*, scope: Scope, limit: int = 500) -> list[Building]:
    return list(
        Building.objects.within(scope)
        .filter(is_active=True)
        .select_related("compound")
        .order_by("compound__name", "sort_key", "name")[:limit]
    )


def building_get(*, scope: Scope, pk: int) -> Building:
    return get_or_404(Building.objects.within(scope), pk=pk)


def communities(*, scope: Scope) -> list[tuple[str, str]]:
    """(code, name) of the communities and grids of the scope."""
    return list(
        Jurisdiction.objects.within(scope)
        .filter(level__in=("community", "grid"), is_active=True)
        .order_by("code")
        .values_list("code", "name")
    )


def jurisdiction_names(codes: set[str]) -> dict[str, str]:
    """Names of jurisdictions (public facts)."""
    return dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name"))


def place_of(household: Household | None) -> str:
    """3号楼2单元501 (the building, unit and room, without the compound)."""
    if household is None:
        return ""
    parts = []
    if household.building is not None:
        name = household.building.name
        parts.append(name if name.endswith(("号楼", "栋", "幢")) else f"{name}号楼")
    if household.unit is not None:
        name = household.unit.name
        parts.append(name if name.endswith("单元") else f"{name}单元")
    parts.append(household.name)
    return "".join(parts)


# --- Cards ----------------------------------------------------------------------------------


def card_people(*, scope: Scope, compound: Compound, who: str) -> QuerySet[Person]:
    """The active people of a compound a sheet of cards is for, by building and room."""
    return (
        Person.objects.within(scope)
        .filter(household__compound=compound, status=Person.Status.ACTIVE)
        .filter(who_q(who))
        .select_related("household", "household__building", "household__unit")
        .order_by(
            "household__building__sort_key",
            "household__building__name",
            "household__unit__sort_key",
            "household__sort_key",
            "household__name",
            "id",
        )
    )


def cards(
    *, scope: Scope, compound_id: int | None = None, show: str = "valid", query: str = ""
) -> QuerySet[Card]:
    """Issued printed cards of the scope, the newest first; `show` valid, voided or all."""
    scope.require(Perm.TESTING_SAMPLE)
    found = Card.objects.within(scope).filter(kind=Card.Kind.PRINTED)
    if show == "valid":
        found = found.filter(voided_at__isnull=True)
    elif show == "voided":
        found = found.filter(voided_at__isnull=False)
    if compound_id:
        people = Person.objects.filter(household__compound_id=compound_id).values("pk")
        found = found.filter(person_id__in=people)
    if query:
        people = Person.objects.within(scope).filter(name__contains=query).values("pk")
        found = found.filter(person_id__in=people)
    return found.order_by("-issued_at", "-id")


def card_get(*, scope: Scope, pk: int) -> Card:
    return get_or_404(Card.objects.within(scope), pk=pk)


def persons_by_id(ids: set[int]) -> dict[int, Person]:
    """People already reached through a scoped row (a card, a task), with their place."""
    return {
        p.pk: p
        for p in Person.objects.filter(pk__in=ids).select_related(
            "household", "household__building", "household__unit", "household__compound"
        )
    }


def valid_cards(*, scope: Scope, people: list[Person]) -> dict[int, Card]:
    """The valid printed card of each of these people who has one."""
    return {
        c.person_id: c
        for c in Card.objects.within(scope).filter(
            person_id__in=[p.pk for p in people],
            kind=Card.Kind.PRINTED,
            voided_at__isnull=True,
        )
    }


def card_for_token(token: str) -> Card | None:
    """The valid card behind a token (no scope: the token is the proof), or None."""
    return Card.objects.filter(token=token.strip().upper(), voided_at__isnull=True).first()


# --- Campaigns ------------------------------------------------------------------------------


def campaigns(*, scope: Scope, open_only: bool = False) -> list[Campaign]:
    """The campaigns that concern the scope: run by an office above it or within it,
    over jurisdictions that overlap it; the newest first."""
    wanted = [Campaign.Status.OPEN] if open_only else [Campaign.Status.OPEN, Campaign.Status.CLOSED]
    found = []
    for c in Campaign.objects.filter(status__in=wanted).order_by("-starts_at", "-id"):
        if not (scope.covers(c.jurisdiction_code) or scope.code.startswith(c.jurisdiction_code)):
            continue
        if c.overlaps(scope.code):
            found.append(c)
    return found


def campaign_get(*, scope: Scope, pk: int) -> Campaign:
    for c in campaigns(scope=scope):
        if c.pk == pk:
            return c
    from fangkong.core.errors import NotFound

    raise NotFound("Not found.")


def campaign_covers(campaign: Campaign, code: str) -> bool:
    codes = campaign.scope_codes or [campaign.jurisdiction_code]
    return any(code.startswith(c) or c.startswith(code) for c in codes)


# --- Door-to-door ---------------------------------------------------------------------------


def teams(*, scope: Scope) -> QuerySet[SamplingSite]:
    """The door-to-door teams of the scope and of the offices above it that serve it."""
    above = Q(pk__in=[])
    code = scope.code
    for n in (6, 9, 12):
        if len(code) > n:
            above |= Q(jurisdiction_code=code[:n])
    return (
        SamplingSite.objects.filter(code_range_q(scope.code) | above)
        .filter(kind=SamplingSite.Kind.DOOR_TO_DOOR, is_active=True)
        .order_by("jurisdiction_code", "name")
    )


def team_get(*, scope: Scope, pk: int) -> SamplingSite:
    return get_or_404(teams(scope=scope), pk=pk)


def team_for(*, code: str) -> SamplingSite | None:
    """The newest active door-to-door team of the person's community (or of an office
    above it), for tasks made without a team."""
    community = code[:12]
    near = Q(jurisdiction_code__startswith=community)
    for n in (6, 9):
        near |= Q(jurisdiction_code=community[:n])
    return (
        SamplingSite.objects.filter(near, kind=SamplingSite.Kind.DOOR_TO_DOOR, is_active=True)
        .order_by("-jurisdiction_code", "-pk")
        .first()
    )


def home_tasks(
    *,
    scope: Scope,
    campaign: Campaign,
    team_id: int | None = None,
    unassigned: bool = False,
    code: str = "",
    show: str = "open",
) -> QuerySet[HomeTask]:
    """A campaign's door-to-door tasks in the scope; retests first, then by place."""
    scope.require(Perm.TESTING_VIEW)
    found = HomeTask.objects.within(scope).filter(campaign=campaign)
    if team_id:
        found = found.filter(team_id=team_id)
    elif unassigned:
        found = found.filter(team__isnull=True)
    if code:
        found = found.within_code(code)
    if show == "open":
        found = found.filter(status=HomeTask.Status.OPEN)
    elif show == "closed":
        found = found.exclude(status=HomeTask.Status.OPEN)
    retest_first = Case(When(reason=HomeTask.Reason.RETEST, then=Value(0)), default=Value(1))
    return found.select_related("team", "source_tube").order_by(
        retest_first, "jurisdiction_code", "person_id", "id"
    )


def home_task_get(*, scope: Scope, pk: int) -> HomeTask:
    return get_or_404(
        HomeTask.objects.within(scope).select_related("campaign", "team", "source_tube"), pk=pk
    )


@dataclass
class TeamCount:
    team_id: int | None
    name: str
    todo: int
    done: int


def team_counts(*, scope: Scope, campaign: Campaign) -> list[TeamCount]:
    """To do / done per team of a campaign's tasks in the scope (one grouped query);
    tasks without a team are counted as such."""
    rows = (
        HomeTask.objects.within(scope)
        .filter(campaign=campaign)
        .values("team_id", "team__name")
        .annotate(
            todo=Count("id", filter=Q(status=HomeTask.Status.OPEN)),
            done=Count("id", filter=~Q(status=HomeTask.Status.OPEN)),
        )
        .order_by("team__name", "team_id")
    )
    return [TeamCount(r["team_id"], r["team__name"] or "", r["todo"], r["done"]) for r in rows]


def generate_candidates(
    *,
    scope: Scope,
    campaign: Campaign,
    code: str,
    compound_id: int | None,
    building_id: int | None,
    reason: str,
) -> list[tuple[int, str]]:
    """The targets that need a task of `reason` and have none: bedridden (exempt) or
    not yet sampled; neither one already sampled, nor one with an open task of the
    reason, nor one whose task of the reason was closed for good."""
    found = (
        Target.objects.within(scope)
        .within_code(code)
        .filter(campaign=campaign, sampled_at__isnull=True, outside=False)
    )
    if compound_id:
        found = found.filter(compound_id=compound_id)
    if building_id:
        found = found.filter(building_id=building_id)
    if reason == HomeTask.Reason.EXEMPT:
        from ..models import DOOR_TO_DOOR_EXEMPTIONS

        found = found.filter(exemption__in=[e.value for e in DOOR_TO_DOOR_EXEMPTIONS])
    else:
        found = found.filter(exemption="")
    tasks = HomeTask.objects.filter(campaign=campaign, person_id=OuterRef("person_id"))
    blocking = tasks.filter(
        Q(reason=reason, status__in=[HomeTask.Status.OPEN, *FINAL])
        | Q(status=HomeTask.Status.OPEN)  # one open task a person is enough
    )
    return list(
        found.filter(~Exists(blocking))
        .order_by("jurisdiction_code", "building_id", "household_id", "person_id")
        .values_list("person_id", "jurisdiction_code")
    )


def has_sample(*, campaign_id: int, person_id: int, since: dt.datetime | None = None) -> bool:
    """Whether the person has a sample in the campaign (stored after `since`)."""
    found = Sample.objects.filter(campaign_id=campaign_id, person_id=person_id)
    if since is not None:
        found = found.filter(stored_at__gte=since)
    return found.exists()


def latest_samples(*, campaign_id: int, person_ids: list[int]) -> dict[int, Sample]:
    found: dict[int, Sample] = {}
    for s in (
        Sample.objects.filter(campaign_id=campaign_id, person_id__in=person_ids)
        .select_related("tube")
        .order_by("scanned_at", "id")
    ):
        found[s.person_id] = s
    return found


# --- The person file ------------------------------------------------------------------------


def person_samples(*, scope: Scope, person: Person) -> QuerySet[Sample]:
    if not scope.has(Perm.TESTING_VIEW):
        return Sample.objects.none()
    return (
        Sample.objects.within(scope)
        .filter(person_id=person.pk)
        .select_related("campaign", "tube", "site")
        .order_by("-scanned_at", "-id")[:200]
    )


def person_cards(*, scope: Scope, person: Person) -> QuerySet[Card]:
    if not scope.has(Perm.TESTING_VIEW):
        return Card.objects.none()
    return Card.objects.within(scope).filter(person_id=person.pk).order_by("-issued_at")[:50]


# --- The resident (no staff scope: the resident's session proved who they are) -------------


def resident_household(*, person: Person) -> list[Person]:
    """The signed-in person first, then the active members of their registry household;
    nobody else."""
    if person.household_id is None:
        return [person]
    others = Person.objects.filter(
        household_id=person.household_id, status=Person.Status.ACTIVE
    ).exclude(pk=person.pk)
    return [person, *others.order_by("id")]


def open_campaign_covers(*, code: str) -> bool:
    """Whether a campaign open for sampling covers this person's jurisdiction."""
    return any(
        campaign_covers(c, code) for c in Campaign.objects.filter(status=Campaign.Status.OPEN)
    )


def resident_card(*, person: Person) -> Card | None:
    return Card.objects.filter(
        person_id=person.pk, kind=Card.Kind.RESIDENT, voided_at__isnull=True
    ).first()


def resident_targets(*, person_ids: list[int], campaigns_max: int = 3) -> list[Target]:
    """The people's rows in the latest campaigns they were part of (targets, or sampled
    from outside the population), the newest campaign first."""
    campaign_ids = list(
        Target.objects.filter(person_id__in=person_ids)
        .values_list("campaign_id", flat=True)
        .distinct()
        .order_by("-campaign_id")[:campaigns_max]
    )
    return list(
        Target.objects.filter(person_id__in=person_ids, campaign_id__in=campaign_ids)
        .select_related("campaign")
        .order_by("-campaign__starts_at", "-campaign_id", "person_id")
    )
