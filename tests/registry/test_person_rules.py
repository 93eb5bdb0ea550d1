"""Rules of a person's record that the web form relies on: the identity number wins over
what is typed beside it, 待核实 ends with a checked number, 老/幼 follow the years."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from fangkong.accounts.models import User
from fangkong.core.errors import ApplicationError
from fangkong.core.scope import Scope
from fangkong.registry import services
from fangkong.registry.models import Person
from tests.conftest import COMMUNITY
from tests.world import ID_LI, build_world


@pytest.fixture
def world(tree: Any, system_scope: Scope) -> Any:
    return build_world(system_scope)


@pytest.fixture
def worker(make_user: Callable[..., User], scope_of: Callable[..., Scope]) -> Scope:
    return scope_of(make_user("community_worker", COMMUNITY))


def test_a_typed_birth_date_or_sex_must_agree_with_the_number(world: Any, worker: Scope) -> None:
    mine, _ = world
    with translation.override("en"), pytest.raises(ApplicationError) as wrong_date:
        services.person_create(
            scope=worker,
            household=mine.household,
            name="单雄信",
            id_number=ID_LI,
            birth_date=dt.date(1985, 2, 4),
        )
    error = wrong_date.value.errors[0]
    assert (error.field, error.message) == (
        "birth_date",
        "The birth date does not match the identity number (1985-02-03).",
    )
    with pytest.raises(ApplicationError) as wrong_sex:
        services.person_create(
            scope=worker, household=mine.household, name="单雄信", id_number=ID_LI, sex="M"
        )
    assert wrong_sex.value.errors[0].field == "sex"
    person = services.person_create(
        scope=worker,
        household=mine.household,
        name="单雄信",
        id_number=ID_LI,
        birth_date=dt.date(1985, 2, 3),
    )
    assert (person.birth_date, person.sex) == (dt.date(1985, 2, 3), "F")


def test_adding_a_checked_number_ends_to_be_verified(world: Any, worker: Scope) -> None:
    mine, _ = world
    person = services.person_create(scope=worker, household=mine.household, name="无证者")
    assert person.needs_verification is True
    services.person_update(scope=worker, person=person, phone="13600001111")
    assert Person.objects.get(pk=person.pk).needs_verification is True
    services.person_update(scope=worker, person=person, id_number=ID_LI)
    stored = Person.objects.get(pk=person.pk)
    assert (stored.needs_verification, stored.birth_date, stored.sex) == (
        False,
        dt.date(1985, 2, 3),
        "F",
    )


def test_saving_unchanged_still_brings_the_age_flags_up_to_date(world: Any, worker: Scope) -> None:
    mine, _ = world
    person = services.person_create(
        scope=worker,
        household=mine.household,
        name="老人家",
        birth_date=dt.date.today() - dt.timedelta(days=365 * 61),
    )
    assert person.is_elderly is True
    Person.objects.filter(pk=person.pk).update(is_elderly=False)  # as if written years ago
    stale = Person.objects.get(pk=person.pk)
    services.person_update(scope=worker, person=stale, name="老人家")
    assert Person.objects.get(pk=person.pk).is_elderly is True
