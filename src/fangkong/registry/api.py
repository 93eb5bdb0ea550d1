"""The registry's JSON API: scoped, masked, paginated by keyset."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from . import selectors, services
from .models import Person
from .schemas import JurisdictionOut, PersonDetail, PersonPage, RevealIn, RevealOut

router = Router(tags=["registry"])
MAX_LIMIT = 100


class PersonQuery(Schema):
    q: str = ""
    jurisdiction: str = ""
    cursor: str | None = None
    limit: int = 30


def _item(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "sex": p.sex,
        "age": p.age,
        "id_number_masked": p.id_number_masked,
        "phone_masked": p.phone_masked,
        "address": p.address,
        "jurisdiction_code": p.jurisdiction_code,
        "needs_verification": p.needs_verification,
        "vulnerabilities": p.vulnerabilities,
    }


@router.get("/persons", response=PersonPage, summary="Search people in your jurisdiction")
def persons(request: HttpRequest, params: Query[PersonQuery]) -> dict[str, Any]:
    scope = request.scope  # type: ignore[attr-defined]
    limit = max(1, min(params.limit, MAX_LIMIT))
    people = selectors.person_list(
        scope=scope,
        filters=selectors.PersonFilters(query=params.q.strip(), jurisdiction=params.jurisdiction),
    )
    if params.cursor:
        if not params.cursor.isdigit():
            raise HttpError(
                400, _("The cursor is not valid; use the next_cursor of the previous page.")
            )
        people = people.filter(id__gt=int(params.cursor))
    rows = list(people[: limit + 1])
    next_cursor = str(rows[limit - 1].pk) if len(rows) > limit else None
    return {"items": [_item(p) for p in rows[:limit]], "next_cursor": next_cursor}


@router.get("/persons/{person_id}", response=PersonDetail, summary="One person file (masked)")
def person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    scope = request.scope  # type: ignore[attr-defined]
    p = selectors.person_get(scope=scope, pk=person_id)
    services.person_file_viewed(
        scope=scope, person=p, remote_addr=request.META.get("REMOTE_ADDR", "")
    )
    return {
        **_item(p),
        "birth_date": p.birth_date,
        "ethnicity": p.ethnicity,
        "relation_to_head": p.relation_to_head,
        "category": p.category,
        "status": p.status,
        "household_id": p.household_id,
        "housemates": [
            {"id": h.pk, "name": h.name, "relation_to_head": h.relation_to_head}
            for h in selectors.housemates(scope=scope, person=p)
        ],
    }


@router.post(
    "/persons/{person_id}/reveal",
    response=RevealOut,
    summary="Reveal a full identity number or phone, with a reason (audited)",
)
def reveal(request: HttpRequest, person_id: int, payload: RevealIn) -> dict[str, str]:
    scope = request.scope  # type: ignore[attr-defined]
    p = selectors.person_get(scope=scope, pk=person_id)
    value = services.person_reveal(
        scope=scope,
        person=p,
        field=payload.field,
        reason=payload.reason,
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return {"field": payload.field, "value": value}


@router.get(
    "/jurisdictions/{code}",
    response=JurisdictionOut,
    summary="A node of the jurisdiction tree with its children and counts",
)
def jurisdiction(request: HttpRequest, code: str) -> dict[str, Any]:
    scope = request.scope  # type: ignore[attr-defined]
    node = selectors.jurisdiction_get(scope=scope, code=code)
    children = selectors.jurisdiction_children(scope=scope, node=node)
    counts, total = selectors.counts_by_child(scope=scope, node=node, children=children)

    def shape(n: Any, c: Any) -> dict[str, Any]:
        return {
            "code": n.code,
            "name": n.name,
            "level": n.level,
            "kind": n.kind,
            "is_active": n.is_active,
            "persons": c.persons,
            "households": c.households,
            "compounds": c.compounds,
            "children": [],
        }

    return {**shape(node, total), "children": [shape(c, counts[c.code]) for c in children]}
