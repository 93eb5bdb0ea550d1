"""Writes on the registry: one function per action, atomic, permission-checked, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.codes import Level, community_of, level_of
from fangkong.core.errors import ApplicationError, FieldError, NotFound
from fangkong.core.identifiers import IdentifierError, normalize_phone, parse_resident_id
from fangkong.core.models import Jurisdiction
from fangkong.core.permissions import Perm
from fangkong.core.scope import Scope

from .derive import (
    age_flags,
    canonical_building,
    canonical_room,
    canonical_unit,
    household_address,
    person_search_fields,
)
from .models import Building, Compound, Household, Person, Residence, Unit

REVEALABLE_FIELDS = {"id_number", "phone"}


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, errors=[FieldError(field, "invalid", message)])


def _jurisdiction_in_scope(scope: Scope, code: str) -> Jurisdiction:
    node = Jurisdiction.objects.within(scope).filter(code=code).first()
    if node is None:
        raise NotFound(_("Jurisdiction not found."))
    return node


# --- Jurisdictions: grids under communities ------------------------------------------


@transaction.atomic
def grid_create(*, scope: Scope, community_code: str, name: str) -> Jurisdiction:
    scope.require(Perm.PLACE_MANAGE, at=community_code)
    community = _jurisdiction_in_scope(scope, community_code)
    if community.level != Level.COMMUNITY:
        raise _invalid("community", _("Grids are created under a community."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    used = set(Jurisdiction.objects.filter(parent=community).values_list("code", flat=True))
    number = next(n for n in range(1, 1000) if f"{community.code}{n:03d}" not in used)
    code = f"{community.code}{number:03d}"
    grid = Jurisdiction.objects.create(
        code=code,
        jurisdiction_code=code,
        parent=community,
        level=Level.GRID,
        kind=Jurisdiction.Kind.GRID,
        name=name,
        official_name=name,
    )
    audit.record(scope, "registry.grid.created", grid, data={"name": name})
    return grid


@transaction.atomic
def jurisdiction_rename(*, scope: Scope, code: str, name: str) -> Jurisdiction:
    scope.require(Perm.PLACE_MANAGE, at=code)
    node = _jurisdiction_in_scope(scope, code)
    if node.code == scope.code and not scope.is_system:
        raise ApplicationError(_("Your own jurisdiction is renamed by the level above."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    old = node.name
    node.name = name
    node.save(update_fields=["name", "updated_at"])
    audit.record(scope, "registry.jurisdiction.renamed", node, data={"from": old, "to": name})
    return node


@transaction.atomic
def jurisdiction_set_active(*, scope: Scope, code: str, active: bool) -> Jurisdiction:
    """Retire (or restore) a grid; a grid with places or people cannot be retired."""
    scope.require(Perm.PLACE_MANAGE, at=code)
    node = _jurisdiction_in_scope(scope, code)
    if node.level != Level.GRID:
        raise ApplicationError(
            _("Subdistricts, towns, communities and villages follow the official division codes.")
        )
    if not active and (
        Compound.objects.within_code(code).filter(is_active=True).exists()
        or Person.objects.within_code(code).filter(status=Person.Status.ACTIVE).exists()
    ):
        raise ApplicationError(_("Move its compounds and people to another grid first."))
    node.is_active = active
    node.save(update_fields=["is_active", "updated_at"])
    audit.record(scope, "registry.grid.retired" if not active else "registry.grid.restored", node)
    return node


# --- Places ------------------------------------------------------------------------


@transaction.atomic
def compound_create(
    *,
    scope: Scope,
    jurisdiction_code: str,
    name: str,
    kind: str = Compound.Kind.COMPOUND,
    address: str = "",
) -> Compound:
    scope.require(Perm.PLACE_MANAGE, at=jurisdiction_code)
    node = _jurisdiction_in_scope(scope, jurisdiction_code)
    if node.level not in (Level.COMMUNITY, Level.GRID):
        raise _invalid("jurisdiction", _("A compound belongs to a community or a grid."))
    name = name.strip()
    if not name:
        raise _invalid("name", _("A name is required."))
    community_code = community_of(node.code)
    if Compound.objects.filter(community_code=community_code, name=name).exists():
        raise _invalid("name", _("This community already has a compound of that name."))
    compound = Compound.objects.create(
        jurisdiction_code=node.code,
        community_code=community_code,
        name=name,
        kind=kind,
        address=address,
    )
    audit.record(scope, "registry.compound.created", compound, data={"name": name})
    return compound


@transaction.atomic
def building_create(*, scope: Scope, compound: Compound, name: str) -> Building:
    scope.require(Perm.PLACE_MANAGE, at=compound.jurisdiction_code)
    name = canonical_building(name)
    if not name:
        raise _invalid("name", _("A name is required."))
    if Building.objects.filter(compound=compound, name=name).exists():
        raise _invalid("name", _("This compound already has a building of that name."))
    building = Building.objects.create(
        compound=compound,
        name=name,
        jurisdiction_code=compound.jurisdiction_code,
        community_code=compound.community_code,
        sort_key=_sort_key(name),
    )
    audit.record(scope, "registry.building.created", building, data={"name": name})
    return building


@transaction.atomic
def unit_create(*, scope: Scope, building: Building, name: str) -> Unit:
    scope.require(Perm.PLACE_MANAGE, at=building.jurisdiction_code)
    name = canonical_unit(name)
    if not name:
        raise _invalid("name", _("A name is required."))
    if Unit.objects.filter(building=building, name=name).exists():
        raise _invalid("name", _("This building already has a unit of that name."))
    unit = Unit.objects.create(
        building=building,
        name=name,
        jurisdiction_code=building.jurisdiction_code,
        community_code=building.community_code,
        sort_key=_sort_key(name),
    )
    audit.record(scope, "registry.unit.created", unit, data={"name": name})
    return unit


@transaction.atomic
def household_create(
    *,
    scope: Scope,
    compound: Compound,
    room: str,
    building: Building | None = None,
    unit: Unit | None = None,
) -> Household:
    parent: Compound | Building | Unit = unit or building or compound
    scope.require(Perm.PLACE_MANAGE, at=parent.jurisdiction_code)
    if unit is not None and (building is None or unit.building_id != building.pk):
        raise _invalid("unit", _("The unit is not in this building."))
    if building is not None and building.compound_id != compound.pk:
        raise _invalid("building", _("The building is not in this compound."))
    room = canonical_room(room)
    if not room:
        raise _invalid("room", _("A room number is required."))
    if Household.objects.filter(
        compound=compound, building=building, unit=unit, name=room
    ).exists():
        raise _invalid("room", _("This household already exists."))
    household = Household.objects.create(
        compound=compound,
        building=building,
        unit=unit,
        name=room,
        jurisdiction_code=parent.jurisdiction_code,
        community_code=compound.community_code,
        address=household_address(
            compound.name, building.name if building else None, unit.name if unit else None, room
        ),
        sort_key=_sort_key(room),
    )
    audit.record(scope, "registry.household.created", household, data={"room": room})
    return household


def _sort_key(name: str) -> int:
    digits = "".join(ch for ch in name if ch.isdigit())
    return int(digits[:9]) if digits else 0


PLACE_MODELS: dict[str, type[Compound | Building | Unit | Household]] = {
    "compound": Compound,
    "building": Building,
    "unit": Unit,
    "household": Household,
}


def _descendant_filters(place: Model) -> list[tuple[type[Model], dict[str, Any]]]:
    """Every table below a place, with the filter that finds its rows."""
    if isinstance(place, Compound):
        return [
            (Building, {"compound": place}),
            (Unit, {"building__compound": place}),
            (Household, {"compound": place}),
            (Person, {"household__compound": place}),
        ]
    if isinstance(place, Building):
        return [
            (Unit, {"building": place}),
            (Household, {"building": place}),
            (Person, {"household__building": place}),
        ]
    if isinstance(place, Unit):
        return [(Household, {"unit": place}), (Person, {"household__unit": place})]
    if isinstance(place, Household):
        return [(Person, {"household": place})]
    raise TypeError(place)


def _refresh_addresses(compound: Compound) -> None:
    """Rewrite the written address of every household and person of a compound."""
    households = Household.objects.filter(compound=compound).select_related("building", "unit")
    for household in households:
        address = household_address(
            compound.name,
            household.building.name if household.building else None,
            household.unit.name if household.unit else None,
            household.name,
        )
        if address != household.address:
            Household.objects.filter(pk=household.pk).update(address=address)
            Person.objects.filter(household=household).update(address=address)


@transaction.atomic
def place_rename(
    *, scope: Scope, place: Compound | Building | Unit | Household, name: str
) -> Compound | Building | Unit | Household:
    scope.require(Perm.PLACE_MANAGE, at=place.jurisdiction_code)
    canonicals: dict[type, Callable[[str], str]] = {
        Compound: str.strip,
        Building: canonical_building,
        Unit: canonical_unit,
        Household: canonical_room,
    }
    name = canonicals[type(place)](name)
    if not name:
        raise _invalid("name", _("A name is required."))
    old = place.name
    if old == name:
        return place
    siblings: dict[str, Any] = {
        Compound: lambda p: {"community_code": p.community_code},
        Building: lambda p: {"compound_id": p.compound_id},
        Unit: lambda p: {"building_id": p.building_id},
        Household: lambda p: {
            "compound_id": p.compound_id,
            "building_id": p.building_id,
            "unit_id": p.unit_id,
        },
    }[type(place)](place)
    if type(place).objects.filter(name=name, **siblings).exclude(pk=place.pk).exists():
        raise _invalid("name", _("That name is already used here."))
    place.name = name
    place.save(update_fields=["name", "updated_at"])
    compound = (
        place
        if isinstance(place, Compound)
        else place.compound
        if not isinstance(place, Unit)
        else place.building.compound
    )
    _refresh_addresses(compound)
    audit.record(
        scope,
        f"registry.{type(place).__name__.lower()}.renamed",
        place,
        data={"from": old, "to": name},
    )
    return place


@transaction.atomic
def place_move(*, scope: Scope, place: Compound | Building, to_code: str) -> Compound | Building:
    """Move a compound or building to another grid (or community), with everything in it.

    Every row below takes the new code in one set-based update per table, so scoping
    stays exact.
    """
    scope.require(Perm.PLACE_MANAGE, at=place.jurisdiction_code)
    scope.require(Perm.PLACE_MANAGE, at=to_code)
    target = _jurisdiction_in_scope(scope, to_code)
    if target.level not in (Level.COMMUNITY, Level.GRID) or not target.is_active:
        raise _invalid("to", _("Places move to an active community or grid."))
    new_community = community_of(target.code)
    if isinstance(place, Building) and new_community != place.community_code:
        raise _invalid("to", _("A building moves between the grids of its own community."))
    if isinstance(place, Compound) and new_community != place.community_code:
        scope.require(Perm.PERSON_TRANSFER, at=new_community)
        if Compound.objects.filter(community_code=new_community, name=place.name).exists():
            raise _invalid("to", _("That community already has a compound of that name."))
    old_code = place.jurisdiction_code
    updates = {"jurisdiction_code": target.code, "community_code": new_community}
    for model, lookup in _descendant_filters(place):
        model._default_manager.filter(**lookup).update(**updates)
    type(place).objects.filter(pk=place.pk).update(**updates)
    place.refresh_from_db()
    audit.record(
        scope,
        f"registry.{type(place).__name__.lower()}.moved",
        place,
        data={"from": old_code, "to": target.code},
    )
    return place


@transaction.atomic
def place_set_active(
    *, scope: Scope, place: Compound | Building | Unit | Household, active: bool
) -> Compound | Building | Unit | Household:
    """Retire a place (never delete one that has people) or bring it back."""
    scope.require(Perm.PLACE_MANAGE, at=place.jurisdiction_code)
    if not active:
        people = next(lookup for model, lookup in _descendant_filters(place) if model is Person)
        if Person.objects.filter(status=Person.Status.ACTIVE, **people).exists():
            raise ApplicationError(
                _("People are registered here; move them out before retiring the place.")
            )
    place.is_active = active
    place.save(update_fields=["is_active", "updated_at"])
    action = "retired" if not active else "restored"
    audit.record(scope, f"registry.{type(place).__name__.lower()}.{action}", place)
    return place


# --- People ------------------------------------------------------------------------

PERSON_EDITABLE = (
    "name",
    "sex",
    "birth_date",
    "id_type",
    "id_number",
    "phone",
    "ethnicity",
    "relation_to_head",
    "category",
    "remarks",
    "is_frail",
    "is_chronically_ill",
    "is_disabled",
    "is_pregnant",
    "lives_alone",
    "needs_verification",
)


def _clean_person_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    if "name" in cleaned:
        cleaned["name"] = (cleaned["name"] or "").strip()
        if not cleaned["name"]:
            raise _invalid("name", _("A name is required."))
    if cleaned.get("id_number"):
        try:
            rid = parse_resident_id(cleaned["id_number"])
        except IdentifierError as exc:
            raise _invalid("id_number", str(exc)) from None
        cleaned["id_number"] = rid.number
        cleaned.setdefault("id_type", Person.IdType.RESIDENT_ID)
        # The number wins (ADR 0003): a birth date or sex typed beside it must agree.
        if cleaned.get("birth_date") and cleaned["birth_date"] != rid.birth_date:
            raise _invalid(
                "birth_date",
                _("The birth date does not match the identity number (%(date)s).")
                % {"date": rid.birth_date.isoformat()},
            )
        if cleaned.get("sex") and cleaned["sex"] != rid.sex:
            raise _invalid("sex", _("The sex does not match the identity number."))
        cleaned["birth_date"], cleaned["sex"] = rid.birth_date, rid.sex
    elif "id_number" in cleaned:
        cleaned["id_number"] = None
    if cleaned.get("phone"):
        try:
            cleaned["phone"] = normalize_phone(cleaned["phone"])
        except IdentifierError as exc:
            raise _invalid("phone", str(exc)) from None
    return cleaned


def _check_id_free(id_number: str | None, exclude_pk: int | None = None) -> None:
    if not id_number:
        return
    others = Person.objects.filter(id_number=id_number)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ApplicationError(
            _("A person with this identity number is already registered; search for them."),
            errors=[
                FieldError(
                    "id_number",
                    "taken",
                    _("A person with this identity number is already registered."),
                )
            ],
        )


@transaction.atomic
def person_create(
    *,
    scope: Scope,
    household: Household | None,
    community_code: str | None = None,
    source: str = "manual",
    address: str = "",
    **fields: Any,
) -> Person:
    code = household.jurisdiction_code if household else (community_code or "")
    scope.require(Perm.PERSON_EDIT, at=code)
    if household is None:
        node = _jurisdiction_in_scope(scope, code)
        if node.level not in (Level.COMMUNITY, Level.GRID):
            raise _invalid("household", _("A person is registered in a community."))
    unknown = set(fields) - set(PERSON_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    cleaned = _clean_person_fields(fields)
    _check_id_free(cleaned.get("id_number"))
    if not cleaned.get("id_number"):
        cleaned["needs_verification"] = True
    person = Person(
        jurisdiction_code=code,
        community_code=community_of(code),
        household=household,
        address=household.address if household else address.strip(),
        source=source,
        created_by_id=scope.actor_id,
        **cleaned,
    )
    for key, value in person_search_fields(person.name, person.id_number).items():
        setattr(person, key, value)
    for flag, on in age_flags(person.birth_date).items():
        setattr(person, flag, on)
    person.save()
    Residence.objects.create(
        person=person,
        jurisdiction_code=code,
        household=household,
        address=person.address,
        started_at=timezone.now(),
        reason=_("registered"),
        recorded_by_id=scope.actor_id,
    )
    audit.record(scope, "registry.person.created", person)
    return person


@transaction.atomic
def person_update(*, scope: Scope, person: Person, reason: str = "", **fields: Any) -> Person:
    scope.require(Perm.PERSON_EDIT, at=person.jurisdiction_code)
    unknown = set(fields) - set(PERSON_EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    cleaned = _clean_person_fields(fields)
    if "id_number" in cleaned:
        _check_id_free(cleaned["id_number"], exclude_pk=person.pk)
    if cleaned.get("id_number") and person.needs_verification:
        cleaned["needs_verification"] = False  # 待核实 ends with a checked identity number
    changed = [k for k, v in cleaned.items() if getattr(person, k) != v]
    # 老 and 幼 follow the birth date as the years pass, changed or not.
    stale = {k: v for k, v in age_flags(person.birth_date).items() if getattr(person, k) != v}
    if not changed and not stale:
        return person
    for key in changed:
        setattr(person, key, cleaned[key])
    for key, value in person_search_fields(person.name, person.id_number).items():
        setattr(person, key, value)
    for flag, on in age_flags(person.birth_date).items():
        setattr(person, flag, on)
    person.save()
    # The audit says which fields changed, never their values (personal data).
    audit.record(
        scope, "registry.person.updated", person, reason=reason, data={"fields": sorted(changed)}
    )
    return person


def person_file_viewed(*, scope: Scope, person: Person, remote_addr: str = "") -> None:
    """Every read of a person file is in the audit log."""
    with transaction.atomic():
        audit.record(scope, "registry.person.viewed", person, remote_addr=remote_addr)


@transaction.atomic
def person_reveal(
    *, scope: Scope, person: Person, field: str, reason: str, remote_addr: str = ""
) -> str:
    """Show a full identity number or phone: an action with a reason, audited."""
    scope.require(Perm.PERSON_REVEAL, at=person.jurisdiction_code)
    if field not in REVEALABLE_FIELDS:
        raise _invalid("field", _("This field cannot be revealed."))
    reason = reason.strip()
    if len(reason) < 2:
        raise _invalid("reason", _("Give the reason for seeing the full value."))
    audit.record(
        scope,
        "registry.person.revealed",
        person,
        reason=reason,
        data={"field": field},
        remote_addr=remote_addr,
    )
    return str(getattr(person, field) or "")


@transaction.atomic
def person_move(
    *,
    scope: Scope,
    person: Person,
    household: Household,
    reason: str,
    moved_on: dt.datetime | None = None,
) -> Person:
    """Register a person in another household.

    Within a community: a community worker may do it. Across communities it is a
    transfer, which only an office above both communities may do.
    """
    scope.require(Perm.PERSON_EDIT, at=person.jurisdiction_code)
    scope.require(Perm.PERSON_EDIT, at=household.jurisdiction_code)
    if household.community_code != person.community_code:
        scope.require(Perm.PERSON_TRANSFER, at=household.community_code)
        scope.require(Perm.PERSON_TRANSFER, at=person.community_code)
    reason = reason.strip()
    if not reason:
        raise _invalid("reason", _("Give the reason for the move."))
    when = moved_on or timezone.now()
    Residence.objects.filter(person=person, ended_at__isnull=True).update(ended_at=when)
    old = {"jurisdiction_code": person.jurisdiction_code, "household": person.household_id}
    person.household = household
    person.jurisdiction_code = household.jurisdiction_code
    person.community_code = household.community_code
    person.address = household.address
    person.save(
        update_fields=["household", "jurisdiction_code", "community_code", "address", "updated_at"]
    )
    Residence.objects.create(
        person=person,
        jurisdiction_code=household.jurisdiction_code,
        household=household,
        address=household.address,
        started_at=when,
        reason=reason,
        recorded_by_id=scope.actor_id,
    )
    audit.record(
        scope,
        "registry.person.moved",
        person,
        reason=reason,
        data={
            "from": old,
            "to": {"jurisdiction_code": household.jurisdiction_code, "household": household.pk},
        },
    )
    return person


@transaction.atomic
def person_set_status(*, scope: Scope, person: Person, status: str, reason: str) -> Person:
    scope.require(Perm.PERSON_EDIT, at=person.jurisdiction_code)
    if status not in Person.Status.values:
        raise _invalid("status", _("Unknown status."))
    if not reason.strip():
        raise _invalid("reason", _("Give the reason."))
    old = person.status
    person.status = status
    person.save(update_fields=["status", "updated_at"])
    if status != Person.Status.ACTIVE:
        Residence.objects.filter(person=person, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
    audit.record(
        scope, "registry.person.status", person, reason=reason, data={"from": old, "to": status}
    )
    return person


def level_label(code: str) -> str:
    return level_of(code).value
