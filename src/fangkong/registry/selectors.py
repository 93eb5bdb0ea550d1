"""Reads of the registry: every one starts from `objects.within(scope)`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from fangkong.core.codes import Level
from fangkong.core.identifiers import IdentifierError, normalize_phone
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope
from fangkong.core.scoping import get_or_404
from fangkong.core.search import is_pinyin_query

from .models import Building, Compound, Household, Person, Residence, Unit

_PHONEISH = re.compile(r"^\+?[\d\-()（）]+$")
_LAST4 = re.compile(r"^\d{3}[\dXx]$")
_ID = re.compile(r"^\d{17}[\dXx]$")
# The shortest address fragment searched: the trigram index on addresses can find three
# characters; a shorter fragment would make every search read every address.
ADDRESS_MIN_LENGTH = 3

VULNERABILITY_FILTERS = {
    "elderly": "is_elderly",
    "frail": "is_frail",
    "ill": "is_chronically_ill",
    "disabled": "is_disabled",
    "pregnant": "is_pregnant",
    "infant": "is_infant",
    "alone": "lives_alone",
}


@dataclass(frozen=True)
class PersonFilters:
    """What a person list can be narrowed by; also written into exports."""

    query: str = ""
    jurisdiction: str = ""
    compound_id: int | None = None
    vulnerability: str = ""
    needs_verification: bool = False
    status: str = "active"
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        parts = []
        if self.query:
            parts.append(_("search: %(q)s") % {"q": self.query})
        if self.jurisdiction:
            parts.append(_("jurisdiction: %(code)s") % {"code": self.jurisdiction})
        if self.compound_id:
            parts.append(_("compound #%(id)s") % {"id": self.compound_id})
        if self.vulnerability:
            field_name = VULNERABILITY_FILTERS.get(self.vulnerability)
            group = (
                getattr(Person._meta.get_field(field_name), "verbose_name", field_name)
                if field_name
                else self.vulnerability
            )
            parts.append(_("group: %(g)s") % {"g": group})
        if self.needs_verification:
            parts.append(_("to be verified"))
        if self.status:
            status = dict(Person.Status.choices).get(self.status, self.status)
            parts.append(_("status: %(s)s") % {"s": status})
        return "; ".join(parts) or _("none")


def _search_text(query: str) -> str:
    return query.strip().replace(" ", "")


def _search_kind(text: str) -> str:
    """What a search box query looks like; `text` is already stripped of spaces."""
    if is_pinyin_query(text):
        return "pinyin"
    if _LAST4.match(text):
        return "last4"
    if _ID.match(text):
        return "id_number"
    if _PHONEISH.match(text) and sum(ch.isdigit() for ch in text) >= 7:
        return "phone"
    if len(text) == 1:
        return "surname"
    return "name" if len(text) < ADDRESS_MIN_LENGTH else "name_or_address"


def search_q(query: str) -> Q:
    """How a search box query becomes a condition, by what it looks like.

    "zs" -> initials or pinyin prefix; 4 digits -> last four of the identity number;
    a full identity number -> exact; a phone -> exact; Chinese -> name prefix or, from
    three characters on, address contains (one or two characters are a surname or a
    name: 张, 李琪).
    """
    text = _search_text(query)
    if not text:
        return Q()
    kind = _search_kind(text)
    if kind == "pinyin":
        low = text.lower()
        return Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low)
    if kind == "last4":
        return Q(id_last4=text.upper())
    if kind == "id_number":
        return Q(id_number=text.upper())
    if kind == "phone":
        try:
            return Q(phone=normalize_phone(text))
        except IdentifierError:
            return Q(phone__startswith=re.sub(r"\D", "", text))
    if kind in ("surname", "name"):
        return Q(name__startswith=text)
    return Q(name__startswith=text) | Q(address__contains=text)


def person_list(*, scope: Scope, filters: PersonFilters | None = None) -> QuerySet[Person]:
    scope.require(Perm.PERSON_VIEW)
    f = filters or PersonFilters()
    people = Person.objects.within(scope)
    if f.jurisdiction:
        people = people.within_code(f.jurisdiction)
    if f.query:
        people = people.filter(search_q(f.query))
    if f.compound_id:
        people = people.filter(household__compound_id=f.compound_id)
    if f.vulnerability in VULNERABILITY_FILTERS:
        people = people.filter(**{VULNERABILITY_FILTERS[f.vulnerability]: True})
    if f.needs_verification:
        people = people.filter(needs_verification=True)
    if f.status:
        people = people.filter(status=f.status)
    text = _search_text(f.query)
    if text and _search_kind(text) in ("name", "name_or_address"):
        # Asked for the first thirty "by id", PostgreSQL may walk the primary key and
        # test every row until thirty match: quick when matches are many and spread
        # evenly (a surname, "zh"), ruinous when they are few or bunched. The people of
        # one place were registered together, so an address fragment's matches sit side
        # by side, for a village of the last town at the far end of the table (冯沟村:
        # 1.7 million rows read, 2.5 s at 2,000,000 people). And the guess for a name
        # prefix depends on the rows ANALYZE happened to sample (19,411 people for 金军
        # after one ANALYZE, 192 after the next; 13 have it): guessed high, a name with
        # fewer than thirty matches read every row in the table (2.2 s). Ordered by an
        # expression that no index provides, the matches are collected through the name
        # and trigram indexes and sorted instead: a cost bounded by the matches (a
        # name's hundreds, a village's 20,000: 70 ms). Same order.
        return people.order_by(F("id") + 0)
    return people.order_by("id")


def person_get(*, scope: Scope, pk: int) -> Person:
    scope.require(Perm.PERSON_VIEW)
    return get_or_404(
        Person.objects.within(scope).select_related(
            "household", "household__compound", "household__building", "household__unit"
        ),
        pk=pk,
    )


def housemates(*, scope: Scope, person: Person) -> QuerySet[Person]:
    if person.household_id is None:
        return Person.objects.none()
    return (
        Person.objects.within(scope)
        .filter(household_id=person.household_id, status=Person.Status.ACTIVE)
        .exclude(pk=person.pk)
        .order_by("id")
    )


def residence_history(*, scope: Scope, person: Person) -> QuerySet[Residence]:
    # The history travels with the person: whoever may see the person sees it all.
    return Residence.objects.filter(person=person).order_by("-started_at")


# --- The jurisdiction tree and places ----------------------------------------------


def jurisdiction_get(*, scope: Scope, code: str) -> Jurisdiction:
    scope.require(Perm.PLACE_VIEW)
    return get_or_404(Jurisdiction.objects.within(scope), code=code)


def jurisdiction_root(*, scope: Scope) -> Jurisdiction:
    scope.require(Perm.PLACE_VIEW)
    root = Jurisdiction.objects.within(scope).order_by("code").first()
    if root is None:
        return get_or_404(Jurisdiction.objects.none(), code=scope.code)
    return root


def jurisdiction_ancestors(*, scope: Scope, node: Jurisdiction) -> list[Jurisdiction]:
    """The breadcrumb from the top of the scope down to node (names only above scope)."""
    chain: list[Jurisdiction] = []
    current: Jurisdiction | None = node
    while current is not None and current.code.startswith(scope.code):
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def jurisdiction_children(
    *, scope: Scope, node: Jurisdiction, include_retired: bool = False
) -> list[Jurisdiction]:
    children = Jurisdiction.objects.within(scope).filter(parent=node)
    if not include_retired:
        children = children.filter(is_active=True)
    return list(children.order_by("code"))


@dataclass
class Counts:
    compounds: int = 0
    buildings: int = 0
    households: int = 0
    persons: int = 0


def counts_by_child(
    *, scope: Scope, node: Jurisdiction, children: list[Jurisdiction]
) -> tuple[dict[str, Counts], Counts]:
    """Counts of places and people under each child of node, and under node itself.

    One grouped query per table, grouped by the full jurisdiction code (a few thousand
    groups, read from the partial indexes on active rows without touching the table) and
    folded into the children's prefixes here: grouping by a computed prefix reads every
    row (2.4 s for two million people).
    """
    scope.require(Perm.PLACE_VIEW)
    result: dict[str, Counts] = {c.code: Counts() for c in children}
    total = Counts()
    if node.level == Level.GRID:
        width = 15
    else:
        width = len(children[0].code) if children else len(node.code)
    specs: list[tuple[str, Any]] = [
        ("compounds", Compound.objects.within(scope).within_code(node.code).filter(is_active=True)),
        ("buildings", Building.objects.within(scope).within_code(node.code).filter(is_active=True)),
        (
            "households",
            Household.objects.within(scope).within_code(node.code).filter(is_active=True),
        ),
        (
            "persons",
            Person.objects.within(scope).within_code(node.code).filter(status=Person.Status.ACTIVE),
        ),
    ]
    for attr, qs in specs:
        rows = qs.values_list("jurisdiction_code").annotate(n=Count("*")).order_by()
        for code, n in rows:
            setattr(total, attr, getattr(total, attr) + n)
            counts = result.get(code[:width])
            if counts is not None:
                setattr(counts, attr, getattr(counts, attr) + n)
    return result, total


def population_by_code(*, scope: Scope, code: str) -> dict[str, dict[str, int]]:
    """Active households and active people per stored jurisdiction code under `code`, for
    the daily report (grouped by the code itself: an index-only read, see
    counts_by_child)."""
    scope.require(Perm.PLACE_VIEW)
    result: dict[str, dict[str, int]] = {}
    specs: list[tuple[str, Any]] = [
        ("population.households", Household.objects.within(scope).filter(is_active=True)),
        ("population.persons", Person.objects.within(scope).filter(status=Person.Status.ACTIVE)),
    ]
    for key, qs in specs:
        rows = (
            qs.within_code(code).values_list("jurisdiction_code").annotate(n=Count("*")).order_by()
        )
        for found, n in rows:
            result.setdefault(found, {})[key] = n
    return result


def compounds_in(*, scope: Scope) -> QuerySet[Compound]:
    """The active compounds of the scope, by community and name (to choose one)."""
    scope.require(Perm.PLACE_VIEW)
    return Compound.objects.within(scope).filter(is_active=True).order_by("community_code", "name")


def compounds_of(*, scope: Scope, community_code: str) -> QuerySet[Compound]:
    scope.require(Perm.PLACE_VIEW)
    return (
        Compound.objects.within(scope)
        .filter(community_code=community_code)
        .annotate(
            n_buildings=Count("buildings", distinct=True),
            n_households=Count("households", distinct=True),
        )
        .order_by("-is_active", "name")
    )


def compound_get(*, scope: Scope, pk: int) -> Compound:
    scope.require(Perm.PLACE_VIEW)
    return get_or_404(Compound.objects.within(scope), pk=pk)


def building_get(*, scope: Scope, pk: int) -> Building:
    scope.require(Perm.PLACE_VIEW)
    return get_or_404(Building.objects.within(scope).select_related("compound"), pk=pk)


def unit_get(*, scope: Scope, pk: int) -> Unit:
    scope.require(Perm.PLACE_VIEW)
    return get_or_404(Unit.objects.within(scope).select_related("building__compound"), pk=pk)


def household_get(*, scope: Scope, pk: int) -> Household:
    scope.require(Perm.PLACE_VIEW)
    return get_or_404(
        Household.objects.within(scope).select_related("compound", "building", "unit"), pk=pk
    )


def buildings_of(*, scope: Scope, compound: Compound) -> QuerySet[Building]:
    return (
        Building.objects.within(scope)
        .filter(compound=compound)
        .annotate(
            n_households=Count("households", distinct=True),
            n_persons=Count(
                "households__members", filter=Q(households__members__status=Person.Status.ACTIVE)
            ),
        )
        .order_by("-is_active", "sort_key", "name")
    )


def units_of(*, scope: Scope, building: Building) -> QuerySet[Unit]:
    return (
        Unit.objects.within(scope)
        .filter(building=building)
        .annotate(
            n_households=Count("households", distinct=True),
            n_persons=Count(
                "households__members", filter=Q(households__members__status=Person.Status.ACTIVE)
            ),
        )
        .order_by("-is_active", "sort_key", "name")
    )


def households_of(*, scope: Scope, **parent: Any) -> QuerySet[Household]:
    return (
        Household.objects.within(scope)
        .filter(**parent)
        .annotate(n_persons=Count("members", filter=Q(members__status=Person.Status.ACTIVE)))
        .order_by("sort_key", "name")
    )


def members_of(*, scope: Scope, household: Household) -> QuerySet[Person]:
    return (
        Person.objects.within(scope)
        .filter(household=household, status=Person.Status.ACTIVE)
        .order_by("id")
    )


def communities_in(*, scope: Scope, under: str = "") -> QuerySet[Jurisdiction]:
    qs = Jurisdiction.objects.within(scope).filter(level=Level.COMMUNITY, is_active=True)
    if under:
        qs = qs.within_code(under)
    return qs.order_by("code")


def community_names(*, scope: Scope) -> dict[str, str]:
    """Names of the communities in or above the scope.

    Names of jurisdictions are public facts, so a grid worker may read the name of
    the community above the grid.
    """
    prefix = scope.code[:12]
    return dict(
        Jurisdiction.objects.within_code(prefix)
        .filter(level=Level.COMMUNITY)
        .values_list("code", "name")
    )
