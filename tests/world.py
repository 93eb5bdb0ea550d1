"""A small registry on the base tree: one of everything in the community, and the same
in its sibling, so that every test can check that the other side sees nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fangkong.core.scope import Scope
from fangkong.registry import services
from fangkong.registry.models import Building, Compound, Household, Person, Unit

from .conftest import COMMUNITY, SIBLING

# Valid identity numbers (GB 11643 check digits) for tests.
ID_ZHANG = "41010619900101123X"
ID_LI = "410106198502030020"
ID_WANG = "410106197005064516"


@dataclass
class Side:
    compound: Compound
    building: Building
    unit: Unit
    household: Household
    person: Person
    housemate: Person
    # Later modules' objects on this side, by module (tests/web/matrix.py).
    extra: dict[str, Any] = field(default_factory=dict)


def build_side(
    scope: Scope, community: str, *, compound: str, name: str, mate: str, id_number: str, phone: str
) -> Side:
    c = services.compound_create(scope=scope, jurisdiction_code=community, name=compound)
    b = services.building_create(scope=scope, compound=c, name="3")
    u = services.unit_create(scope=scope, building=b, name="2")
    h = services.household_create(scope=scope, compound=c, building=b, unit=u, room="501")
    p = services.person_create(
        scope=scope,
        household=h,
        name=name,
        id_number=id_number,
        phone=phone,
        relation_to_head="户主",
    )
    m = services.person_create(
        scope=scope, household=h, name=mate, relation_to_head="配偶", phone="13900001111"
    )
    return Side(c, b, u, h, p, m)


def build_world(scope: Scope) -> tuple[Side, Side]:
    mine = build_side(
        scope,
        COMMUNITY,
        compound="金华小区",
        name="张三",
        mate="李梅",
        id_number=ID_ZHANG,
        phone="13812345678",
    )
    other = build_side(
        scope,
        SIBLING,
        compound="隔壁花园",
        name="隔壁王五",
        mate="隔壁赵六",
        id_number=ID_WANG,
        phone="13787654321",
    )
    return mine, other


def fingerprint() -> tuple[object, ...]:
    """Everything a denied request must leave untouched."""
    from fangkong.core.models import AuditEntry, Jurisdiction

    return (
        AuditEntry.objects.count(),
        tuple(Jurisdiction.objects.order_by("code").values_list("code", "name", "is_active")),
        tuple(
            Compound.objects.order_by("pk").values_list(
                "pk", "name", "jurisdiction_code", "is_active"
            )
        ),
        tuple(Building.objects.order_by("pk").values_list("pk", "name", "is_active")),
        tuple(Household.objects.order_by("pk").values_list("pk", "name", "is_active")),
        tuple(
            Person.objects.order_by("pk").values_list(
                "pk", "name", "phone", "household_id", "jurisdiction_code", "status"
            )
        ),
    )
