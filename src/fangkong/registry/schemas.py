"""API shapes of the registry: explicit, never derived from models."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class PersonItem(Schema):
    id: int
    name: str
    sex: str
    age: int | None
    id_number_masked: str
    phone_masked: str
    address: str
    jurisdiction_code: str
    needs_verification: bool
    vulnerabilities: list[str]


class PersonPage(Schema):
    items: list[PersonItem]
    next_cursor: str | None


class HousemateOut(Schema):
    id: int
    name: str
    relation_to_head: str


class PersonDetail(PersonItem):
    birth_date: dt.date | None
    ethnicity: str
    relation_to_head: str
    category: str
    status: str
    household_id: int | None
    housemates: list[HousemateOut]


class RevealIn(Schema):
    field: str
    reason: str


class RevealOut(Schema):
    field: str
    value: str


class JurisdictionOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    is_active: bool
    persons: int
    households: int
    compounds: int
    children: list[JurisdictionOut] = []
